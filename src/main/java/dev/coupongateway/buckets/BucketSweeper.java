package dev.coupongateway.buckets;

import java.time.Duration;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.LogThrottle;
import dev.coupongateway.system.PeriodicTask;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Decides the stock moves a crash left half done, in every campaign split into buckets,
 * every {@code coupon.buckets.sweep-interval}: the longest a unit of stock can be
 * stranded in transit is the move timeout plus one interval. Every gateway sweeps; a move
 * is decided once whoever gets there first. A campaign that fails (its shard down, or not
 * answering within {@code coupon.relay.redis-timeout}) is skipped for the pass; the
 * others are swept.
 */
@Component
class BucketSweeper extends PeriodicTask {

	private static final Log logger = LogFactory.getLog(BucketSweeper.class);

	private static final LogThrottle failures = new LogThrottle(Duration.ofSeconds(10));

	private final ReactiveStringRedisTemplate redis;

	private final CampaignService campaigns;

	private final BucketMoves moves;

	private final Duration moveTimeout;

	private final Duration redisTimeout;

	BucketSweeper(ReactiveStringRedisTemplate redis, CampaignService campaigns, BucketMoves moves,
			CouponProperties properties) {
		super(properties.buckets().sweepInterval(), properties.plays(Role.GATEWAY));
		this.redis = redis;
		this.campaigns = campaigns;
		this.moves = moves;
		this.moveTimeout = properties.buckets().moveTimeout();
		this.redisTimeout = properties.relay().redisTimeout();
	}

	@Override
	protected Mono<Void> run() {
		return this.redis.opsForSet()
			.members(CampaignKeys.ALL_CAMPAIGNS)
			.collectList()
			.timeout(this.redisTimeout)
			.flatMapMany(Flux::fromIterable)
			.concatMap((id) -> this.campaigns.find(id)
				.filter((campaign) -> campaign.buckets() > 1)
				.flatMap((campaign) -> this.moves.sweep(campaign, this.moveTimeout).timeout(this.redisTimeout))
				.onErrorResume((ex) -> {
					if (failures.due(id)) {
						logger.warn("Stock-move sweep skipped campaign " + id + " this pass, the others go on: "
								+ NestedExceptionUtils.getMostSpecificCause(ex));
					}
					return Mono.empty();
				}))
			.then();
	}

}
