package dev.coupongateway;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import dev.coupongateway.campaign.CampaignKeys;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

/**
 * The order in which a periodic pass meets the campaigns of the registry
 * ({@code SMEMBERS coupon:campaigns}).
 */
public final class RegistryOrder {

	private RegistryOrder() {
	}

	/**
	 * Whether a campaign whose key {@code broken} picks is a string (made so to fail its
	 * step with {@code WRONGTYPE}) comes before {@code healthy} in the registry's order.
	 */
	public static boolean brokenFirst(ReactiveStringRedisTemplate redis, String healthy,
			Function<CampaignKeys, String> broken) {
		List<String> order = redis.opsForSet()
			.members(CampaignKeys.ALL_CAMPAIGNS)
			.collectList()
			.block(Duration.ofSeconds(5));
		for (String id : order) {
			if (id.equals(healthy)) {
				return false;
			}
			if ("string".equals(redis.type(broken.apply(CampaignKeys.of(id))).block(Duration.ofSeconds(5)).code())) {
				return true;
			}
		}
		return false;
	}

}
