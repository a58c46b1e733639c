package io.vendstream.http;

import java.time.Duration;
import java.util.List;
import java.util.logging.Level;

import io.vendstream.support.Campus;
import io.vendstream.support.RunningApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard behind basic authentication in a real headless Chromium: signed in as a viewer
 * (credentials in the address, which the browser turns into its sign-in for the site), every
 * poll of the page carries them, the figures and charts appear, and the Content-Security-Policy
 * blocks nothing the page needs. Skipped like {@link DashboardBrowserTest} where no Chromium is
 * installed.
 */
class DashboardSignInBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(40);

    @RegisterExtension
    static final RunningApp APP = RunningApp.named("signin")
            .assuming(() -> HeadlessChromium.assumeInstalled("the sign-in browser test"))
            .with("vendstream.ingest.enabled", "false")
            .with("vendstream.api.poll-interval-millis", "1000")
            .with("vendstream.http.viewer.user", "vera")
            .with("vendstream.http.viewer.password", HttpUsers.hash("look-only-42"));
    private static HeadlessChromium browser;

    @BeforeAll
    static void start_the_application_with_users_and_a_browser() throws Exception {
        new DemoFleet(APP.ns(), Campus.ZONE).seed();

        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        browser = HeadlessChromium.start(1440, 2300, options -> options.setCapability("goog:loggingPrefs", logs));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void should_show_live_figures_and_charts_to_a_signed_in_viewer_with_nothing_blocked_by_the_content_security_policy() {
        browser.open("http://vera:look-only-42@127.0.0.1:" + APP.httpPort() + "/");
        await("the page polls the API successfully").atMost(WAIT)
                .until(() -> "live".equals(browser.findElement(By.tagName("body")).getAttribute("data-state"))
                        && Long.parseLong(browser.findElement(By.tagName("body")).getAttribute("data-polls")) >= 2);
        assertThat(browser.findElement(By.id("kpi-sales")).getText().replaceAll("[^0-9]", "")).isNotEmpty()
                .isNotEqualTo("0");
        assertThat(browser.js("return location.href;")).as("the address the page keeps has no credentials")
                .isEqualTo("http://127.0.0.1:" + APP.httpPort() + "/");
        // under the policy: Chart.js (a script of our origin) draws, our stylesheet applies, and the
        // heatmap's colours set through the DOM's style properties are allowed
        await("a chart is drawn").atMost(WAIT).until(() -> Boolean.TRUE.equals(browser.js(
                "const c = document.getElementById('chart-locations');"
                        + "return !!(c && window.Chart && Chart.getChart(c) && Chart.getChart(c).data.labels.length > 0);")));
        assertThat(browser.js("return getComputedStyle(document.documentElement).getPropertyValue('--bg').trim();"))
                .isEqualTo("#f4f6f8");
        await("the heatmap is coloured").atMost(WAIT).until(() -> Boolean.TRUE.equals(browser.js(
                "return Array.from(document.querySelectorAll('#heatmap td')).some(td => td.style.background !== '');")));

        // the live stream opens for the signed-in viewer too (this instance runs no ingest: alerts only)
        await("the stream opens with the viewer's credentials").atMost(WAIT)
                .until(() -> "alerts-only".equals(browser.js("return document.body.dataset.stream;")));

        List<String> problems = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).map(LogEntry::getMessage).toList();
        assertThat(problems).as("console errors (a blocked script or style, a refused request)")
                .noneMatch(m -> m.contains("Content Security Policy") || m.contains("401") || m.contains("403"));
    }
}
