package dev.coupongateway.issue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayOnOwnRedis;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.LuaScripts;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A hot campaign split into buckets, over HTTP on real servers: many users at once get
 * exactly the stock, each number once, however the users spread over the buckets (stock
 * moves to the buckets that run dry); a move cut short by a crash strands its units only
 * until the sweep gives them back; and a Redis that lost everything is rewritten from
 * PostgreSQL over all buckets with the cap intact.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BucketedCampaignTests {

	private static GatewayOnOwnRedis gateway;

	private static Claims claims;

	@BeforeAll
	static void start() {
		gateway = new GatewayOnOwnRedis("coupon.buckets.move-timeout=1s", "coupon.buckets.sweep-interval=500ms");
		claims = new Claims(gateway.port);
	}

	@AfterAll
	static void stop() {
		gateway.close();
	}

	@Test
	void whenUsersRaceForABucketedCampaignThenExactlyTheStockIsGrantedEachNumberOnce() throws Exception {
		String campaign = gateway.fixtures.bucketed(Fixtures.uniqueId("hot"), 400, 4);
		double movedBefore = moved();
		// every user belongs to bucket 0 or 1: the stock of buckets 2 and 3 has to move
		// to them
		List<Claim> race = new ArrayList<>(IntStream.range(0, 5000)
			.mapToObj((i) -> "user-" + i)
			.filter((user) -> CampaignKeys.bucketOf(user, 4) < 2)
			.limit(1200)
			.map((user) -> new Claim(campaign, user))
			.toList());
		Collections.shuffle(race);

		List<Answer> answers = new ArrayList<>(claims.concurrently(race, 48));
		// at the very end many claims chase the last units over the buckets: up to
		// buckets - 1 units may be
		// left for a moment when the last of them gives up; the next claims take them
		long first = answers.stream().filter(Answer::granted).count();
		assertThat(first).isBetween(397L, 400L);
		answers.addAll(claims.concurrently(IntStream.range(5000, 5200)
			.mapToObj((i) -> "late-" + i)
			.filter((user) -> CampaignKeys.bucketOf(user, 4) < 2)
			.map((user) -> new Claim(campaign, user))
			.toList(), 8));

		List<Answer> granted = answers.stream().filter(Answer::granted).toList();
		assertThat(granted).hasSize(400);
		assertThat(granted).extracting(BucketedCampaignTests::sequence)
			.containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 400).boxed().toList());
		// a claim that met stock in transit at the very end was told to try again, never
		// that it was sold out
		assertThat(answers).filteredOn((answer) -> !answer.granted()).extracting(Answer::status).isSubsetOf(410, 503);
		assertThat(moved() - movedBefore).as("units moved between buckets").isGreaterThanOrEqualTo(200);
		await().atMost(Duration.ofSeconds(30)).until(() -> gateway.fixtures.storedRows(campaign) == 400);
		assertThat(gateway.fixtures.usersWithMoreThan(campaign, 1)).isEmpty();
		gateway.http.get()
			.uri("/api/campaigns/{id}", campaign)
			.exchange()
			.expectBody()
			.jsonPath("$.issued")
			.isEqualTo(400)
			.jsonPath("$.remaining")
			.isEqualTo(0)
			.jsonPath("$.status")
			.isEqualTo("SOLD_OUT");
		gateway.http.get()
			.uri("/api/admin/campaigns/{id}/reconciliation", campaign)
			.headers((headers) -> headers.setBearerAuth(dev.coupongateway.DevServices.ADMIN_TOKEN))
			.exchange()
			.expectBody()
			.jsonPath("$.granted")
			.isEqualTo(400)
			.jsonPath("$.agree")
			.isEqualTo(true);
	}

	@Test
	void whenAMoveIsLeftHalfDoneThenItsStockIsStrandedOnlyUntilTheSweep() throws Exception {
		String campaign = gateway.fixtures.bucketed(Fixtures.uniqueId("crash"), 6, 2);
		// a mover that crashed after its reserve: every unit of bucket 0 sits in its
		// journal, never credited
		ReactiveStringRedisTemplate redis = gateway.context.getBean(ReactiveStringRedisTemplate.class);
		CampaignKeys source = CampaignKeys.of(campaign, 0);
		CampaignKeys target = CampaignKeys.of(campaign, 1);
		String generation = redis.<String, String>opsForHash()
			.get(target.settings(), "gen")
			.block(Duration.ofSeconds(5));
		@SuppressWarnings("rawtypes")
		RedisScript<List> move = LuaScripts.of("move.lua", List.class);
		List<?> reserved = redis
			.execute(move, List.of(source.settings(), source.free(), source.journal()),
					List.of("reserve", UUID.randomUUID().toString(), "6", "1", generation))
			.next()
			.block(Duration.ofSeconds(5));
		assertThat(reserved).hasSize(3);
		Instant crashed = Instant.now();

		// bucket 1's three units go; then claims are told to try again (503 with
		// Retry-After, never 410) while
		// bucket 0's units are in transit, until the sweep gives them back (move timeout
		// 1 s + sweep every
		// 500 ms) and the claims take them
		List<Answer> answers = new ArrayList<>();
		List<Answer> beforeTheLastGrant = new ArrayList<>();
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
			List<Answer> round = claims.concurrently(IntStream.range(0, 8)
				.mapToObj((i) -> new Claim(campaign, "u-" + answers.size() + "-" + i))
				.toList(), 8);
			answers.addAll(round);
			boolean done = answers.stream().filter(Answer::granted).count() == 6;
			if (!done) {
				beforeTheLastGrant.addAll(round);
			}
			return done;
		});
		Duration stranded = Duration.between(crashed, Instant.now());
		assertThat(beforeTheLastGrant).filteredOn((answer) -> answer.status() == 503)
			.isNotEmpty()
			.allSatisfy((answer) -> assertThat(answer.retryAfter()).isNotNull());
		assertThat(beforeTheLastGrant).as("sold out answered while stock remained")
			.noneMatch((answer) -> answer.status() == 410);
		assertThat(stranded).isLessThan(Duration.ofSeconds(10));
		// once it is all granted: sold out, for good
		assertThat(claims.concurrently(List.of(new Claim(campaign, "after-all")), 1).get(0).status()).isEqualTo(410);
		await().atMost(Duration.ofSeconds(30)).until(() -> gateway.fixtures.storedRows(campaign) == 6);
		assertThat(gateway.context.getBean(MeterRegistry.class).counter("coupon.stock.move.returned").count())
			.isGreaterThanOrEqualTo(3);
	}

	@Test
	void whenTheStockLeftIsInABucketFrozenByARebuildThenClaimsAreToldToTryAgainNotSoldOut() throws Exception {
		String campaign = gateway.fixtures.bucketed(Fixtures.uniqueId("frozen"), 2, 2);
		List<String> inBucket0 = IntStream.range(0, 100)
			.mapToObj((i) -> "f-" + i)
			.filter((user) -> CampaignKeys.bucketOf(user, 2) == 0)
			.limit(2)
			.toList();
		assertThat(claims.claim(campaign, inBucket0.get(0)).status()).isEqualTo(201);
		// bucket 1 holds the last unit, and a rebuild holds bucket 1
		ReactiveStringRedisTemplate redis = gateway.context.getBean(ReactiveStringRedisTemplate.class);
		CampaignKeys frozen = CampaignKeys.of(campaign, 1);
		String generation = redis.<String, String>opsForHash()
			.get(frozen.settings(), "gen")
			.block(Duration.ofSeconds(5));
		redis.<String, String>opsForHash().put(frozen.settings(), "gen", "frozen:test").block(Duration.ofSeconds(5));

		Answer meanwhile = claims.claim(campaign, inBucket0.get(1));
		assertThat(meanwhile.status()).isEqualTo(503);
		assertThat(meanwhile.retryAfter()).isNotNull();

		redis.<String, String>opsForHash().put(frozen.settings(), "gen", generation).block(Duration.ofSeconds(5));
		await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> claims.claim(campaign, inBucket0.get(1)).status() == 201);
	}

	@Test
	@Order(Integer.MAX_VALUE) // restarts Redis: the others must not see their campaigns
								// rebuilt meanwhile
	void whenRedisLosesABucketedCampaignThenAllBucketsAreRewrittenAndTheCapHolds() throws Exception {
		String campaign = gateway.fixtures.bucketed(Fixtures.uniqueId("lost"), 40, 3);
		List<Answer> first = claims
			.concurrently(IntStream.range(0, 25).mapToObj((i) -> new Claim(campaign, "early-" + i)).toList(), 8);
		assertThat(first).filteredOn(Answer::granted).hasSize(25);
		await().atMost(Duration.ofSeconds(30)).until(() -> gateway.fixtures.storedRows(campaign) == 25);

		gateway.redis.stop();
		gateway.redis.start();

		List<Answer> late = new ArrayList<>();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
			late.removeIf((answer) -> answer.status() == 503);
			late.addAll(claims.concurrently(IntStream.range(0, 40)
				.mapToObj((i) -> new Claim(campaign, "late-" + i))
				.filter((claim) -> late.stream().noneMatch((answer) -> answer.userId().equals(claim.userId())))
				.toList(), 8));
			return late.stream().noneMatch((answer) -> answer.status() == 503) && late.size() == 40;
		});
		assertThat(late).filteredOn(Answer::granted).hasSize(15);
		// a winner from before the loss still gets its coupon back
		assertThat(claims.concurrently(List.of(new Claim(campaign, "early-0")), 1).get(0).status()).isEqualTo(409);
		await().atMost(Duration.ofSeconds(30)).until(() -> gateway.fixtures.storedRows(campaign) == 40);
		assertThat(gateway.fixtures.usersWithMoreThan(campaign, 1)).isEmpty();
	}

	private static double moved() {
		return gateway.context.getBean(MeterRegistry.class).counter("coupon.stock.moved").count();
	}

	private static int sequence(Answer answer) {
		return Integer.parseInt(answer.body().replaceAll(".*\"sequence\":(\\d+).*", "$1"));
	}

}
