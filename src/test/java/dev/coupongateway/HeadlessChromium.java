package dev.coupongateway;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;

import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Debian's Chromium, headless, driven by its ChromeDriver, for the browser tests: no
 * browser is downloaded, and nothing reaches the network (background networking off). On
 * a developer's machine without Chromium the test is skipped; CI ({@code CI=true}) must
 * run it.
 */
public final class HeadlessChromium {

	private static final File CHROMIUM = new File("/usr/bin/chromium");

	private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

	private HeadlessChromium() {
	}

	/** A new browser with an empty profile; quit it after the test. */
	public static WebDriver start() throws IOException {
		boolean installed = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
		String missing = "Chromium not installed: apt-get install chromium chromium-driver to run the browser test";
		assertThat(installed || !"true".equals(System.getenv("CI"))).as(missing + " (CI must run it)").isTrue();
		assumeThat(installed).as(missing).isTrue();
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM);
		options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
				"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
				"--user-data-dir=" + Files.createTempDirectory("chromium"));
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
			.usingAnyFreePort()
			.build();
		return new ChromeDriver(service, options);
	}

}
