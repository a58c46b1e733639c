package io.vendstream.http;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real headless Chromium the dashboard tests drive. Where it is not installed a test is
 * skipped (with how to enable it); in CI (environment variable CI set) that is a failure instead.
 */
final class HeadlessChromium {

    private static final Path CHROMIUM = Path.of(System.getProperty("vendstream.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("vendstream.chromedriver", "/usr/bin/chromedriver"));

    private HeadlessChromium() {
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

    /** A new browser window of 1440 x 2300 px; {@code options} may add to the settings. */
    static WebDriver start(Consumer<ChromeOptions> options) {
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(CHROMIUM.toFile());
        chrome.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-extensions", "--disable-sync", "--no-first-run",
                "--hide-scrollbars", "--window-size=1440,2300", "--lang=en-US");
        options.accept(chrome);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, chrome);
    }
}
