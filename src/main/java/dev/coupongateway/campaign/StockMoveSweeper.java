package dev.coupongateway.campaign;

import java.time.Duration;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.PeriodicTask;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Decides the stock moves a crash left half done, in every campaign split into buckets, every
 * {@code coupon.buckets.sweep-interval}: the longest a unit of stock can be stranded in transit is the
 * move timeout plus one interval. Every gateway sweeps; a move is decided once whoever gets there first.
 */
@Component
class StockMoveSweeper extends PeriodicTask {

	private final ReactiveStringRedisTemplate redis;

	private final CampaignService campaigns;

	private final StockMoves moves;

	private final Duration moveTimeout;

	StockMoveSweeper(ReactiveStringRedisTemplate redis, CampaignService campaigns, StockMoves moves,
			CouponProperties properties) {
		super(properties.buckets().sweepInterval(), properties.plays(Role.GATEWAY));
		this.redis = redis;
		this.campaigns = campaigns;
		this.moves = moves;
		this.moveTimeout = properties.buckets().moveTimeout();
	}

	@Override
	protected Mono<Void> run() {
		return this.redis.opsForSet()
			.members(CampaignKeys.ALL_CAMPAIGNS)
			.concatMap((id) -> this.campaigns.find(id).onErrorResume((ex) -> Mono.empty()))
			.filter((campaign) -> campaign.buckets() > 1)
			.concatMap((campaign) -> this.moves.sweep(campaign, this.moveTimeout))
			.then();
	}

}
