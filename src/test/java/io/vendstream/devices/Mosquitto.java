package io.vendstream.devices;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.vendstream.support.TestInfrastructure;

import static org.awaitility.Awaitility.await;

/** A real Mosquitto broker (Debian's package) on a free port, anonymous, for the duration of a test. */
final class Mosquitto implements AutoCloseable {

    final int port;
    private final Process process;

    Mosquitto(Path dir) throws IOException {
        this(dir, "");
    }

    /** A broker with {@code extraConfig} (mosquitto.conf lines) added to the defaults. */
    Mosquitto(Path dir, String extraConfig) throws IOException {
        Files.createDirectories(dir);
        port = TestInfrastructure.freePort();
        Path config = dir.resolve("mosquitto.conf");
        // no topic aliases: Paho 1.2.5 registers a topic's alias before it may refuse the publish as
        // over its in-flight window, and a retry (PahoPublishing) would then send the alias alone
        Files.writeString(config, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\nmax_topic_alias 0\n"
                + "log_dest file " + dir.resolve("mosquitto.log").toAbsolutePath() + "\n" + extraConfig);
        process = new ProcessBuilder("mosquitto", "-c", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    String url() {
        return "tcp://127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
