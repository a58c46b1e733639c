package io.vendstream.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.vendstream.support.TestInfrastructure;

/**
 * The packaged application ({@code target/vendstream.jar}) as a process of its own, on its
 * embedded defaults except for a fresh data directory and a free HTTP port; no VENDSTREAM_
 * variable of the test's own environment leaks into it.
 */
final class PackagedJar {

    static final Path JAR = Path.of(System.getProperty("vendstream.jar", "target/vendstream.jar"));
    static final Path PROJECT = Path.of(System.getProperty("vendstream.project.dir", "."));

    private PackagedJar() {
    }

    /** A process builder for {@code java -jar}, with a new data directory named after {@code purpose}. */
    static ProcessBuilder processBuilder(String purpose) throws IOException {
        Path data = Files.createTempDirectory(PROJECT.resolve("target"), purpose);
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString())
                .directory(PROJECT.toFile())
                .redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("VENDSTREAM_"));
        builder.environment().put("VENDSTREAM_DATA_DIR", data.toString());
        // never the default 8080: the HTTP port is checked first and may be taken on a shared machine
        builder.environment().put("VENDSTREAM_HTTP_PORT", String.valueOf(TestInfrastructure.freePort()));
        return builder;
    }
}
