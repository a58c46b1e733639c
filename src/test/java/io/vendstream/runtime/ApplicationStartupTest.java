package io.vendstream.runtime;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ApplicationStartupTest {

    private static final TestInfrastructure INFRA = TestInfrastructure.get();

    @Test
    void should_answer_health_up_with_the_schema_migrated_and_topics_created() throws Exception {
        Namespace ns = INFRA.namespace("startup");
        try (VendstreamApp app = VendstreamApp.start(ns)) {
            // readiness holds DOWN until every polling consumer (the file import) has polled once
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                HttpResponse<String> health = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(app.baseUrl() + "/observe/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
                assertThat(health.body()).contains("\"UP\"");
            });

            try (Connection c = app.dataSource().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select table_name, table_type from information_schema.tables "
                         + "where table_schema = '" + ns.schema() + "'")) {
                List<String> tables = new ArrayList<>();
                List<String> views = new ArrayList<>();
                while (rs.next()) {
                    (rs.getString(2).equals("VIEW") ? views : tables).add(rs.getString(1));
                }
                assertThat(tables).contains("sales", "restocks", "stock", "sales_hourly", "rejected_events", "ingest_partitions");
                // the idempotent repository is the event tables' primary keys; this view lists them
                assertThat(views).contains("processed_events");
            }
        }
    }

    @Test
    void should_create_missing_topics_with_three_partitions_when_started_against_an_external_broker() throws Exception {
        Namespace ns = INFRA.namespace("topics");
        Properties props = ns.appProperties();
        String topic = ns.id() + ".fresh";
        props.setProperty("vendstream.kafka.topic", topic);
        try (VendstreamApp app = VendstreamApp.start(props);
             Admin admin = Admin.create(java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, INFRA.bootstrapServers()))) {
            TopicDescription description = admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic);
            assertThat(description.partitions()).hasSize(3);
        }
    }
}
