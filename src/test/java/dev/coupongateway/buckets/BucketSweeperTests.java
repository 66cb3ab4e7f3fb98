package dev.coupongateway.buckets;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.RegistryOrder;
import dev.coupongateway.campaign.CampaignKeys;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sweeper on the real servers: a campaign it cannot read does not keep it from the
 * others.
 */
@CouponGatewayTest
class BucketSweeperTests {

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private MoveScript script;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Test
	void whenOneCampaignCannotBeReadThenTheOthersAreStillSwept() {
		String healthy = this.fixtures.bucketed(Fixtures.uniqueId("sweep"), 10, 2);
		List<String> broken = new ArrayList<>();
		try {
			// campaigns whose journal cannot be read (as when their shard is down), one
			// at least before the
			// healthy one in the order the sweeper goes through them
			do {
				String id = this.fixtures.bucketed(Fixtures.uniqueId("sweep"), 10, 2);
				this.redis.opsForValue().set(CampaignKeys.of(id).journal(), "not a hash").block(Duration.ofSeconds(5));
				broken.add(id);
			}
			while (!RegistryOrder.brokenFirst(this.redis, healthy, CampaignKeys::journal) && broken.size() < 50);
			assertThat(RegistryOrder.brokenFirst(this.redis, healthy, CampaignKeys::journal)).isTrue();
			// a move reserved in bucket 1 whose mover died before crediting bucket 0
			CampaignKeys source = CampaignKeys.of(healthy, 1);
			CampaignKeys target = CampaignKeys.of(healthy, 0);
			String generation = this.redis.<String, String>opsForHash()
				.get(target.settings(), "gen")
				.block(Duration.ofSeconds(5));
			List<?> reserved = this.script.reserve(source, target, UUID.randomUUID().toString(), 2, generation)
				.block(Duration.ofSeconds(5));
			assertThat(reserved).hasSize(2);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> this.redis.opsForHash().size(source.journal()).block(Duration.ofSeconds(5)) == 0);
		}
		finally {
			for (String id : broken) {
				this.redis.delete(CampaignKeys.of(id).journal()).block(Duration.ofSeconds(5));
			}
		}
	}

}
