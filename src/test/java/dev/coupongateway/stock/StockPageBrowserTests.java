package dev.coupongateway.stock;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import dev.coupongateway.HeadlessChromium;
import dev.coupongateway.Tokens;
import dev.coupongateway.system.Paths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The page in a real headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}): it shows the stock, claims, and sees the live counter fall
 * while other clients claim at the same time; in {@code jwt} mode it asks the visitor to
 * sign in and claims with the pasted token. axe-core checks every state for accessibility
 * violations. Skipped, saying why, where Chromium is not installed; {@code .ci/run}
 * installs it.
 */
@CouponGatewayTest
class StockPageBrowserTests {

	/**
	 * axe-core's browser build, from the test classpath (Deque's jar): no network at test
	 * time.
	 */
	private static final String AXE = resource("/axe.min.js");

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private WebTestClient http;

	private WebDriver browser;

	@BeforeEach
	void startBrowser() throws Exception {
		this.browser = HeadlessChromium.start();
	}

	@AfterEach
	void stopBrowser() {
		if (this.browser != null) {
			this.browser.quit();
		}
	}

	@Test
	void whenAPersonClaimsWhileOthersDoThenThePageShowsTheCouponAndTheCounterFallsLive() throws Exception {
		String campaign = this.fixtures.campaign(30);
		this.browser.get("http://127.0.0.1:" + this.port + "/?campaign=" + campaign);
		WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
		wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));
		wait.until(ExpectedConditions.textToBe(By.id("remaining"), "30"));
		assertThat(this.browser.findElement(By.id("total")).getText()).isEqualTo("30");
		// header mode: the proxy in front says who is calling; the page asks for the user
		// id, not a token
		this.http.get()
			.uri(Paths.IDENTITY)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.identity")
			.isEqualTo("header");
		wait.until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-identity", "header"));
		assertThat(this.browser.findElement(By.id("user")).isDisplayed()).isTrue();
		assertThat(this.browser.findElement(By.id("token")).isDisplayed()).isFalse();
		assertAccessible("in header mode, before a claim");

		this.browser.findElement(By.id("user")).sendKeys("page-user");
		this.browser.findElement(By.id("claim")).click();
		wait.until(ExpectedConditions.textMatches(By.id("outcome"),
				java.util.regex.Pattern.compile("You got coupon #\\d+")));
		wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#mine li.coupon"), 1));
		assertAccessible("in header mode, after a claim");

		// other clients claim the rest at once; the page's counter follows over the
		// stream
		List<Claim> others = IntStream.range(0, 40).mapToObj((i) -> new Claim(campaign, "other-" + i)).toList();
		new Claims(this.port).concurrently(others, 16);
		wait.until(ExpectedConditions.textToBe(By.id("remaining"), "0"));
		wait.until(ExpectedConditions.textToBe(By.id("connection"), "sold out"));
		assertThat(this.browser.findElement(By.id("issued")).getText()).isEqualTo("30");
		assertThat(this.browser.findElement(By.id("stock-bar")).getAttribute("aria-valuenow")).isEqualTo("0");

		this.browser.findElement(By.id("claim")).click();
		wait.until(ExpectedConditions.textToBe(By.id("outcome"), "You already hold your coupon."));
		assertAccessible("in header mode, sold out, with a refusal shown");
	}

	@Test
	void whenTheOperatorPausesTheCampaignThenThePageSaysSoUntilItResumes() {
		String campaign = this.fixtures.campaign(5);
		this.browser.get("http://127.0.0.1:" + this.port + "/?campaign=" + campaign);
		WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
		wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));

		control(campaign, "pause");
		wait.until(
				ExpectedConditions.textMatches(By.id("campaign-status"), java.util.regex.Pattern.compile("paused.*")));
		this.browser.findElement(By.id("user")).sendKeys("paused-user");
		this.browser.findElement(By.id("claim")).click();
		wait.until(ExpectedConditions.textToBe(By.id("outcome"), "The campaign is paused; try again soon."));

		control(campaign, "resume");
		wait.until(ExpectedConditions.textToBe(By.id("campaign-status"), "open"));
		this.browser.findElement(By.id("claim")).click();
		wait.until(ExpectedConditions.textMatches(By.id("outcome"),
				java.util.regex.Pattern.compile("You got coupon #\\d+")));
	}

	@Test
	void whenTheDropHasAWaitingRoomThenThePageShowsThePlaceInLineAndClaimsOnceAdmitted() {
		// one a second: the three who joined before are admitted first, over about three
		// seconds
		String campaign = this.fixtures.withWaitingRoom(5, 1, "PT1M");
		for (String ahead : List.of("first-in-line", "second-in-line", "third-in-line")) {
			this.http.post().uri(Paths.QUEUE, campaign).header("X-User-Id", ahead).exchange().expectStatus().isOk();
		}
		this.browser.get("http://127.0.0.1:" + this.port + "/?campaign=" + campaign);
		WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
		wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("join")));
		this.browser.findElement(By.id("user")).sendKeys("queued-user");

		// before admission a claim is refused, and the page says why
		this.browser.findElement(By.id("claim")).click();
		wait.until(ExpectedConditions.textToBe(By.id("outcome"),
				"Not your turn yet: join the line and claim once you are admitted."));

		this.browser.findElement(By.id("join")).click();
		wait.until(ExpectedConditions.textMatches(By.id("line-status"), java.util.regex.Pattern
			.compile("You are number 4 in line: \\d+ (person|people) ahead of you, about \\d+ s to wait\\.")));
		wait.until(ExpectedConditions.textMatches(By.id("line-status"),
				java.util.regex.Pattern.compile("It's your turn: claim within \\d+ s\\.")));
		assertAccessible("with a waiting room, admitted");
		this.browser.findElement(By.id("claim")).click();
		wait.until(ExpectedConditions.textMatches(By.id("outcome"),
				java.util.regex.Pattern.compile("You got coupon #\\d+")));
	}

	@Test
	void whenTheGatewayWantsTokensThenThePageAsksToSignInAndClaimsWithThePastedToken() {
		List<String> settings = new ArrayList<>(List.of(Tokens.JWT_MODE));
		settings.add("coupon.roles=gateway");
		ConfigurableApplicationContext instance = GatewayInstance.start(settings.toArray(String[]::new));
		try {
			int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
			WebTestClient jwt = WebTestClient.bindToServer()
				.baseUrl("http://127.0.0.1:" + port)
				.responseTimeout(Duration.ofSeconds(20))
				.build();
			String campaign = Fixtures.uniqueId("page-jwt");
			jwt.post()
				.uri(Paths.ADMIN_CAMPAIGNS)
				.header(HttpHeaders.AUTHORIZATION,
						"Bearer " + Tokens.signed(Tokens.valid("ops").claim("scope", "coupon-admin")))
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue("{\"id\":\"" + campaign + "\",\"name\":\"Jwt page\",\"totalStock\":5}")
				.exchange()
				.expectStatus()
				.isCreated();
			this.browser.get("http://127.0.0.1:" + port + "/?campaign=" + campaign);
			WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
			wait.until(ExpectedConditions.textToBe(By.id("connection"), "live"));

			// the page learns the mode from the gateway: sign in, paste the token; no
			// user id to type
			wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
			assertThat(this.browser.findElement(By.id("user")).isDisplayed()).isFalse();
			assertThat(this.browser.findElement(By.id("identity-help")).getText())
				.startsWith("You must sign in to claim a coupon.")
				.contains("Authorization: Bearer");
			assertAccessible("in jwt mode, before signing in");

			// a token the gateway refuses (401 problem) is said so, in words
			this.browser.findElement(By.id("token")).sendKeys("not-a-token");
			this.browser.findElement(By.id("claim")).click();
			wait.until(ExpectedConditions.textToBe(By.id("outcome"),
					"Your sign-in was refused (expired or not valid here): sign in again and paste the new token."));
			assertAccessible("in jwt mode, with a refused token");

			this.browser.findElement(By.id("token")).clear();
			this.browser.findElement(By.id("token")).sendKeys(Tokens.signed(Tokens.valid("page-jwt-user")));
			this.browser.findElement(By.id("claim")).click();
			wait.until(ExpectedConditions.textMatches(By.id("outcome"), Pattern.compile("You got coupon #\\d+.*")));
			wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#mine li.coupon"), 1));
			assertAccessible("in jwt mode, after a claim");
			// the token stays for this tab: after a reload the page still knows whose
			// coupons to show
			this.browser.navigate().refresh();
			wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#mine li.coupon"), 1));
			// the coupon is the token's subject's
			jwt.get()
				.uri(Paths.MY_COUPONS, campaign)
				.header(HttpHeaders.AUTHORIZATION, "Bearer " + Tokens.signed(Tokens.valid("page-jwt-user")))
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.jsonPath("$.coupons.length()")
				.isEqualTo(1);
		}
		finally {
			instance.close();
		}
	}

	/**
	 * axe-core's checks (WCAG 2.x A/AA and its best practices) on the page as it is now:
	 * no violation of any impact.
	 */
	private void assertAccessible(String state) {
		JavascriptExecutor script = (JavascriptExecutor) this.browser;
		this.browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
		script.executeScript("if (typeof axe === 'undefined') {" + AXE + "\n}");
		Object violations = script.executeAsyncScript("""
				const done = arguments[arguments.length - 1];
				axe.run(document, { resultTypes: ['violations'] })
				  .then((results) => done(results.violations.map((v) => v.impact + ' ' + v.id + ' (' + v.help + '): '
				    + v.nodes.map((n) => n.target.join(' ')).join(', '))))
				  .catch((e) => done(['axe-core failed: ' + e]));
				""");
		assertThat((List<?>) violations).as("axe-core violations " + state).isEmpty();
	}

	private static String resource(String name) {
		try (InputStream in = StockPageBrowserTests.class.getResourceAsStream(name)) {
			assertThat(in).as(name + " on the test classpath").isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private void control(String campaign, String action) {
		this.http.post()
			.uri("/api/admin/campaigns/{id}/" + action, campaign)
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isOk();
	}

}
