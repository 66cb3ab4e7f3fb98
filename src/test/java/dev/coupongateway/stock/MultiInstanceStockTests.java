package dev.coupongateway.stock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import dev.coupongateway.system.Paths;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances on one Redis: claims made on one reach the stock stream subscribers of
 * the other.
 */
@CouponGatewayTest
class MultiInstanceStockTests {

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Test
	void whenClaimsHappenOnAnotherInstanceThenThisInstancesSubscribersSeeThem() {
		String campaign = this.fixtures.campaign(3);
		try (ConfigurableApplicationContext other = GatewayInstance.start("coupon.roles=gateway")) {
			int otherPort = ((WebServerApplicationContext) other).getWebServer().getPort();
			List<ServerSentEvent<String>> events = new CopyOnWriteArrayList<>();
			Disposable subscription = WebClient.create("http://127.0.0.1:" + otherPort)
				.get()
				.uri(Paths.STOCK_STREAM, campaign)
				.accept(MediaType.TEXT_EVENT_STREAM)
				.retrieve()
				.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
				})
				.subscribe(events::add);
			await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
			for (String user : List.of("x", "y", "z")) {
				this.http.post()
					.uri(Paths.COUPONS, campaign)
					.header("X-User-Id", user)
					.exchange()
					.expectStatus()
					.isCreated();
			}
			await().atMost(Duration.ofSeconds(10)).until(subscription::isDisposed);
			assertThat(events.stream().filter((e) -> e.event() != null).reduce((a, b) -> b).orElseThrow())
				.satisfies((last) -> {
					assertThat(last.event()).isEqualTo("sold-out");
					assertThat(last.id()).isEqualTo("3");
				});
		}
	}

}
