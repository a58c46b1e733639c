package io.vendstream.devices;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.RunningApp;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;

/** Test helpers: provisioning machines through the API, and Paho MQTT 5 clients signed in as them. */
final class Devices {

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private Devices() {
    }

    /** Registers the machine through {@code POST /api/devices} and answers its secret. */
    static String register(RunningApp app, String machineId) throws Exception {
        HttpResponse<String> response = post(app, "/api/devices", "{\"machineId\":\"" + machineId + "\"}", null);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("register " + machineId + ": " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body()).path("secret").asText();
    }

    static HttpResponse<String> post(RunningApp app, String path, String body, String basic) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.baseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (basic != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> send(RunningApp app, String method, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode get(RunningApp app, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    static int mqttPort(RunningApp app) {
        return Integer.parseInt(app.properties().getProperty("vendstream.mqtt.port"));
    }

    static String mqttUrl(RunningApp app) {
        return "tcp://127.0.0.1:" + mqttPort(app);
    }

    /** A Paho MQTT 5 client signed in as the machine (not yet connected when {@code connect} is false). */
    static MqttAsyncClient client(RunningApp app, String machineId, String secret, boolean connect) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(mqttUrl(app), machineId + "-" + System.nanoTime(), new MemoryPersistence());
        if (connect) {
            client.connect(options(machineId, secret)).waitForCompletion(10_000);
        }
        return client;
    }

    static MqttConnectionOptions options(String machineId, String secret) {
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setUserName(machineId);
        options.setPassword(secret.getBytes(StandardCharsets.UTF_8));
        options.setCleanStart(true);
        options.setConnectionTimeout(10);
        return options;
    }
}
