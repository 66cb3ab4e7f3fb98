package dev.coupongateway.stock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.system.Paths;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The live stock stream over real HTTP (Server-Sent Events), against real Redis. */
@CouponGatewayTest(properties = { "coupon.stream.heartbeat=300ms", "coupon.stream.linger=200ms" })
class StockStreamTests {

	private static final ParameterizedTypeReference<ServerSentEvent<String>> SSE = new ParameterizedTypeReference<>() {
	};

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private WebTestClient http;

	@Autowired
	private StockFeed feed;

	private WebClient client;

	@BeforeEach
	void setUp() {
		this.client = WebClient.create("http://127.0.0.1:" + this.port);
	}

	@Test
	void whenSubscribingThenTheFirstEventComesAtOnceWithTheStock() {
		String campaign = this.fixtures.campaign(10);
		claim(campaign, "a");
		claim(campaign, "b");
		StepVerifier.create(stream(campaign, null).filter((e) -> e.event() != null).take(1)).assertNext((event) -> {
			assertThat(event.event()).isEqualTo("stock");
			assertThat(event.id()).isEqualTo("2");
			assertThat(event.data())
				.isEqualTo("{\"campaignId\":\"" + campaign + "\",\"total\":10,\"issued\":2,\"remaining\":8}");
		}).expectComplete().verify(Duration.ofSeconds(10));
	}

	@Test
	void whenTheStockRunsOutThenAFinalSoldOutEventAndTheStreamCloses() {
		String campaign = this.fixtures.campaign(3);
		List<ServerSentEvent<String>> events = new CopyOnWriteArrayList<>();
		Disposable subscription = stream(campaign, null).subscribe(events::add);
		await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
		for (String user : List.of("a", "b", "c", "d")) {
			claim(campaign, user);
		}
		await().atMost(Duration.ofSeconds(10)).until(subscription::isDisposed);
		List<ServerSentEvent<String>> named = events.stream().filter((e) -> e.event() != null).toList();
		assertThat(named.get(named.size() - 1).event()).isEqualTo("sold-out");
		assertThat(named.get(named.size() - 1).data()).contains("\"remaining\":0");
		assertThat(named.get(named.size() - 1).id()).isEqualTo("3");
		assertThat(named.subList(0, named.size() - 1)).allSatisfy((e) -> assertThat(e.event()).isEqualTo("stock"));
	}

	@Test
	void whenTheCampaignEndsThenAFinalEndedEventAndTheStreamCloses() {
		String campaign = this.fixtures.campaign(10, 1, null, Instant.now().plusMillis(1500));
		claim(campaign, "a");
		List<ServerSentEvent<String>> events = new CopyOnWriteArrayList<>();
		Disposable subscription = stream(campaign, null).subscribe(events::add);
		await().atMost(Duration.ofSeconds(10)).until(subscription::isDisposed);
		List<ServerSentEvent<String>> named = events.stream().filter((e) -> e.event() != null).toList();
		assertThat(named.get(0).event()).isEqualTo("stock");
		ServerSentEvent<String> last = named.get(named.size() - 1);
		assertThat(last.event()).isEqualTo("ended");
		assertThat(last.id()).isEqualTo("1");
		assertThat(last.data()).contains("\"remaining\":9");
		// a reconnect to the ended campaign is told to stop
		this.http.get()
			.uri(Paths.STOCK_STREAM, campaign)
			.header("Last-Event-ID", "1")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isNoContent();
	}

	@Test
	void whenManyChangesComeAtOnceThenTheyAreConflatedAndTheLatestWins() {
		String campaign = this.fixtures.campaign(60);
		List<ServerSentEvent<String>> events = new CopyOnWriteArrayList<>();
		stream(campaign, null).subscribe(events::add);
		await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
		Flux.range(0, 60)
			.flatMap((i) -> this.client.post()
				.uri(Paths.COUPONS, campaign)
				.header("X-User-Id", "burst-" + i)
				.retrieve()
				.toBodilessEntity(), 16)
			.blockLast(Duration.ofSeconds(30));
		await().atMost(Duration.ofSeconds(10))
			.until(() -> events.stream().anyMatch((e) -> "sold-out".equals(e.event())));
		List<ServerSentEvent<String>> named = events.stream().filter((e) -> e.event() != null).toList();
		// 61 distinct values (0..60); a subscriber sees far fewer, ending with the latest
		assertThat(named.size()).isLessThan(61);
		assertThat(named).extracting(ServerSentEvent::id).doesNotHaveDuplicates();
		assertThat(named.get(named.size() - 1).id()).isEqualTo("60");
	}

	@Test
	void whenIdleThenHeartbeatCommentsKeepTheConnectionAlive() {
		String campaign = this.fixtures.campaign(10);
		StepVerifier.create(stream(campaign, null).filter((e) -> e.comment() != null).take(2))
			.expectNextCount(2)
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void whenTheClientSawTheLatestValueThenItIsNotSentAgain() {
		String campaign = this.fixtures.campaign(10);
		claim(campaign, "a");
		claim(campaign, "b");
		List<ServerSentEvent<String>> events = new CopyOnWriteArrayList<>();
		Disposable subscription = stream(campaign, "2").subscribe(events::add);
		await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch((e) -> e.comment() != null));
		claim(campaign, "c");
		await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch((e) -> e.event() != null));
		subscription.dispose();
		assertThat(events.stream().filter((e) -> e.event() != null).findFirst().orElseThrow().id()).isEqualTo("3");
	}

	@Test
	void whenAClientReconnectsToAFinishedCampaignThenNoContent() {
		String campaign = this.fixtures.campaign(1);
		claim(campaign, "a");
		this.http.get()
			.uri(Paths.STOCK_STREAM, campaign)
			.header("Last-Event-ID", "1")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isNoContent();
		// a first visit still learns the final state, then the stream closes
		StepVerifier.create(stream(campaign, null).filter((e) -> e.event() != null))
			.assertNext((event) -> assertThat(event.event()).isEqualTo("sold-out"))
			.expectComplete()
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void whenTheCampaignIsUnknownThenNotFoundProblem() {
		this.http.get()
			.uri(Paths.STOCK_STREAM, "no-such-campaign")
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("CAMPAIGN_NOT_FOUND");
	}

	@Test
	void whenManySubscribeThenOneSharedFeedServesThemAndIsReleasedAfterTheLast() {
		String campaign = this.fixtures.campaign(10);
		// feeds of earlier tests linger for 200 ms after their last subscriber
		await().atMost(Duration.ofSeconds(10)).until(() -> this.feed.active() == 0);
		List<Disposable> subscribers = new ArrayList<>();
		List<ServerSentEvent<String>> events = new CopyOnWriteArrayList<>();
		for (int i = 0; i < 50; i++) {
			subscribers.add(stream(campaign, null).subscribe(events::add));
		}
		await().atMost(Duration.ofSeconds(10))
			.until(() -> events.stream().filter((e) -> e.event() != null).count() >= 50);
		assertThat(this.feed.active()).isEqualTo(1);
		subscribers.forEach(Disposable::dispose);
		await().atMost(Duration.ofSeconds(10)).until(() -> this.feed.active() == 0);
	}

	private Flux<ServerSentEvent<String>> stream(String campaign, String lastEventId) {
		return this.client.get().uri(Paths.STOCK_STREAM, campaign).accept(MediaType.TEXT_EVENT_STREAM).headers((h) -> {
			if (lastEventId != null) {
				h.set("Last-Event-ID", lastEventId);
			}
		}).retrieve().bodyToFlux(SSE);
	}

	@Test
	void whenTheOperatorPausesAndResumesThenTheStreamSaysSo() {
		String campaign = this.fixtures.campaign(5);
		List<ServerSentEvent<String>> events = new CopyOnWriteArrayList<>();
		Disposable subscription = stream(campaign, null).subscribe(events::add);
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> named(events).size() == 1);
			control(campaign, "pause");
			await().atMost(Duration.ofSeconds(10)).until(() -> named(events).size() == 2);
			assertThat(named(events).get(1).event()).isEqualTo("paused");
			control(campaign, "resume");
			await().atMost(Duration.ofSeconds(10)).until(() -> named(events).size() == 3);
			assertThat(named(events).get(2).event()).isEqualTo("stock");
		}
		finally {
			subscription.dispose();
		}
	}

	private static List<ServerSentEvent<String>> named(List<ServerSentEvent<String>> events) {
		return events.stream().filter((event) -> event.event() != null).toList();
	}

	private void control(String campaign, String action) {
		this.http.post()
			.uri("/api/admin/campaigns/{id}/" + action, campaign)
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isOk();
	}

	private void claim(String campaign, String user) {
		this.http.post().uri(Paths.COUPONS, campaign).header("X-User-Id", user).exchange();
	}

}
