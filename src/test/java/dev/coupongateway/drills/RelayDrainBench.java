package dev.coupongateway.drills;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.campaign.CampaignKeys;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

import static org.awaitility.Awaitility.await;

/**
 * The outbox relay's drain of a backlog ({@code bench/relay-drain.sh}):
 * {@code bench.entries} grants (100,000) left in one campaign's outbox, as a Kafka outage
 * leaves them, on the embedded real servers. The entries are written while the relay does
 * not watch the campaign; the clock starts when it is registered and stops when the
 * outbox is empty (every event acknowledged by Kafka), then again when PostgreSQL holds
 * every row. Not part of {@code ./mvnw verify} (the name ends in Bench); prints a
 * markdown line and writes it to {@code target/bench/relay-drain.md}.
 */
@CouponGatewayTest
class RelayDrainBench {

	/**
	 * Adds entries with the ids given: {@code ARGV} = issued-at ms, then per entry its id
	 * and coupon id.
	 */
	private static final RedisScript<Long> add = RedisScript.of(
			"""
					for i = 2, #ARGV, 3 do
					  redis.call('XADD', KEYS[1], ARGV[i], 'c', ARGV[i + 1], 'u', ARGV[i + 2], 's', string.match(ARGV[i], '-(%d+)$'),
					    'l', '1', 't', ARGV[1])
					end
					return (#ARGV - 1) / 3""",
			Long.class);

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Test
	void drainABacklog() throws IOException {
		int entries = Integer.getInteger("bench.entries", 100_000);
		String campaign = this.fixtures.campaign(entries);
		CampaignKeys keys = CampaignKeys.of(campaign);
		this.redis.opsForSet().remove(CampaignKeys.ALL_CAMPAIGNS, campaign).block(Duration.ofSeconds(5));
		long at = System.currentTimeMillis() - 60_000;
		Flux.range(0, (entries + 999) / 1000).concatMap((batch) -> {
			List<String> args = new ArrayList<>(List.of(Long.toString(at)));
			for (int sequence = batch * 1000 + 1; sequence <= Math.min(entries, batch * 1000 + 1000); sequence++) {
				args.add(at + "-" + sequence);
				args.add(UUID.randomUUID().toString());
				args.add("user-" + sequence);
			}
			return this.redis.execute(add, List.of(keys.outbox()), args);
		}).blockLast(Duration.ofMinutes(5));
		long started = System.nanoTime();
		this.redis.opsForSet().add(CampaignKeys.ALL_CAMPAIGNS, campaign).block(Duration.ofSeconds(5));
		await().atMost(Duration.ofMinutes(30))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> this.redis.opsForStream().size(keys.outbox()).block(Duration.ofSeconds(5)) == 0);
		double drained = (System.nanoTime() - started) / 1e9;
		await().atMost(Duration.ofMinutes(30))
			.pollInterval(Duration.ofMillis(500))
			.until(() -> this.fixtures.storedRows(campaign) == entries);
		double stored = (System.nanoTime() - started) / 1e9;
		String line = String.format("| %,d | %.1f s | %,.0f entries/s | %.1f s | %,.0f rows/s |", entries, drained,
				entries / drained, stored, entries / stored);
		System.out.println("RelayDrainBench: | entries | outbox empty | relay rate | all rows stored | end to end |");
		System.out.println("RelayDrainBench: " + line);
		Path report = Path.of("target/bench/relay-drain.md");
		Files.createDirectories(report.getParent());
		Files.writeString(report,
				"| entries | outbox empty | relay rate | all rows stored | end to end |\n|---|---|---|---|---|\n" + line
						+ "\n");
	}

}
