package io.vendstream.runtime;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.vendstream.support.TestInfrastructure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The embedded PostgreSQL started by an ordinary user, who runs the server directly. The suite
 * usually runs as root (CI too), so the test starts a child JVM under the {@code nobody}
 * account with {@code setpriv}; the classpath is copied (hard-linked where possible) into a
 * world-readable directory first, because a Maven repository under {@code /root} is private.
 */
class ManagedPostgresOrdinaryUserTest {

    private Path work;

    @AfterEach
    void removeWorkDirectory() throws IOException {
        if (work != null) {
            ManagedPostgresTest.deleteRecursively(work);
        }
    }

    @Test
    void should_start_query_and_stop_the_embedded_postgresql_as_an_ordinary_user() throws Exception {
        List<String> switchUser = switchToOrdinaryUser();
        work = Files.createTempDirectory("vendstream-ordinary-user");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        String classpath = copyClasspath(work.resolve("classpath"));
        Path data = work.resolve("data");
        Files.createDirectories(data);
        if (!switchUser.isEmpty()) {
            Files.setOwner(data, data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        }
        String expectedUser = switchUser.isEmpty() ? System.getProperty("user.name") : "nobody";

        List<String> command = new ArrayList<>(switchUser);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", classpath, OrdinaryUserPostgresProbe.class.getName(),
                data.toString(), String.valueOf(TestInfrastructure.freePort())));
        Process probe = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "cannot read the probe's output: " + e;
            }
        });
        boolean finished = probe.waitFor(3, TimeUnit.MINUTES);
        if (!finished) {
            probe.destroyForcibly();
        }
        String log = output.get(30, TimeUnit.SECONDS);

        assertThat(finished).as("probe finished within 3 minutes; output:%n%s", log).isTrue();
        assertThat(probe.exitValue()).as("probe exit code; output:%n%s", log).isZero();
        assertThat(log).contains("probe running as " + expectedUser + ", root=false",
                "select 1 returned 1 as database user vendstream",
                "cluster owned by " + expectedUser,
                "stopped cleanly: true");
    }

    /** setpriv to nobody when we are root; nothing when we already are an ordinary user. */
    private static List<String> switchToOrdinaryUser() {
        if (!ManagedPostgres.isRoot()) {
            return List.of();
        }
        boolean hasSetpriv = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, "setpriv")));
        assumeTrue(hasSetpriv, "running as root without setpriv: no way to switch to an ordinary user");
        return List.of("setpriv", "--reuid=nobody", "--regid=" + nobodyGroup(), "--clear-groups");
    }

    private static String nobodyGroup() {
        try {
            return Files.readAllLines(Path.of("/etc/group")).stream().map(l -> l.split(":")[0])
                    .filter(g -> g.equals("nogroup") || g.equals("nobody")).findFirst().orElse("nogroup");
        } catch (IOException e) {
            return "nogroup";
        }
    }

    /** Links or copies every entry of this JVM's classpath under {@code target}; returns the new classpath. */
    private static String copyClasspath(Path target) throws IOException {
        Files.createDirectories(target);
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path copy = target.resolve((n++) + "-" + source.getFileName());
            if (Files.isDirectory(source)) {
                try (Stream<Path> walk = Files.walk(source)) {
                    for (Path p : walk.toList()) {
                        Path to = copy.resolve(source.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(to);
                        } else {
                            linkOrCopy(p, to);
                        }
                    }
                }
            } else {
                linkOrCopy(source, copy);
            }
            entries.add(copy.toString());
        }
        try (Stream<Path> walk = Files.walk(target)) {
            for (Path p : walk.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    /** A hard link shares the original's permissions, so only world-readable files are linked. */
    private static void linkOrCopy(Path from, Path to) throws IOException {
        if (Files.getPosixFilePermissions(from).contains(PosixFilePermission.OTHERS_READ)) {
            try {
                Files.createLink(to, from);
                return;
            } catch (FileSystemException | UnsupportedOperationException e) {
                // another file system: copy
            }
        }
        Files.copy(from, to);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
