package dev.coupongateway.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.RegistryOrder;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.issue.Outbox;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.connection.stream.StreamRecords;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The relay's pace through a backlog, and a broken campaign not holding up the others.
 */
@CouponGatewayTest
class RelayDrainTests {

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private Outbox outbox;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Test
	void whenAKafkaOutageLeftABacklogThenTheRelayDrainsItAtKafkasPace() {
		int backlog = 20_000;
		String campaign = this.fixtures.campaign(backlog);
		long started = System.nanoTime();
		// what grants made during a Kafka outage leave behind, all past the grace period
		backlog(campaign, backlog);
		// one page of 500 per lease (2 s in the tests, DevServices), as the relay drained
		// before, takes 80 s
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(200))
			.until(() -> this.outbox.size(CampaignKeys.of(campaign)).block(Duration.ofSeconds(5)) == 0);
		Duration drained = Duration.ofNanos(System.nanoTime() - started);
		await().atMost(Duration.ofSeconds(120))
			.pollInterval(Duration.ofSeconds(1))
			.until(() -> this.fixtures.storedRows(campaign) == backlog);
		System.out
			.println("Relay drained " + backlog + " entries in " + drained.toMillis() + " ms (writing them included)");
	}

	@Test
	void whenOneCampaignCannotBeReadThenTheOthersAreStillDrained() {
		String healthy = this.fixtures.campaign(5);
		// campaigns whose every read fails (as when their shard is down), one at least
		// before the healthy
		// one in the order the relay goes through them
		List<String> broken = new ArrayList<>();
		try {
			do {
				String id = this.fixtures.campaign(5);
				CampaignKeys keys = CampaignKeys.of(id);
				this.redis.delete(keys.settings(), keys.outbox()).block(Duration.ofSeconds(5));
				this.redis.opsForValue().set(keys.settings(), "not a hash").block(Duration.ofSeconds(5));
				this.redis.opsForValue().set(keys.outbox(), "not a stream").block(Duration.ofSeconds(5));
				broken.add(id);
			}
			while (!RegistryOrder.brokenFirst(this.redis, healthy, CampaignKeys::settings) && broken.size() < 50);
			assertThat(RegistryOrder.brokenFirst(this.redis, healthy, CampaignKeys::settings)).isTrue();
			UUID couponId = UUID.randomUUID();
			this.redis.opsForStream()
				.add(StreamRecords.newRecord()
					.in(CampaignKeys.of(healthy).outbox())
					.withId(RecordId.of(System.currentTimeMillis() - 60_000, 1))
					.ofMap(fields(couponId, "alice", 1)))
				.block(Duration.ofSeconds(5));
			await().atMost(Duration.ofSeconds(30))
				.until(() -> this.fixtures.storedCouponIds(healthy).contains(couponId));
		}
		finally {
			// the campaigns after this class are not to meet them
			for (String id : broken) {
				CampaignKeys keys = CampaignKeys.of(id);
				this.redis.delete(keys.settings(), keys.outbox()).block(Duration.ofSeconds(5));
				this.redis.opsForSet().remove(CampaignKeys.ALL_CAMPAIGNS, id).block(Duration.ofSeconds(5));
			}
		}
	}

	private void backlog(String campaign, int entries) {
		String key = CampaignKeys.of(campaign).outbox();
		long at = System.currentTimeMillis() - 60_000;
		// ids given here, increasing, as XADD would have given them a minute ago
		Flux.range(1, entries)
			.concatMap((sequence) -> this.redis.opsForStream()
				.add(StreamRecords.newRecord()
					.in(key)
					.withId(RecordId.of(at, sequence))
					.ofMap(fields(UUID.randomUUID(), "user-" + sequence, sequence))), 256)
			.blockLast(Duration.ofSeconds(120));
	}

	private static Map<String, String> fields(UUID couponId, String user, int sequence) {
		return Map.of("c", couponId.toString(), "u", user, "s", Integer.toString(sequence), "l", "1", "t",
				Long.toString(System.currentTimeMillis() - 60_000));
	}

}
