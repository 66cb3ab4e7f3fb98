package dev.coupongateway.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.coupongateway.GatewayInstance;
import dev.coupongateway.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * In {@code coupon.identity=jwt}, where Spring Security guards the edge, the API document
 * and its page are as open as in {@code header} mode ({@link ApiDocumentTests}): a client
 * needs no token to learn the API.
 */
class ApiDocumentJwtModeTests {

	private static ConfigurableApplicationContext instance;

	private static WebTestClient http;

	@BeforeAll
	static void start() {
		List<String> settings = new ArrayList<>(List.of(Tokens.JWT_MODE));
		settings.add("coupon.roles=gateway");
		instance = GatewayInstance.start(settings.toArray(String[]::new));
		int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
		// Swagger UI's files are read whole
		http = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(20))
			.codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(4 << 20))
			.build();
	}

	@AfterAll
	static void stop() {
		instance.close();
	}

	@Test
	void whenNoTokenIsSentThenTheDocumentThePageAndItsFilesAreServed() {
		ApiDocumentTests.assertServedWithoutCredentials(http);
	}

}
