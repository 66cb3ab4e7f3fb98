package dev.coupongateway.issue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.event.CouponPublisher;
import dev.coupongateway.system.CouponProperties;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Sends a grant's event to Kafka, waits for the ack as {@code coupon.issue.ack} says, and
 * has its outbox entry settled once Kafka acknowledged it, however late
 * ({@link OutboxSettler}, off the answer's path).
 */
@Component
class GrantSender {

	/**
	 * Logged under the claim service's name, as before this class was split out of it:
	 * operators' filters keep working.
	 */
	private static final Log logger = LogFactory.getLog(IssueService.class);

	private final CouponPublisher publisher;

	private final Outbox outbox;

	private final ClaimMeters meters;

	private final CouponProperties.Ack ack;

	private final Duration ackTimeout;

	GrantSender(CouponPublisher publisher, Outbox outbox, ClaimMeters meters, CouponProperties properties) {
		this.publisher = publisher;
		this.outbox = outbox;
		this.meters = meters;
		this.ack = properties.issue().ack();
		this.ackTimeout = properties.kafka().ackTimeout();
	}

	/**
	 * In {@code kafka} ack mode waits up to the ack timeout: true when acknowledged by
	 * then; false (and counted) when the send failed or is still out, and the outbox
	 * relay will deliver it. In {@code redis} mode does not wait, true: Redis holds the
	 * grant and its outbox entry.
	 */
	Mono<Boolean> send(CampaignKeys bucket, String userId, IssueOutcome outcome) {
		Grant grant = outcome.granted();
		CouponIssued event = new CouponIssued(grant.couponId(), bucket.campaignId(), userId, grant.sequence(),
				grant.userSlot(), grant.issuedAt());
		String entry = outcome.outboxEntry();
		CompletableFuture<Void> delivered = this.publisher.publish(event).doOnSuccess((acked) -> {
			if (entry != null && !entry.isEmpty()) {
				this.outbox.settleSoon(bucket, entry);
			}
		}).toFuture();
		if (this.ack == CouponProperties.Ack.REDIS) {
			return Mono.just(true);
		}
		return Mono.fromFuture(delivered, true).timeout(this.ackTimeout).thenReturn(true).onErrorResume((ex) -> {
			this.meters.pendingSend();
			logger.warn("Coupon " + grant.couponId() + " granted, Kafka ack missing (" + ex.getClass().getSimpleName()
					+ "); answered PENDING, the outbox relay delivers it");
			return Mono.just(false);
		});
	}

}
