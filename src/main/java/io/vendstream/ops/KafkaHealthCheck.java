package io.vendstream.ops;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vendstream.config.Failures;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;

/** Readiness: the Kafka cluster describes itself (cluster id and brokers) within the timeout. */
public final class KafkaHealthCheck extends AbstractHealthCheck {

    private final KafkaAdmin kafka;

    public KafkaHealthCheck(KafkaAdmin kafka) {
        super("vendstream", "kafka");
        this.kafka = kafka;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        int timeout = kafka.timeoutMillis();
        builder.detail("bootstrap.servers", kafka.bootstrapServers());
        try {
            DescribeClusterResult cluster = kafka.client().describeCluster(new DescribeClusterOptions().timeoutMs(timeout));
            Collection<Node> nodes = cluster.nodes().get(timeout, TimeUnit.MILLISECONDS);
            String id = cluster.clusterId().get(timeout, TimeUnit.MILLISECONDS);
            builder.detail("cluster.id", id);
            builder.detail("brokers", nodes.size());
            builder.up().message("Kafka cluster " + id + " at " + kafka.bootstrapServers() + ": " + nodes.size()
                    + " broker(s)");
        } catch (TimeoutException e) {
            builder.down().message("Kafka at " + kafka.bootstrapServers() + " did not answer within " + timeout + " ms");
        } catch (ExecutionException e) {
            builder.down().message("Kafka at " + kafka.bootstrapServers() + " is unreachable: "
                    + Failures.rootMessage(e.getCause())).error(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            builder.down().message("interrupted");
        }
    }
}
