package io.vendstream.http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real headless Chromium the dashboard tests drive: a browser window of a given size that
 * opens a page and waits until it has rendered. Where Chromium is not installed a test is
 * skipped (with how to enable it); in CI (environment variable CI set) that is a failure instead.
 */
final class HeadlessChromium extends ChromeDriver {

    private static final Path CHROMIUM = Path.of(System.getProperty("vendstream.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("vendstream.chromedriver", "/usr/bin/chromedriver"));
    /** How long a page may take to load and render. */
    private static final Duration RENDER = Duration.ofSeconds(40);

    private HeadlessChromium(ChromeDriverService service, ChromeOptions options) {
        super(service, options);
    }

    /** Skips (or, in CI, fails) the calling test when there is no Chromium. */
    static void assumeInstalled(String test) {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && System.getenv("CI") != null) {
            fail("Chromium is required in CI: apt-get install -y chromium chromium-driver");
        }
        assumeTrue(installed, "No Chromium at " + CHROMIUM + " / " + CHROMEDRIVER + ": " + test + " is skipped. "
                + "Enable it with: sudo apt-get install chromium chromium-driver");
    }

    /** A new browser window of {@code width} x {@code height} px. */
    static HeadlessChromium start(int width, int height) {
        return start(width, height, options -> { });
    }

    /** A new browser window of {@code width} x {@code height} px; {@code options} may add to the settings. */
    static HeadlessChromium start(int width, int height, Consumer<ChromeOptions> options) {
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(CHROMIUM.toFile());
        chrome.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-extensions", "--disable-sync", "--no-first-run",
                "--hide-scrollbars", "--window-size=" + width + "," + height, "--lang=en-US");
        options.accept(chrome);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new HeadlessChromium(service, chrome);
    }

    /** Opens {@code url} and waits until the document has loaded. */
    void open(String url) {
        get(url);
        await("the page at " + url + " loads").atMost(RENDER).until(() -> "complete".equals(js("return document.readyState;")));
    }

    /** Opens {@code url} and waits until the page has rendered {@code rendered}. */
    void open(String url, By rendered) {
        open(url);
        await("the page at " + url + " renders " + rendered).atMost(RENDER).until(() -> !findElements(rendered).isEmpty());
    }

    /** Runs a script in the page and answers its result. */
    Object js(String script, Object... args) {
        return executeScript(script, args);
    }

    /** Resizes the browser window. */
    void resize(int width, int height) {
        manage().window().setSize(new Dimension(width, height));
    }

    /** Gives the page the viewport of a phone ({@code mobile}) or a desktop, whatever the window chrome takes. */
    void emulateViewport(int width, int height, boolean mobile) {
        executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", mobile));
    }

    /** Saves what the window shows as a PNG at {@code target}. */
    void screenshot(Path target) throws Exception {
        Path shot = getScreenshotAs(OutputType.FILE).toPath();
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
    }
}
