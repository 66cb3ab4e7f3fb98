package dev.coupongateway.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.HeadlessChromium;
import io.swagger.v3.parser.OpenAPIV3Parser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The API page in a real headless Chromium: Swagger UI, served by the gateway, lists
 * every operation of the document and its "Try it out" calls this gateway. Skipped,
 * saying why, where Chromium is not installed (as {@code StockPageBrowserTests});
 * {@code .ci/run} installs it.
 */
@CouponGatewayTest
class ApiPageBrowserTests {

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

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
	void whenThePageIsOpenedThenEveryOperationIsListedAndTryItOutCallsTheGateway() throws Exception {
		String campaign = this.fixtures.campaign(7);
		this.browser.get("http://127.0.0.1:" + this.port + "/swagger-ui.html");
		WebDriverWait wait = new WebDriverWait(this.browser, Duration.ofSeconds(20));
		wait.until(
				ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".info .title"), "coupon-gateway"));
		// every operation of the document: one block each
		wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(".opblock"), operationsInTheDocument()));

		WebElement stock = this.browser.findElement(By.id("operations-campaigns-getStock"));
		stock.findElement(By.cssSelector(".opblock-summary-control")).click();
		wait.until((driver) -> !stock.findElements(By.cssSelector(".try-out__btn")).isEmpty());
		stock.findElement(By.cssSelector(".try-out__btn")).click();
		WebElement id = wait.until((driver) -> stock.findElement(By.cssSelector("input[placeholder='id']")));
		id.sendKeys(campaign);
		stock.findElement(By.cssSelector(".execute")).click();
		wait.until((driver) -> stock.findElements(By.cssSelector(".live-responses-table .response-col_status"))
			.stream()
			.anyMatch((status) -> status.getText().equals("200")));
		// the body the gateway answered, as the page shows it
		assertThat(stock.findElement(By.cssSelector(".live-responses-table .highlight-code")).getText())
			.contains("\"campaignId\": \"" + campaign + "\"")
			.contains("\"remaining\": 7");
	}

	private static int operationsInTheDocument() throws IOException {
		String yaml = new ClassPathResource(ApiDocument.LOCATION).getContentAsString(StandardCharsets.UTF_8);
		return new OpenAPIV3Parser().readContents(yaml)
			.getOpenAPI()
			.getPaths()
			.values()
			.stream()
			.mapToInt((path) -> path.readOperations().size())
			.sum();
	}

}
