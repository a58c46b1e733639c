package io.vendstream.ops;

import java.util.Properties;

import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * One Kafka admin client shared by the Kafka health check and consumer lag (metrics, /api/pipeline), created on
 * first use and closed with the Camel context (so before the embedded broker goes down).
 */
public final class KafkaAdmin extends ServiceSupport {

    private final String bootstrapServers;
    private final int timeoutMillis;
    private Admin admin;

    public KafkaAdmin(String bootstrapServers, int timeoutMillis) {
        this.bootstrapServers = bootstrapServers;
        this.timeoutMillis = timeoutMillis;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public int timeoutMillis() {
        return timeoutMillis;
    }

    public synchronized Admin client() {
        if (admin == null) {
            Properties props = new Properties();
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "vendstream-observe");
            // a probe must answer quickly; a slow answer is itself the finding
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMillis));
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeoutMillis));
            // don't hammer a broker that is down: back off reconnects up to 5 s
            props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "5000");
            admin = Admin.create(props);
        }
        return admin;
    }

    @Override
    protected synchronized void doStop() {
        if (admin != null) {
            admin.close(java.time.Duration.ofSeconds(2));
            admin = null;
        }
    }
}
