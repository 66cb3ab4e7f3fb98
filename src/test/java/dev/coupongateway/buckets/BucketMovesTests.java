package dev.coupongateway.buckets;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.Fixtures;
import dev.coupongateway.PropertyCheck;
import dev.coupongateway.PropertyCheck.Gen;
import dev.coupongateway.RestartableRedis;
import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.system.LuaScripts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stock of a campaign split into buckets, model-checked against the real scripts on a
 * real Redis: random runs of claims, whole moves, and moves cut short at every step (a
 * crash between reserve and credit, between credit and release; a late credit after a
 * sweep), with sweeps in between. After every step each sequence number 1..stock is in
 * exactly one place (granted, in a bucket's free list or range, or reserved in a journal
 * and not credited): stock never exists twice and never vanishes, so grants can never
 * pass the stock. At the end a sweep and claims by everyone sell exactly the stock. 150
 * runs from a fixed seed ({@link PropertyCheck}: {@code -Dcoupon.property.seed} and
 * {@code -Dcoupon.property.tries} explore others).
 */
class BucketMovesTests {

	private static final long SEED = 20261203L;

	private static RestartableRedis redisServer;

	private static LettuceConnectionFactory factory;

	private static ReactiveStringRedisTemplate redis;

	private static MoveScript script;

	private static BucketMoves moves;

	private static BucketRewriter bucketed;

	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> issue = LuaScripts.of("issue.lua", List.class);

	@BeforeAll
	static void start() {
		redisServer = new RestartableRedis().start();
		URI url = URI.create(redisServer.url());
		factory = new LettuceConnectionFactory(new RedisStandaloneConfiguration(url.getHost(), url.getPort()));
		factory.afterPropertiesSet();
		factory.start();
		redis = new ReactiveStringRedisTemplate(factory);
		script = new MoveScript(redis);
		moves = new BucketMoves(redis, script, Clock.systemUTC(), new SimpleMeterRegistry());
		bucketed = new BucketRewriter(redis);
	}

	@AfterAll
	static void stop() {
		factory.destroy();
		redisServer.close();
	}

	/**
	 * Each action is a number: its value picks the kind (claim, whole move, reserve only,
	 * credit a reserved move, release a credited one, sweep everything now) and its
	 * operands.
	 */
	@Test
	void stockIsAlwaysInExactlyOnePlace() {
		Gen<Integer> buckets = PropertyCheck.integers(2, 4);
		Gen<Integer> stock = PropertyCheck.integers(1, 8);
		Gen<List<Integer>> actions = PropertyCheck.integers(0, 9999).list(0, 40);
		Gen<Run> runs = (source) -> new Run(buckets.next(source), stock.next(source), actions.next(source));
		PropertyCheck.check(150, SEED, runs, (run) -> run(run.buckets(), run.stock(), run.actions()));
	}

	private static void run(int buckets, int stock, List<Integer> actions) {
		Campaign campaign = Fixtures.newCampaign("model-" + UUID.randomUUID().toString().substring(0, 8), "model",
				stock, Math.min(buckets, stock));
		bucketed.rewrite(campaign, Mono.just(List.of()), "").block(Duration.ofSeconds(5));
		List<Pending> pending = new ArrayList<>();
		int users = 0;
		for (int action : actions) {
			int kind = action % 6;
			int operand = action / 6;
			CampaignKeys source = CampaignKeys.of(campaign.id(), operand % campaign.buckets());
			CampaignKeys target = CampaignKeys.of(campaign.id(), (operand / 7) % campaign.buckets());
			switch (kind) {
				case 0 -> claim(campaign, "u" + (users++));
				case 1 -> {
					if (!source.equals(target)) {
						moves.move(source, target, 1 + operand % 3, generation(target)).block(Duration.ofSeconds(5));
					}
				}
				case 2 -> {
					if (!source.equals(target)) {
						String moveId = UUID.randomUUID().toString();
						List<?> reserved = reserve(source, target, moveId, 1 + operand % 3, generation(target));
						if (!reserved.isEmpty()) {
							pending.add(new Pending(source, target, moveId, generation(target), join(reserved), false));
						}
					}
				}
				case 3 -> {
					// a credit that comes late: after a sweep it must be refused
					if (!pending.isEmpty()) {
						Pending move = pending.get(operand % pending.size());
						Long credited = script.credit(move.target(), move.moveId(), move.generation(), move.sequences())
							.block(Duration.ofSeconds(5));
						if (credited == 1L) {
							pending.set(pending.indexOf(move), move.credited());
						}
					}
				}
				case 4 -> {
					if (!pending.isEmpty()) {
						Pending move = pending.remove(operand % pending.size());
						if (move.isCredited()) {
							script.release(move.source(), move.moveId(), false).block(Duration.ofSeconds(5));
						}
						else {
							pending.add(move);
						}
					}
				}
				default -> moves.sweep(campaign, Duration.ZERO).block(Duration.ofSeconds(5));
			}
			assertEverySequenceOnce(campaign);
		}
		moves.sweep(campaign, Duration.ZERO).block(Duration.ofSeconds(5));
		assertEverySequenceOnce(campaign);
		// no stock stranded: newcomers (refilling their buckets as the gateway does) take
		// exactly what is left
		for (int i = 0; i < stock * campaign.buckets() * 4; i++) {
			claimWithRefill(campaign, "late" + i);
		}
		assertThat(places(campaign).granted()).hasSize(stock);
	}

	private static void claim(Campaign campaign, String user) {
		redis
			.execute(issue, campaign.keysFor(user).claimKeys(user, "a"),
					List.of(user, UUID.randomUUID().toString(), "0", "0", "0", "0"))
			.next()
			.block(Duration.ofSeconds(5));
	}

	private static void claimWithRefill(Campaign campaign, String user) {
		List<?> reply = redis
			.execute(issue, campaign.keysFor(user).claimKeys(user, "a"),
					List.of(user, UUID.randomUUID().toString(), "0", "0", "0", "0"))
			.next()
			.block(Duration.ofSeconds(5));
		if (((Number) reply.get(0)).intValue() == -4
				&& moves.refill(campaign, campaign.keysFor(user)).block(Duration.ofSeconds(5)).units() > 0) {
			claimWithRefill(campaign, user);
		}
	}

	private static String generation(CampaignKeys bucket) {
		return redis.<String, String>opsForHash().get(bucket.settings(), "gen").block(Duration.ofSeconds(5));
	}

	private static List<?> reserve(CampaignKeys source, CampaignKeys target, String moveId, int units,
			String generation) {
		return script.reserve(source, target, moveId, units, generation).block(Duration.ofSeconds(5));
	}

	private static String join(List<?> sequences) {
		return String.join(",", sequences.stream().map(String::valueOf).toList());
	}

	/**
	 * Every sequence 1..stock is granted, free, in a range, or reserved and not credited:
	 * exactly once.
	 */
	private static void assertEverySequenceOnce(Campaign campaign) {
		Places places = places(campaign);
		Map<Integer, Integer> seen = new HashMap<>();
		places.all().forEach((sequence) -> seen.merge(sequence, 1, Integer::sum));
		assertThat(seen).as("sequences and how often each is held").hasSize(campaign.totalStock());
		assertThat(seen.values()).allMatch((times) -> times == 1);
		assertThat(seen.keySet()).allMatch((sequence) -> sequence >= 1 && sequence <= campaign.totalStock());
	}

	private static Places places(Campaign campaign) {
		List<Integer> granted = new ArrayList<>();
		List<Integer> held = new ArrayList<>();
		for (CampaignKeys bucket : campaign.bucketKeys()) {
			redis.<String, String>opsForHash()
				.values(bucket.grants())
				.toStream()
				.forEach((grants) -> Grant.parseAll(grants).forEach((grant) -> granted.add(grant.sequence())));
			redis.opsForList()
				.range(bucket.free(), 0, -1)
				.toStream()
				.forEach((free) -> held.add(Integer.parseInt(free)));
			List<String> range = redis.<String, String>opsForHash()
				.multiGet(bucket.settings(), List.of("seq", "last"))
				.block(Duration.ofSeconds(5));
			for (int s = Integer.parseInt(range.get(0)) + 1; s <= Integer.parseInt(range.get(1)); s++) {
				held.add(s);
			}
			redis.<String, String>opsForHash().entries(bucket.journal()).toStream().forEach((entry) -> {
				String[] parts = entry.getValue().split(":", 4);
				CampaignKeys target = CampaignKeys.of(campaign.id(), Integer.parseInt(parts[0]));
				String decided = redis.<String, String>opsForHash()
					.get(target.moves(), entry.getKey())
					.block(Duration.ofSeconds(5));
				if (!"c".equals(decided)) {
					for (String s : parts[3].split(",")) {
						held.add(Integer.parseInt(s));
					}
				}
			});
		}
		return new Places(granted, held);
	}

	/**
	 * One run of the model: the campaign's buckets and stock, and the actions in order.
	 */
	private record Run(int buckets, int stock, List<Integer> actions) {
	}

	private record Places(List<Integer> granted, List<Integer> held) {

		List<Integer> all() {
			List<Integer> all = new ArrayList<>(this.granted);
			all.addAll(this.held);
			return all;
		}

	}

	private record Pending(CampaignKeys source, CampaignKeys target, String moveId, String generation, String sequences,
			boolean isCredited) {

		Pending credited() {
			return new Pending(this.source, this.target, this.moveId, this.generation, this.sequences, true);
		}

	}

}
