package io.vendstream.ops;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** An operator attaching JConsole/VisualVM (platform MBean server) or Hawtio (Jolokia) sees every route. */
class JmxMonitoringTest {

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("jmx")
            // events flow: the simulator publishes, ingest (where present) consumes
            .with("vendstream.simulator.enabled", "true")
            .with("camel.management.jolokia-enabled", "true")
            // reachable over this machine's other addresses without users, so Jolokia's own refusal shows
            .with("vendstream.http.open-without-credentials", "true");

    private static ObjectName routeMBean(String routeId) throws Exception {
        return new ObjectName("org.apache.camel:context=vendstream,type=routes,name=\"" + routeId + "\"");
    }

    @Test
    void should_register_an_mbean_under_the_fixed_context_name_for_every_route_in_the_routes_directory() throws Exception {
        List<String> ids = RouteIds.declared();
        assertThat(ids).contains("simulate-vending-sales");
        assertThat(APP.context().getManagementName()).isEqualTo("vendstream");
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (String id : ids) {
            assertThat(server.isRegistered(routeMBean(id))).as("MBean of route %s", id).isTrue();
        }
    }

    @Test
    void should_count_completed_exchanges_of_the_event_route_while_events_flow() throws Exception {
        // the ingest route once it exists; the simulator's before that
        String id = RouteIds.declared().contains("ingest-vending-events") ? "ingest-vending-events" : "simulate-vending-sales";
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName route = routeMBean(id);
        long before = (Long) server.getAttribute(route, "ExchangesCompleted");
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat((Long) server.getAttribute(route, "ExchangesCompleted")).isGreaterThan(before + 1));
        assertThat(server.getAttribute(route, "State")).isEqualTo("Started");
    }

    @Test
    void should_read_a_route_attribute_over_jolokia_with_a_plain_http_request() {
        HttpResponse<String> response = Http.get(APP.baseUrl()
                + "/observe/jolokia/read/org.apache.camel:context=vendstream,type=routes,name=%22simulate-vending-sales%22/State");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"value\":\"Started\"").contains("\"status\":200");
    }

    @Test
    void should_refuse_jolokia_requests_that_do_not_come_from_this_machine() throws Exception {
        Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> !isLoopback(i))
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
        assumeTrue(external.isPresent(), "this machine has no non-loopback address to call from");
        String base = "http://" + external.get().getHostAddress() + ":" + APP.httpPort();
        // the same server answers health over that address, so the refusal is Jolokia's own
        // (readiness holds DOWN until every polling consumer has polled once)
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(Http.get(base + "/observe/health").statusCode()).isEqualTo(200));
        HttpResponse<String> response = Http.get(base + "/observe/jolokia/version");
        assertThat(response.body()).doesNotContain("\"agent\"").contains("\"error\"");
        assertThat(response.statusCode()).isNotEqualTo(200);
    }

    private static boolean isLoopback(NetworkInterface i) {
        try {
            return i.isLoopback() || !i.isUp();
        } catch (java.net.SocketException e) {
            return true;
        }
    }
}
