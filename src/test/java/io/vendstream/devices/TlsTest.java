package io.vendstream.devices;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.vendstream.support.Events;
import io.vendstream.support.RunningApp;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One certificate and key (a PKCS12 key store named by Camel's own camel.ssl.* settings) serves both
 * the HTTP server and the machines' MQTT endpoint: a machine connects over TLS and its events are
 * stored, the API answers over HTTPS, and a client that does not speak TLS gets nothing.
 */
class TlsTest {

    private static final Path STORE = Path.of("target", "test-data", "tls", "server.p12").toAbsolutePath();
    private static final String PASSWORD = "changeit";

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("tls").configured((ns, props) -> {
        makeKeyStore();
        props.setProperty("camel.ssl.enabled", "true");
        props.setProperty("camel.ssl.key-store", "file:" + STORE);
        props.setProperty("camel.ssl.keystore-password", PASSWORD);
        props.setProperty("camel.server.use-global-ssl-context-parameters", "true");
    });

    private static SSLContext trusting;

    private static synchronized void makeKeyStore() {
        try {
            if (Files.exists(STORE)) {
                return;
            }
            Files.createDirectories(STORE.getParent());
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "vendstream", "-keyalg", "RSA", "-keysize", "2048", "-validity", "30",
                    "-storetype", "PKCS12", "-keystore", STORE.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD,
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1").redirectErrorStream(true).start();
            String out = new String(keytool.getInputStream().readAllBytes());
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + out);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void trustTheServersCertificate() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(STORE)) {
            store.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
    }

    @Test
    void should_take_a_machines_events_over_mqtt_with_tls() throws Exception {
        String secret = register("tls-01");
        MqttAsyncClient client = new MqttAsyncClient("ssl://127.0.0.1:" + Devices.mqttPort(APP), "tls-01", new MemoryPersistence());
        MqttConnectionOptions options = Devices.options("tls-01", secret);
        options.setSocketFactory(trusting.getSocketFactory());
        options.setHttpsHostnameVerificationEnabled(false);
        client.connect(options).waitForCompletion(10_000);
        MqttMessage message = new MqttMessage(Events.json(Events.sale("tls-01", "Aqua 600ml", 1, "5000", 9)));
        message.setQos(1);
        client.publish("vendstream/machines/tls-01/events", message).waitForCompletion(10_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> APP.ledger().queryLong("select count(*) from sales where machine_id = 'tls-01'") == 1);
        client.disconnect().waitForCompletion(5_000);
        client.close();
        // plain MQTT on the TLS port gets no CONNACK
        MqttAsyncClient plain = new MqttAsyncClient("tcp://127.0.0.1:" + Devices.mqttPort(APP), "tls-plain", new MemoryPersistence());
        MqttConnectionOptions plainOptions = Devices.options("tls-01", secret);
        plainOptions.setConnectionTimeout(3);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.connect(plainOptions).waitForCompletion(10_000))
                .isInstanceOf(org.eclipse.paho.mqttv5.common.MqttException.class);
        plain.close();
    }

    private static String register(String machineId) throws Exception {
        HttpResponse<String> r = https().send(HttpRequest.newBuilder(URI.create(httpsUrl("/api/devices")))
                .POST(HttpRequest.BodyPublishers.ofString("{\"machineId\":\"" + machineId + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Devices.JSON.readTree(r.body()).path("secret").asText();
    }

    @Test
    void should_answer_the_api_over_https() throws Exception {
        HttpResponse<String> r = https().send(HttpRequest.newBuilder(URI.create(httpsUrl("/api/summary"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("sales");
    }

    private static HttpClient https() {
        return HttpClient.newBuilder().sslContext(trusting).build();
    }

    private static String httpsUrl(String path) {
        return "https://localhost:" + APP.httpPort() + path;
    }
}
