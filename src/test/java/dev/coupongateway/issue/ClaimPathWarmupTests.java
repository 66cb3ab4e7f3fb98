package dev.coupongateway.issue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import dev.coupongateway.GatewayInstance;
import dev.coupongateway.Tokens;
import dev.coupongateway.campaign.CampaignKeys;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance is ready only once its warm-up walked the whole claim path on a scratch
 * campaign (grants, sold out, repeats), over HTTP in either identity mode, in-process
 * when it cannot mint a token; and the warm-up leaves nothing: no Redis key, no coupon or
 * conflict row, no user claim in the claim meters.
 */
class ClaimPathWarmupTests {

	private static final int REQUESTS = 200;

	private static final int GRANTS = REQUESTS / 2;

	@Test
	void whenAnInstanceStartsInHeaderModeThenItWalksTheGrantPathOverHttpBeforeReadyAndLeavesNothing() {
		startAndCheck(List.of(), "X-User-Id");
	}

	@Test
	void whenIdentityIsJwtWithASecretThenTheWarmUpMintsTokensAndWalksTheGrantPathOverHttp() {
		startAndCheck(List.of(Tokens.JWT_MODE), "Authorization");
	}

	@Test
	void whenTheIssuerHoldsTheKeysThenTheWarmUpWalksTheGrantPathInProcess() {
		// a JWK set this instance never needs to fetch: the warm-up cannot mint, so no
		// token reaches the decoder
		startAndCheck(List.of("coupon.identity=jwt", "coupon.jwt.jwk-set-uri=http://127.0.0.1:9/jwks"), "in-process");
	}

	private static void startAndCheck(List<String> identity, String how) {
		String unique = Long.toString(System.nanoTime());
		List<String> settings = new ArrayList<>(identity);
		settings.add("coupon.issue.warmup-requests=" + REQUESTS);
		settings.add("coupon.roles=gateway,writer");
		// a topic and a writer of its own: every grant of this warm-up reaches this
		// instance's writer
		settings.add("coupon.kafka.topic=warmup-" + unique);
		settings.add("coupon.kafka.consumer-group=warmup-" + unique);
		// a per-address limit all the warm-up's claims (one address) would run into
		settings.add("coupon.limits.address-interval=1s");
		settings.add("coupon.limits.address-burst=1");
		AtomicReference<Map<String, Long>> atReady = new AtomicReference<>();
		ApplicationListener<ApplicationEvent> readiness = (event) -> {
			if (event instanceof AvailabilityChangeEvent<?> change
					&& change.getState() == ReadinessState.ACCEPTING_TRAFFIC) {
				atReady.set(answers(((ApplicationContext) event.getSource()).getBean(MeterRegistry.class)));
			}
		};
		try (ConfigurableApplicationContext instance = GatewayInstance.start(List.of(readiness),
				settings.toArray(String[]::new))) {
			MeterRegistry meters = instance.getBean(MeterRegistry.class);
			Map<String, Long> answers = answers(meters);
			assertThat(atReady.get()).as("the warm-up's answers when the instance turned ready (" + how + ")")
				.isEqualTo(answers);
			// every stock coupon granted (201, or 202 should a Kafka ack be slow), then
			// sold out and repeats, none refused by the limit
			assertThat(answers.getOrDefault("201", 0L) + answers.getOrDefault("202", 0L)).as(answers.toString())
				.isEqualTo(GRANTS);
			assertThat(answers.get("201")).as(answers.toString()).isPositive();
			assertThat(answers.get("410")).as(answers.toString()).isEqualTo((REQUESTS - GRANTS) / 2);
			assertThat(answers.get("409")).as(answers.toString()).isEqualTo((REQUESTS - GRANTS) / 2);
			assertThat(answers.values().stream().mapToLong(Long::longValue).sum()).as(answers.toString())
				.isEqualTo(REQUESTS);
			// users' meters saw no claim
			assertThat(meters.find("coupon.claim").timers()).isEmpty();
			assertThat(meters.counter("coupon.claims", "outcome", "GRANTED").count()).isZero();
			assertThat(meters.counter("coupon.claims", "outcome", "SOLD_OUT").count()).isZero();
			// nothing left in Redis for a relay, a check or a reader to find
			ReactiveStringRedisTemplate redis = instance.getBean(ReactiveStringRedisTemplate.class);
			assertThat(redis.keys("coupon:{_*").collectList().block()).isEmpty();
			assertThat(redis.opsForSet().members(CampaignKeys.ALL_CAMPAIGNS).collectList().block())
				.noneMatch((id) -> id.startsWith("_"));
			// the writer read every grant's event and stored none of them, kept none as a
			// conflict
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(meters.counter("coupon.writer.scratch").count()).isEqualTo(GRANTS));
			DatabaseClient db = instance.getBean(DatabaseClient.class);
			assertThat(count(db, "SELECT count(*) AS n FROM coupon WHERE campaign_id LIKE '\\_%'")).isZero();
			assertThat(count(db, "SELECT count(*) AS n FROM coupon_conflict WHERE campaign_id LIKE '\\_%'"
					+ " OR source LIKE 'warmup-" + unique + "-%'"))
				.isZero();
			assertThat(meters.counter("coupon.writer.stored").count()).isZero();
			assertThat(meters.counter("coupon.writer.conflicts").count()).isZero();
		}
	}

	/** The warm-up's claims by HTTP status. */
	private static Map<String, Long> answers(MeterRegistry meters) {
		Map<String, Long> answers = new TreeMap<>();
		for (Timer timer : meters.find("coupon.warmup.claims").timers()) {
			answers.put(timer.getId().getTag("status"), timer.count());
		}
		return answers;
	}

	private static long count(DatabaseClient db, String sql) {
		return db.sql(sql).map((row) -> row.get("n", Long.class)).one().block();
	}

}
