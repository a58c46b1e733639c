package io.vendstream.ops;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.vendstream.support.Namespace;
import io.vendstream.support.TestInfrastructure;
import io.vendstream.support.VendstreamApp;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.timer.TimerEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Development mode: an integration developer saves a route file and sees the change live; a
 * broken save leaves the running routes alone. Works on a copy of routes/, never the real one.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouteReloadTest {

    private static final String SIMULATOR = "simulate-vending-sales";
    private static final Pattern PERIOD = Pattern.compile("(?m)^(\\s*period:\\s*).*$");

    private static Path routes;
    private static Path simulatorFile;
    private static String original;
    private static VendstreamApp app;

    @BeforeAll
    static void start() throws IOException {
        Namespace ns = TestInfrastructure.get().namespace("reload");
        routes = Path.of("target", "reload-routes", ns.id()).toAbsolutePath();
        Files.createDirectories(routes);
        try (Stream<Path> files = Files.list(RouteIds.routesDirectory())) {
            for (Path file : files.toList()) {
                Files.copy(file, routes.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        simulatorFile = routes.resolve(SIMULATOR + ".camel.yaml");
        original = Files.readString(simulatorFile);
        assertThat(PERIOD.matcher(original).find()).as("the simulator route has a period: line").isTrue();

        Properties props = ns.appProperties();
        props.setProperty("vendstream.simulator.enabled", "true");
        props.setProperty("vendstream.dev-mode", "true");
        props.setProperty("camel.main.routes-include-pattern", "file:" + routes + "/*.camel.yaml");
        props.setProperty("camel.main.routes-reload-directory", routes.toString());
        app = VendstreamApp.start(props);
        await().atMost(Duration.ofSeconds(60)).until(() -> status() == ServiceStatus.Started);
    }

    @AfterAll
    static void stop() throws IOException {
        app.close();
        try (Stream<Path> walk = Files.walk(routes)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    @Order(1)
    void should_apply_a_new_timer_period_without_a_restart() throws Exception {
        save(withPeriod("60000"));
        await().atMost(Duration.ofSeconds(60)).until(() -> period() == 60000);
        // slow: at most the first tick within a few seconds
        long slow = completed();
        assertThat(slow).isLessThanOrEqualTo(2);

        save(withPeriod("100"));
        await().atMost(Duration.ofSeconds(60)).until(() -> period() == 100);
        await().atMost(Duration.ofSeconds(30)).until(() -> completed() >= 10);
    }

    @Test
    @Order(2)
    void should_keep_the_running_routes_when_a_save_is_not_valid_yaml() throws Exception {
        assertKeptRunningAfter("- route:\n    id: " + SIMULATOR + "\n    from: [\n      uri: timer:broken\n");
    }

    @Test
    @Order(3)
    void should_keep_the_running_routes_when_a_save_misspells_a_key() throws Exception {
        assertKeptRunningAfter(original.replaceFirst("steps:", "stepz:"));
    }

    @Test
    @Order(4)
    void should_go_back_to_the_last_working_version_when_a_saved_route_cannot_start() throws Exception {
        assertKeptRunningAfter(original.replaceFirst("uri: timer:[^\\s]+", "uri: nosuchcomponent:here"));
    }

    private static void assertKeptRunningAfter(String broken) throws Exception {
        assertThat(broken).isNotEqualTo(original);
        GuardedRouteReloadStrategy reloader = app.context().hasService(GuardedRouteReloadStrategy.class);
        long refused = reloader.getRefusedCounter();
        save(broken);
        await().atMost(Duration.ofSeconds(60)).until(() -> reloader.getRefusedCounter() > refused);
        // the previous version (period 100) is still the one running, and it keeps working
        assertThat(status()).isEqualTo(ServiceStatus.Started);
        assertThat(period()).isEqualTo(100);
        long before = completed();
        await().atMost(Duration.ofSeconds(30)).until(() -> completed() >= before + 5);
    }

    private static String withPeriod(String period) {
        Matcher m = PERIOD.matcher(original);
        return m.replaceFirst("$1" + period);
    }

    /** Written whole and renamed into place, as careful editors do, so no half-written file is seen. */
    private static void save(String content) throws IOException {
        Path tmp = routes.resolve(".saving.tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, simulatorFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static ServiceStatus status() {
        return app.context().getRouteController().getRouteStatus(SIMULATOR);
    }

    private static long period() {
        Route route = app.context().getRoute(SIMULATOR);
        return route == null ? -1 : ((TimerEndpoint) route.getEndpoint()).getPeriod();
    }

    private static long completed() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("org.apache.camel:context=" + app.context().getManagementName()
                + ",type=routes,name=\"" + SIMULATOR + "\"");
        return server.isRegistered(name) ? (Long) server.getAttribute(name, "ExchangesCompleted") : 0;
    }
}
