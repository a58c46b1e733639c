package io.vendstream.devices;

/**
 * The {@code vendstream.mqtt.*} settings (application.properties, "Machines: MQTT and HTTP"), set
 * by name in routes/devices-beans.camel.yaml.
 */
public final class MqttSettings {

    private String host = "127.0.0.1";
    private int port = 1883;
    private int maxMessageBytes = 262_144;
    private int receiveMaximum = 64;
    private int authFailuresBeforeDelay = 5;
    private long maxAuthDelayMillis = 10_000;
    private int connectTimeoutSeconds = 30;
    private String keyStore = "";
    private String keyStorePassword = "";
    private String keyStoreType = "PKCS12";
    private String brokerUrl = "";
    private String brokerUsername = "";
    private String brokerPassword = "";
    private String sharedGroup = "vendstream";
    private String clientId = "";

    public String getHost() { return host; }
    public void setHost(String host) { this.host = host; }
    public int getPort() { return port; }
    public void setPort(int port) { this.port = port; }
    public int getMaxMessageBytes() { return maxMessageBytes; }
    public void setMaxMessageBytes(int maxMessageBytes) { this.maxMessageBytes = maxMessageBytes; }
    public int getReceiveMaximum() { return receiveMaximum; }
    public void setReceiveMaximum(int receiveMaximum) { this.receiveMaximum = receiveMaximum; }
    public int getAuthFailuresBeforeDelay() { return authFailuresBeforeDelay; }
    public void setAuthFailuresBeforeDelay(int n) { this.authFailuresBeforeDelay = n; }
    public long getMaxAuthDelayMillis() { return maxAuthDelayMillis; }
    public void setMaxAuthDelayMillis(long millis) { this.maxAuthDelayMillis = millis; }
    public int getConnectTimeoutSeconds() { return connectTimeoutSeconds; }
    public void setConnectTimeoutSeconds(int seconds) { this.connectTimeoutSeconds = seconds; }
    /** A key store (PKCS12 or JKS) with the server's certificate and key: the one camel.ssl.key-store names. Blank: no TLS. */
    public String getKeyStore() { return keyStore; }
    public void setKeyStore(String keyStore) { this.keyStore = keyStore; }
    public String getKeyStorePassword() { return keyStorePassword; }
    public void setKeyStorePassword(String password) { this.keyStorePassword = password; }
    public String getKeyStoreType() { return keyStoreType; }
    public void setKeyStoreType(String type) { this.keyStoreType = type; }
    public String getBrokerUrl() { return brokerUrl; }
    public void setBrokerUrl(String brokerUrl) { this.brokerUrl = brokerUrl; }
    public String getBrokerUsername() { return brokerUsername; }
    public void setBrokerUsername(String brokerUsername) { this.brokerUsername = brokerUsername; }
    public String getBrokerPassword() { return brokerPassword; }
    public void setBrokerPassword(String brokerPassword) { this.brokerPassword = brokerPassword; }
    public String getSharedGroup() { return sharedGroup; }
    public void setSharedGroup(String sharedGroup) { this.sharedGroup = sharedGroup; }
    public String getClientId() { return clientId; }
    public void setClientId(String clientId) { this.clientId = clientId; }

    /** Whether the embedded endpoint serves MQTT over TLS. */
    public boolean tls() {
        return !keyStore.isBlank();
    }

    /** The key store as a file path: {@code file:} prefixes (Camel's resource form) are taken off. */
    public String keyStorePath() {
        return keyStore.startsWith("file:") ? keyStore.substring(5) : keyStore;
    }
}
