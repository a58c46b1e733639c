package io.vendstream.ops;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Properties;
import java.util.stream.Stream;

import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A route whose endpoint is not available at start-up is retried, not fatal, and starts once it is. */
class RouteSupervisionTest {

    @Test
    void should_start_the_application_and_keep_retrying_a_route_until_its_endpoint_becomes_available() throws Exception {
        Namespace ns = TestInfrastructure.get().namespace("supervision");
        Path routes = Path.of("target", "supervision-routes", ns.id()).toAbsolutePath();
        Files.createDirectories(routes);
        try (Stream<Path> files = Files.list(RouteIds.routesDirectory())) {
            for (Path file : files.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        // an inbox that does not exist yet: the file consumer refuses to start until it does
        Path inbox = routes.resolveSibling(ns.id() + "-inbox");
        // namespace ids repeat from one test run to the next: an inbox an earlier run created must go
        Files.deleteIfExists(inbox);
        Files.writeString(routes.resolve("watch-inbox.camel.yaml"), """
                - route:
                    id: watch-inbox
                    description: Test route whose endpoint is unavailable at start-up
                    from:
                      uri: file:%s
                      parameters:
                        startingDirectoryMustExist: true
                        autoCreate: false
                      steps:
                        - log:
                            message: "${header.CamelFileName}"
                """.formatted(inbox));
        Properties props = ns.appProperties();
        props.setProperty("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        props.setProperty("camel.routecontroller.back-off-delay", "500");
        props.setProperty("camel.routecontroller.back-off-max-delay", "1000");

        try (VendstreamApp app = VendstreamApp.start(props)) {
            // the application is up (HTTP answers) while the route waits for its endpoint
            assertThat(Http.get(app.baseUrl() + "/observe/health/live").statusCode()).isEqualTo(200);
            assertThat(app.context().getRouteController().getRouteStatus("watch-inbox")).isNotEqualTo(ServiceStatus.Started);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(Http.get(app.baseUrl() + "/observe/health").body())
                            .contains("{\"name\":\"route:watch-inbox\",\"status\":\"DOWN\""));

            Files.createDirectories(inbox);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> app.context().getRouteController().getRouteStatus("watch-inbox") == ServiceStatus.Started);
        }
    }
}
