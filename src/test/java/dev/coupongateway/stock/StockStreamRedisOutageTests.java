package dev.coupongateway.stock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.coupongateway.GatewayOnOwnRedis;
import dev.coupongateway.system.Paths;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis goes away under open stock streams: the streams stay open (heartbeats go on,
 * subscribers keep the last value, no made-up value), and once Redis is back, empty, the
 * campaign is rebuilt from PostgreSQL and the streams carry on from the true stock.
 */
class StockStreamRedisOutageTests {

	private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
	};

	private static GatewayOnOwnRedis gateway;

	@BeforeAll
	static void start() {
		gateway = new GatewayOnOwnRedis("coupon.stream.heartbeat=200ms");
	}

	@AfterAll
	static void stop() {
		gateway.close();
	}

	@Test
	void whenRedisGoesAwayMidStreamThenTheStreamStaysOpenAndResumesFromTheRebuiltStock() {
		String campaign = gateway.fixtures.campaign(10);
		claim(campaign, "a");
		claim(campaign, "b");
		await().atMost(Duration.ofSeconds(30)).until(() -> gateway.fixtures.storedRows(campaign) == 2);
		List<ServerSentEvent<String>> events = new CopyOnWriteArrayList<>();
		Disposable subscription = WebClient.create("http://127.0.0.1:" + gateway.port)
			.get()
			.uri(Paths.STOCK_STREAM, campaign)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(SSE)
			.subscribe(events::add);
		await().atMost(Duration.ofSeconds(10)).until(() -> named(events).size() == 1);

		gateway.redis.stop();
		long heartbeatsAtStop = heartbeats(events);
		await("heartbeats during the outage").atMost(Duration.ofSeconds(10))
			.until(() -> heartbeats(events) >= heartbeatsAtStop + 3);
		assertThat(subscription.isDisposed()).isFalse();
		gateway.redis.start();

		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> claim(campaign, "c") == 201);
		await().atMost(Duration.ofSeconds(10)).until(() -> named(events).size() == 2);
		assertThat(named(events)).extracting(ServerSentEvent::id).containsExactly("2", "3");
		assertThat(named(events).get(1).data()).contains("\"remaining\":7");
		subscription.dispose();
	}

	private static List<ServerSentEvent<String>> named(List<ServerSentEvent<String>> events) {
		return events.stream().filter((e) -> e.event() != null).toList();
	}

	private static long heartbeats(List<ServerSentEvent<String>> events) {
		return events.stream().filter((e) -> e.comment() != null).count();
	}

	private static int claim(String campaign, String user) {
		return gateway.http.post()
			.uri(Paths.COUPONS, campaign)
			.header("X-User-Id", user)
			.exchange()
			.returnResult(String.class)
			.getStatus()
			.value();
	}

}
