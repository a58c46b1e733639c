package io.vendstream.http;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vendstream.support.Campus;
import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The restock view in a real headless Chromium at phone size (390 x 844), against the real
 * application on the demo fleet (a few slots out): the visit plan as the API has it, one tap to a
 * machine's pick list, readable without zooming, and a print stylesheet that leaves only the list.
 */
class RestockViewBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("restock_view")
            .assuming(() -> HeadlessChromium.assumeInstalled("the restock view browser test"))
            .with("vendstream.ingest.enabled", "false")
            .with("vendstream.api.cache-millis", "0");
    private static HeadlessChromium browser;

    @BeforeAll
    static void start_the_application_and_open_the_restock_view_on_a_phone() throws Exception {
        new DemoFleet(APP.ns(), Campus.ZONE).seed();
        browser = HeadlessChromium.start(390, 844);
        // the viewport a phone gives the page, whatever the window chrome takes
        browser.emulateViewport(390, 844, true);
        browser.open(APP.baseUrl() + "/restock");
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    private static JsonNode api(String pathAndQuery) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(APP.baseUrl() + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static void showPlan() {
        browser.open(APP.baseUrl() + "/restock", By.cssSelector("#plan li"));
    }

    @Test
    void should_show_the_visit_plan_and_open_a_machines_pick_list_in_one_tap_at_phone_width() throws Exception {
        showPlan();
        JsonNode plan = api("/api/restock/plan");
        List<String> expected = new ArrayList<>();
        plan.get("plan").forEach(m -> expected.add(m.get("machineId").asText()));
        await().atMost(WAIT).untilAsserted(() -> assertThat(browser.findElements(By.cssSelector("#plan li"))
                .stream().map(li -> li.getAttribute("data-machine-id")).toList()).isEqualTo(expected));
        assertThat(browser.findElement(By.id("visit-count")).getText()).isEqualTo(String.valueOf(plan.get("machinesToVisit").asInt()));
        // readable without zooming: nothing wider than the phone, body text at least 16 px, taps of 44 px or more
        assertThat(((Number) browser.js("return document.documentElement.scrollWidth")).intValue()).isLessThanOrEqualTo(390);
        WebElement first = browser.findElement(By.cssSelector("#plan li button"));
        assertThat(first.getSize().getHeight()).isGreaterThanOrEqualTo(44);
        assertThat(Double.parseDouble(first.findElement(By.cssSelector(".when")).getCssValue("font-size").replace("px", "")))
                .isGreaterThanOrEqualTo(16);
        browser.screenshot(Path.of("target", "screenshots", "restock-phone-plan.png"));

        String machine = expected.get(0);
        first.click();
        await().atMost(WAIT).until(() -> machine.equals(browser.js("return document.body.dataset.picklistLoaded")));
        assertThat(browser.findElement(By.id("picklist-view")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("plan-view")).isDisplayed()).isFalse();
        JsonNode list = api("/api/restock/picklist?machineId=" + machine);
        List<String> toLoad = new ArrayList<>();
        list.get("lines").forEach(l -> {
            if (l.get("unitsToLoad").asInt() > 0) {
                toLoad.add(l.get("product").asText() + " " + l.get("unitsToLoad").asInt());
            }
        });
        assertThat(toLoad).isNotEmpty();
        assertThat(browser.findElements(By.cssSelector("#picklist tbody tr")).stream()
                .map(tr -> tr.getAttribute("data-product") + " " + tr.findElement(By.cssSelector("td.load")).getText()).toList())
                .isEqualTo(toLoad);
        assertThat(browser.findElement(By.id("picklist-total")).getText()).isEqualTo("Load " + list.get("unitsToLoad").asInt() + " units");
        assertThat(((Number) browser.js("return document.documentElement.scrollWidth")).intValue()).isLessThanOrEqualTo(390);
        browser.screenshot(Path.of("target", "screenshots", "restock-phone-picklist.png"));

        browser.findElement(By.id("back")).click();
        await().atMost(WAIT).until(() -> browser.findElement(By.id("plan-view")).isDisplayed());
    }

    @Test
    void should_print_the_pick_list_alone_on_a_clean_page() throws Exception {
        showPlan();
        browser.findElement(By.cssSelector("#plan li button")).click();
        await().atMost(WAIT).until(() -> browser.js("return document.body.dataset.picklistLoaded") != null);
        browser.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", "print"));
        try {
            assertThat(browser.findElement(By.cssSelector(".bar")).isDisplayed()).isFalse();
            assertThat(browser.findElement(By.id("print")).isDisplayed()).isFalse();
            assertThat(browser.findElement(By.id("picklist")).isDisplayed()).isTrue();
            assertThat(browser.findElement(By.cssSelector(".print-head")).isDisplayed()).isTrue();
            assertThat(browser.findElement(By.cssSelector("#picklist tbody tr td")).getCssValue("color")).isEqualTo("rgba(0, 0, 0, 1)");
        } finally {
            browser.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", ""));
        }
    }

    @Test
    void should_link_the_desktop_dashboard_to_the_restock_view_with_the_count_of_machines_to_visit() throws Exception {
        browser.emulateViewport(1400, 1000, false);
        try {
            browser.open(APP.baseUrl() + "/");
            String count = String.valueOf(api("/api/restock/plan").get("machinesToVisit").asInt());
            await().atMost(WAIT).until(() -> count.equals(browser.findElement(By.id("restock-count")).getText()));
            browser.findElement(By.id("restock-link")).click();
            await().atMost(WAIT).until(() -> browser.getCurrentUrl().endsWith("/restock"));
            await().atMost(WAIT).until(() -> !browser.findElements(By.cssSelector("#plan li")).isEmpty());
        } finally {
            browser.emulateViewport(390, 844, true);
        }
    }
}
