package dev.coupongateway.drills;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.CampaignService;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The check of a large campaign against PostgreSQL ({@code bench/rebuild.sh}):
 * {@code bench.rows} stored coupons (1,000,000), Redis' state of the campaign gone, then
 * one check (a rebuild) on the embedded real servers: the time from the first claim that
 * meets the missing state to the campaign granting again, and the heap it took (the peak
 * of the heap pools during the check, over the heap in use before it). The producer's
 * delivery timeout is 1 s here, so the wait before the merge is 2 s of the time. Not part
 * of {@code ./mvnw verify} (the name ends in Bench); prints a markdown line and writes it
 * to {@code target/bench/rebuild.md}.
 */
@CouponGatewayTest(properties = "coupon.kafka.delivery-timeout=1s")
class RebuildBench {

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Autowired
	private DatabaseClient db;

	@Autowired
	private CampaignService campaigns;

	@Test
	void checkALargeCampaign() throws IOException {
		int rows = Integer.getInteger("bench.rows", 1_000_000);
		String campaign = this.fixtures.campaign(rows + 10);
		this.db
			.sql("INSERT INTO coupon (coupon_id, campaign_id, user_id, sequence, user_slot, issued_at) "
					+ "SELECT gen_random_uuid(), :id, 'user-' || g, g, 1, now() FROM generate_series(1, :rows) g")
			.bind("id", campaign)
			.bind("rows", rows)
			.then()
			.block(Duration.ofMinutes(10));
		CampaignKeys keys = CampaignKeys.of(campaign);
		this.redis.delete(keys.settings(), keys.grants(), keys.free()).block(Duration.ofSeconds(30));
		List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans()
			.stream()
			.filter((pool) -> pool.getType() == MemoryType.HEAP)
			.toList();
		System.gc();
		long before = heap.stream().mapToLong((pool) -> pool.getUsage().getUsed()).sum();
		heap.forEach(MemoryPoolMXBean::resetPeakUsage);
		long started = System.nanoTime();
		await().atMost(Duration.ofMinutes(Long.getLong("bench.minutes", 10)))
			.pollInterval(Duration.ofMillis(100))
			.ignoreExceptions()
			.until(() -> this.campaigns.rebuild(campaign).block(Duration.ofSeconds(30)) != null);
		double seconds = (System.nanoTime() - started) / 1e9;
		long peak = heap.stream().mapToLong((pool) -> pool.getPeakUsage().getUsed()).sum();
		assertThat(this.redis.opsForHash().size(keys.grants()).block(Duration.ofSeconds(30))).isEqualTo(rows);
		assertThat(this.redis.<String, String>opsForHash().get(keys.settings(), "issued").block(Duration.ofSeconds(5)))
			.isEqualTo(Integer.toString(rows));
		String line = String.format("| %,d | %.1f s | %,d MB | %,d MB |", rows, seconds, (peak - before) >> 20,
				Runtime.getRuntime().maxMemory() >> 20);
		System.out
			.println("RebuildBench: | stored rows | check, until it grants again | heap peak over before | max heap |");
		System.out.println("RebuildBench: " + line);
		Path report = Path.of("target/bench/rebuild.md");
		Files.createDirectories(report.getParent());
		Files.writeString(report, "| stored rows | check, until it grants again | heap peak over before | max heap |\n"
				+ "|---|---|---|---|\n" + line + "\n");
	}

}
