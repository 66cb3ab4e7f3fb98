package dev.coupongateway.campaign;

import java.util.List;

import reactor.core.publisher.Mono;

/**
 * Writes the Redis state of a campaign split into buckets, whole, from what PostgreSQL
 * stored: what a rebuild (and a creation) of such a campaign calls. Implemented in
 * {@code dev.coupongateway.buckets}, which sits above this package: the rebuild knows
 * only this.
 */
public interface BucketsWriter {

	/**
	 * Rewrites every bucket of the campaign from the coupons {@code stored} gives once
	 * all is quiet, under the campaign's rebuild lease ({@code token}). Fails with a 503
	 * problem while grants are still on their way to Kafka; the buckets stay frozen until
	 * a rebuild completes.
	 */
	Mono<Boolean> rewrite(Campaign campaign, Mono<List<StoredCoupon>> stored, String token);

}
