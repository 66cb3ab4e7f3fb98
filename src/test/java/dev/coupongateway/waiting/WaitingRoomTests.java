package dev.coupongateway.waiting;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.coupongateway.Claims;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.Paths;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The waiting room on real servers: the line is arrival order, decided once in Redis,
 * even under concurrent joins; admissions keep the room's rate with two instances
 * scheduling; a claim needs a ticket signed for this campaign and this user and still
 * valid; a restarted instance loses nobody's place; the line is watched over Server-Sent
 * Events until admission brings the ticket. Over time and across instances: after Redis
 * lost the ticket key, instances agree on the one made anew; a finished campaign's line
 * leaves the scheduler, its meters go and its keys expire; admission records are kept
 * only while their tickets may be valid; one room failing does not stop the others.
 */
@CouponGatewayTest
class WaitingRoomTests {

	private static final String SECRET = "coupon:waiting-room:secret";

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Autowired
	private MeterRegistry meters;

	@Test
	void whenManyJoinAtOnceThenEachGetsOnePlaceInArrivalOrderAndKeepsIt() throws Exception {
		String campaign = this.fixtures.withWaitingRoom(10, 1, "PT1M");
		List<Long> places = Claims.allAtOnce(IntStream.range(0, 200).mapToObj((i) -> "fan-" + i).toList(), 32,
				(user) -> place(join(this.http, campaign, user)));
		// one number each, no gaps, none twice: the order in which Redis saw them arrive
		assertThat(places)
			.containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 200).mapToObj(Long::valueOf).toList());
		// joining again keeps one's place; later arrivals queue behind, in their order
		assertThat(place(join(this.http, campaign, "fan-7"))).isEqualTo(places.get(7));
		assertThat(place(join(this.http, campaign, "late-1"))).isEqualTo(201);
		assertThat(place(join(this.http, campaign, "late-2"))).isEqualTo(202);
	}

	@Test
	void whenTwoInstancesScheduleThenAdmissionsNeverOutrunTheRate() {
		String campaign = this.fixtures.withWaitingRoom(100, 5, "PT1M");
		try (ConfigurableApplicationContext second = GatewayInstance.start("coupon.roles=gateway")) {
			WebTestClient other = client(second);
			for (int i = 0; i < 40; i++) {
				join((i % 2 == 0) ? this.http : other, campaign, "pacer-" + i);
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> admitted(campaign) >= 20);
		}
		// every admission as Redis recorded it (highest place admitted, when): between
		// any two, no more
		// were admitted than the time between them pays for at 5 a second (plus one for
		// rounding)
		List<long[]> history = this.redis.opsForZSet()
			.range(CampaignKeys.of(campaign).admissions(), Range.unbounded())
			.map((member) -> new long[] { Long.parseLong(member.split(":")[0]), Long.parseLong(member.split(":")[1]) })
			.collectList()
			.block(Duration.ofSeconds(5));
		assertThat(history).hasSizeGreaterThan(3);
		for (int i = 0; i < history.size(); i++) {
			for (int j = i + 1; j < history.size(); j++) {
				long places = history.get(j)[0] - history.get(i)[0];
				long millis = history.get(j)[1] - history.get(i)[1];
				assertThat((double) places).as("admitted in %d ms", millis)
					.isLessThanOrEqualTo(5 * millis / 1000.0 + 1);
			}
		}
	}

	@Test
	void whenClaimingThenOnlyAValidTicketOfThisUserForThisCampaignAdmits() throws Exception {
		String campaign = this.fixtures.withWaitingRoom(10, 1000, "PT1M");
		String other = this.fixtures.withWaitingRoom(10, 1000, "PT1M");
		String ticket = (String) awaitAdmitted(campaign, "ann").get("ticket");

		claim(campaign, "ann", null).expectStatus()
			.isForbidden()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("NOT_ADMITTED");
		claim(campaign, "ann", "123.forged").expectStatus().isForbidden();
		claim(campaign, "ann", (System.currentTimeMillis() + 60_000) + ".AAAA").expectStatus().isForbidden();
		claim(campaign, "bob", ticket).expectStatus().isForbidden();
		claim(other, "ann", ticket).expectStatus().isForbidden();
		// signed with the right key, for the right campaign and user, but expired
		claim(campaign, "ann", signed(campaign, "ann", System.currentTimeMillis() - 1)).expectStatus().isForbidden();
		assertThat(this.fixtures.storedRows(campaign)).isZero();

		claim(campaign, "ann", ticket).expectStatus().isCreated();
		// the same key, still valid: the gateway checks signatures, not a list of tickets
		// it gave
		claim(campaign, "dora", signed(campaign, "dora", System.currentTimeMillis() + 60_000)).expectStatus()
			.isCreated();
		// a campaign without a waiting room needs no ticket, and has no line
		String open = this.fixtures.campaign(5);
		claim(open, "ann", null).expectStatus().isCreated();
		this.http.post()
			.uri(Paths.QUEUE, open)
			.header("X-User-Id", "ann")
			.exchange()
			.expectStatus()
			.isEqualTo(409)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("NO_WAITING_ROOM");
	}

	@Test
	void whenATicketExpiresUnusedThenItAdmitsNoMoreAndTheUserGoesToTheBackOfTheLine() {
		String campaign = this.fixtures.withWaitingRoom(10, 1000, "PT1S");
		Map<String, Object> first = awaitAdmitted(campaign, "slow");
		join(this.http, campaign, "next");
		String ticket = (String) first.get("ticket");
		long expiresAt = Long.parseLong(ticket.substring(0, ticket.indexOf('.')));
		// unused until it expired (a claim while it was valid would have been granted)
		await().atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > expiresAt);
		claim(campaign, "slow", ticket).expectStatus().isForbidden();
		assertThat(place(join(this.http, campaign, "slow"))).isGreaterThan(place(first));
	}

	@Test
	void whenAnInstanceRestartsThenNobodyLosesTheirPlace() {
		String campaign = this.fixtures.withWaitingRoom(10, 1, "PT1M");
		List<Long> before = new ArrayList<>();
		try (ConfigurableApplicationContext first = GatewayInstance.start("coupon.roles=gateway")) {
			for (int i = 0; i < 5; i++) {
				before.add(place(join(client(first), campaign, "stayer-" + i)));
			}
		}
		try (ConfigurableApplicationContext again = GatewayInstance.start("coupon.roles=gateway")) {
			for (int i = 0; i < 5; i++) {
				assertThat(place(join(client(again), campaign, "stayer-" + i))).isEqualTo(before.get(i));
			}
		}
	}

	@Test
	void whenWatchingTheLineThenThePlaceComesDownAndAdmissionBringsTheTicket() {
		String campaign = this.fixtures.withWaitingRoom(10, 2, "PT1M");
		for (int i = 0; i < 4; i++) {
			join(this.http, campaign, "before-" + i);
		}
		Map<String, Object> joined = join(this.http, campaign, "watcher");
		List<ServerSentEvent<Map<String, Object>>> events = this.http.get()
			.uri((uri) -> uri.path(Paths.QUEUE_STREAM)
				.queryParam("user", "watcher")
				.queryParam("token", joined.get("lineToken"))
				.build(campaign))
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() {
			})
			.getResponseBody()
			.filter((event) -> event.event() != null)
			.takeUntil((event) -> "admitted".equals(event.event()))
			.collectList()
			.block(Duration.ofSeconds(30));
		assertThat(events).extracting(ServerSentEvent::event).contains("queue").endsWith("admitted");
		List<Long> ahead = events.stream()
			.filter((event) -> "queue".equals(event.event()))
			.map((event) -> ((Number) event.data().get("ahead")).longValue())
			.toList();
		assertThat(ahead).isSortedAccordingTo((a, b) -> Long.compare(b, a));
		claim(campaign, "watcher", (String) events.get(events.size() - 1).data().get("ticket")).expectStatus()
			.isCreated();

		// one user's token does not show another's place
		this.http.get()
			.uri("/api/campaigns/{id}/queue/stream?user=intruder&token={token}", campaign, joined.get("lineToken"))
			.exchange()
			.expectStatus()
			.isUnauthorized();
	}

	@Test
	void whenOperatorsSetOrRemoveAWaitingRoomThenClaimsFollow() {
		String campaign = this.fixtures.campaign(5);
		this.http.put()
			.uri(Paths.WAITING_ROOM, campaign)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("admitPerSecond", 0, "ticketTtl", "two minutes"))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.errors.length()")
			.isEqualTo(2);
		this.http.put()
			.uri(Paths.WAITING_ROOM, campaign)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("admitPerSecond", 10, "ticketTtl", "PT2M"))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.waitingRoom.admitPerSecond")
			.isEqualTo(10);
		claim(campaign, "carl", null).expectStatus().isForbidden();
		this.http.delete()
			.uri(Paths.WAITING_ROOM, campaign)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isOk();
		claim(campaign, "carl", null).expectStatus().isCreated();
	}

	@Test
	void whenRedisLosesTheTicketKeyThenInstancesAgreeOnTheOneRemadeThere() {
		String campaign = this.fixtures.withWaitingRoom(10, 1000, "PT1M");
		// this instance has read the key (a line token is signed with it) ...
		join(this.http, campaign, "early");
		// ... which Redis then loses (a restart without persistence, a flush)
		this.redis.delete(SECRET).block(Duration.ofSeconds(5));
		try (ConfigurableApplicationContext second = GatewayInstance.start("coupon.roles=gateway")) {
			WebTestClient other = client(second);
			// the second instance finds no key and makes the new one
			String fromOther = (String) awaitAdmitted(other, campaign, "bea").get("ticket");
			assertThat(this.redis.hasKey(SECRET).block(Duration.ofSeconds(5))).isTrue();
			// signed with a key this instance did not have: checked against the key Redis
			// holds now
			claim(this.http, campaign, "bea", fromOther).expectStatus().isCreated();
			// admitted here after the key was remade there: the ticket claims on either
			// instance
			String ann = (String) awaitAdmitted(this.http, campaign, "ann").get("ticket");
			String abe = (String) awaitAdmitted(this.http, campaign, "abe").get("ticket");
			claim(other, campaign, "ann", ann).expectStatus().isCreated();
			claim(this.http, campaign, "ann", ann).expectStatus()
				.isEqualTo(409)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("ALREADY_ISSUED");
			claim(this.http, campaign, "abe", abe).expectStatus().isCreated();
		}
	}

	@Test
	void whenACampaignIsFinishedThenItsLineLeavesTheSchedulerItsMetersGoAndItsKeysExpire() {
		String campaign = this.fixtures.withWaitingRoom(1, 1000, "PT1M");
		String ticket = (String) awaitAdmitted(this.http, campaign, "last").get("ticket");
		// whether this instance's scheduler admitted (it holds the meters) or one of
		// another test context
		boolean admittedHere = this.meters.find("coupon.queue.admitted").tag("campaign", campaign).counter() != null;
		claim(this.http, campaign, "last", ticket).expectStatus().isCreated();
		// sold out now
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			assertThat(this.meters.find("coupon.queue.waiting").tag("campaign", campaign).meters()).isEmpty();
			assertThat(this.meters.find("coupon.queue.admitted").tag("campaign", campaign).meters()).isEmpty();
			assertThat(
					this.redis.opsForSet().isMember(CampaignKeys.WAITING_ROOMS, campaign).block(Duration.ofSeconds(5)))
				.isFalse();
		});
		assertThat(admittedHere).as("this instance's scheduler admitted, so its meters were checked").isTrue();
		for (String key : CampaignKeys.of(campaign).queueKeys()) {
			Duration ttl = this.redis.getExpire(key).block(Duration.ofSeconds(5));
			assertThat(ttl).as(key).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10));
		}

		// the line gives no new places: the answer a claim would get
		this.http.post()
			.uri(Paths.QUEUE, campaign)
			.header("X-User-Id", "too-late")
			.exchange()
			.expectStatus()
			.isEqualTo(410)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("SOLD_OUT");

		// an operator ends another one while people wait: the same, and whoever watches
		// their place is told
		String ended = this.fixtures.withWaitingRoom(10, 1, "PT1M");
		for (int i = 0; i < 4; i++) {
			join(this.http, ended, "ahead-" + i);
		}
		Map<String, Object> waiting = join(this.http, ended, "waiting");
		Flux<ServerSentEvent<Map<String, Object>>> watched = this.http.get()
			.uri((uri) -> uri.path(Paths.QUEUE_STREAM)
				.queryParam("user", "waiting")
				.queryParam("token", waiting.get("lineToken"))
				.build(ended))
			.accept(MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isOk()
			.returnResult(new ParameterizedTypeReference<ServerSentEvent<Map<String, Object>>>() {
			})
			.getResponseBody();
		this.http.post()
			.uri(Paths.END, ended)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isOk();
		ServerSentEvent<Map<String, Object>> last = watched.filter((event) -> event.event() != null)
			.takeUntil((event) -> !"queue".equals(event.event()))
			.last()
			.block(Duration.ofSeconds(20));
		assertThat(last.event()).isEqualTo("ended");
		assertThat(last.data()).containsEntry("status", "ENDED");
		assertThat(this.redis.opsForSet().isMember(CampaignKeys.WAITING_ROOMS, ended).block(Duration.ofSeconds(5)))
			.isFalse();
		assertThat(this.redis.getExpire(CampaignKeys.of(ended).queueState()).block(Duration.ofSeconds(5))).isPositive();
	}

	@Test
	void whenAdmissionsGoOnThenOnlyTheRecordsOfTicketsStillValidAreKept() {
		String campaign = this.fixtures.withWaitingRoom(100, 20, "PT1S");
		for (int i = 0; i < 60; i++) {
			join(this.http, campaign, "steady-" + i);
		}
		// 20 a second for 3 s, in passes every 100 ms: about 30 admissions, of which the
		// last second's matter
		await().atMost(Duration.ofSeconds(15)).until(() -> admitted(campaign) >= 60);
		Long records = this.redis.opsForZSet()
			.size(CampaignKeys.of(campaign).admissions())
			.block(Duration.ofSeconds(5));
		assertThat(records).isBetween(1L, 15L);
		// a place whose record was dropped is still known to have expired: back of the
		// line
		assertThat(place(join(this.http, campaign, "steady-0"))).isGreaterThan(60);
	}

	@Test
	void whenOneLinesAdmissionFailsThenTheLinesAfterItAreStillAdmitted() {
		List<String> campaigns = IntStream.range(0, 4)
			.mapToObj((i) -> this.fixtures.withWaitingRoom(10, 1000, "PT1M"))
			.toList();
		// the order the scheduler walks the rooms in: every line before the last of these
		// is broken
		List<String> order = this.redis.opsForSet()
			.members(CampaignKeys.WAITING_ROOMS)
			.filter(campaigns::contains)
			.collectList()
			.block(Duration.ofSeconds(5));
		String healthy = order.get(order.size() - 1);
		List<String> broken = order.subList(0, order.size() - 1);
		try {
			// the queue-state hash made a string: the line's script fails with WRONGTYPE
			broken.forEach((id) -> this.redis.opsForValue()
				.set(CampaignKeys.of(id).queueState(), "broken")
				.block(Duration.ofSeconds(5)));
			join(this.http, healthy, "patient");
			await().atMost(Duration.ofSeconds(10)).until(() -> admitted(healthy) >= 1);
		}
		finally {
			broken.forEach((id) -> this.redis.delete(CampaignKeys.of(id).queueState())
				.then(this.redis.opsForSet().remove(CampaignKeys.WAITING_ROOMS, id))
				.block(Duration.ofSeconds(5)));
		}
	}

	private Map<String, Object> awaitAdmitted(String campaign, String user) {
		return awaitAdmitted(this.http, campaign, user);
	}

	private static Map<String, Object> awaitAdmitted(WebTestClient http, String campaign, String user) {
		List<Map<String, Object>> last = new ArrayList<>();
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
			Map<String, Object> body = join(http, campaign, user);
			last.add(0, body);
			return body.get("ticket") != null;
		});
		return last.get(0);
	}

	private WebTestClient.ResponseSpec claim(String campaign, String user, String ticket) {
		return claim(this.http, campaign, user, ticket);
	}

	private static WebTestClient.ResponseSpec claim(WebTestClient http, String campaign, String user, String ticket) {
		return http.post().uri(Paths.COUPONS, campaign).header("X-User-Id", user).headers((h) -> {
			if (ticket != null) {
				h.set("X-Queue-Ticket", ticket);
			}
		}).exchange();
	}

	/**
	 * A ticket signed as the gateway signs them, with the key the instances share through
	 * Redis.
	 */
	private String signed(String campaign, String user, long expiresAt) throws Exception {
		String secret = this.redis.opsForValue().get(SECRET).block(Duration.ofSeconds(5));
		Mac mac = Mac.getInstance("HmacSHA256");
		mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
		byte[] signature = mac
			.doFinal(("ticket\n" + campaign + "\n" + user + "\n" + expiresAt).getBytes(StandardCharsets.UTF_8));
		return expiresAt + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
	}

	private long admitted(String campaign) {
		String value = this.redis.<String, String>opsForHash()
			.get(CampaignKeys.of(campaign).queueState(), "admitted")
			.block(Duration.ofSeconds(5));
		return (value != null) ? Long.parseLong(value) : 0;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> join(WebTestClient http, String campaign, String user) {
		return http.post()
			.uri(Paths.QUEUE, campaign)
			.header("X-User-Id", user)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(Map.class)
			.returnResult()
			.getResponseBody();
	}

	private static long place(Map<String, Object> body) {
		return ((Number) body.get("place")).longValue();
	}

	private static WebTestClient client(ConfigurableApplicationContext context) {
		return WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + ((WebServerApplicationContext) context).getWebServer().getPort())
			.responseTimeout(Duration.ofSeconds(30))
			.build();
	}

}
