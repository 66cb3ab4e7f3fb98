package dev.coupongateway.waiting;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.CampaignState;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.LogThrottle;
import dev.coupongateway.system.PeriodicTask;
import dev.coupongateway.system.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.NestedExceptionUtils;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Admits people from every waiting room, every {@code coupon.waiting-room.admit-every}.
 * One instance at a time admits for a campaign (a lease in the campaign's slot, renewed
 * while it runs, taken over when it lapses); the pace itself is kept by {@code queue.lua}
 * from Redis' clock, so even two schedulers at once could not admit faster than the
 * room's rate. The instance admitting for a campaign also lets its line go once the
 * campaign finished (sold out, ended): out of the registry of rooms, its meters removed,
 * its keys expiring after {@code coupon.waiting-room.retain-after-end}.
 */
@Component
class AdmissionScheduler extends PeriodicTask {

	private static final Log logger = LogFactory.getLog(AdmissionScheduler.class);

	/**
	 * One line per campaign every ten seconds at most: a shard that is down fails every
	 * pass.
	 */
	private static final LogThrottle failures = new LogThrottle(Duration.ofSeconds(10));

	private final ReactiveStringRedisTemplate redis;

	private final Line line;

	private final CampaignService campaigns;

	private final CampaignState state;

	private final Clock clock;

	private final Duration lease;

	private final Duration stepTimeout;

	private final Duration retainAfterEnd;

	private final String instance = UUID.randomUUID().toString();

	private final MeterRegistry meters;

	/**
	 * The meters of each room this instance admitted for; only rooms still in the
	 * registry keep theirs.
	 */
	private final ConcurrentMap<String, RoomMeters> rooms = new ConcurrentHashMap<>();

	AdmissionScheduler(ReactiveStringRedisTemplate redis, Line line, CampaignService campaigns, CampaignState state,
			Clock clock, CouponProperties properties, MeterRegistry meters) {
		super(properties.waitingRoom().admitEvery(), properties.plays(Role.GATEWAY));
		this.redis = redis;
		this.line = line;
		this.campaigns = campaigns;
		this.state = state;
		this.clock = clock;
		this.lease = properties.waitingRoom().lease();
		this.stepTimeout = properties.waitingRoom().stepTimeout();
		this.retainAfterEnd = properties.waitingRoom().retainAfterEnd();
		this.meters = meters;
	}

	/*
	 * Each campaign's step stands alone: its failure (a shard that refuses, a corrupt
	 * key) is logged and ends that step only, and it is bounded by
	 * coupon.waiting-room.step-timeout, while the campaigns' steps run side by side (not
	 * one after another). A campaign whose shard hangs delays the end of the pass, and so
	 * the next pass of all, by that timeout at most: admissions are paid for by the time
	 * passed (queue.lua), so the other rooms still admit at their rate, in bigger batches
	 * meanwhile.
	 */
	@Override
	protected Mono<Void> run() {
		return this.redis.opsForSet()
			.members(CampaignKeys.WAITING_ROOMS)
			.collectList()
			.doOnNext(this::forgetAllBut)
			.flatMapMany(Flux::fromIterable)
			.flatMap(this::step)
			.then();
	}

	private Mono<Void> step(String campaignId) {
		return leased(CampaignKeys.of(campaignId).admissionLease()).filter(Boolean::booleanValue)
			.flatMap((mine) -> this.line.admit(campaignId)
				.doOnNext((admission) -> record(campaignId, admission))
				.thenReturn(mine))
			.timeout(this.stepTimeout)
			.onErrorResume((ex) -> failed(campaignId, "admission", ex))
			// apart, so that a database that does not answer holds up only this check,
			// never the admissions
			.flatMap((mine) -> retireIfFinished(campaignId).timeout(this.stepTimeout)
				.onErrorResume((ex) -> failed(campaignId, "end check", ex)));
	}

	/**
	 * Takes the lease, or renews it when this instance holds it; false while another
	 * instance does.
	 */
	private Mono<Boolean> leased(String key) {
		return this.redis.opsForValue()
			.setIfAbsent(key, this.instance, this.lease)
			.flatMap((taken) -> taken ? Mono.just(true)
					: this.redis.opsForValue()
						.get(key)
						.filter(this.instance::equals)
						.flatMap((mine) -> this.redis.expire(key, this.lease))
						.defaultIfEmpty(false));
	}

	/**
	 * Lets the line of a finished campaign go. Its settings come from memory, PostgreSQL
	 * or (while that does not answer) Redis, its stock and controls from Redis: no
	 * rebuild is started from here. A campaign PostgreSQL does not know is let go too.
	 */
	private Mono<Void> retireIfFinished(String campaignId) {
		return this.campaigns.findForClaim(campaignId)
			.flatMap(this.state::live)
			.map((live) -> live.campaign().statusAt(this.clock.instant(), live.issued()))
			.onErrorResume(
					(ex) -> ex instanceof ProblemException problem
							&& problem.problem().status() == HttpStatus.NOT_FOUND,
					(ex) -> Mono.just(Campaign.Status.ENDED))
			.filter((status) -> status == Campaign.Status.SOLD_OUT || status == Campaign.Status.ENDED)
			// the line first: if the registry is not written, the next pass does it all
			// again
			.flatMap((status) -> this.line.retire(campaignId, status, this.retainAfterEnd)
				.then(this.redis.opsForSet().remove(CampaignKeys.WAITING_ROOMS, campaignId))
				.doOnSuccess((removed) -> {
					forget(campaignId);
					logger.info("Campaign " + campaignId + " " + status + ": its waiting room admits no more, its line"
							+ " expires in " + this.retainAfterEnd);
				}))
			.then();
	}

	private <T> Mono<T> failed(String campaignId, String what, Throwable ex) {
		if (failures.due(campaignId)) {
			Throwable cause = NestedExceptionUtils.getMostSpecificCause(ex);
			logger.warn("Waiting room of campaign " + campaignId + ": " + what + " failed (the other rooms go on): "
					+ ex + ((cause != ex) ? " (" + cause.getMessage() + ")" : ""));
		}
		return Mono.empty();
	}

	private void record(String campaignId, Line.Admission admission) {
		RoomMeters room = this.rooms.computeIfAbsent(campaignId, this::register);
		if (admission.count() > 0) {
			room.admitted().increment(admission.count());
		}
		room.waiting().set(admission.joined() - admission.admitted());
	}

	/**
	 * Drops the meters of rooms no longer in the registry (let go by any instance, or
	 * taken away).
	 */
	private void forgetAllBut(List<String> registered) {
		Set<String> rooms = new HashSet<>(registered);
		this.rooms.keySet().stream().filter((id) -> !rooms.contains(id)).toList().forEach(this::forget);
	}

	private void forget(String campaignId) {
		RoomMeters room = this.rooms.remove(campaignId);
		if (room != null) {
			this.meters.remove(room.admitted());
			this.meters.remove(room.waitingGauge());
		}
	}

	private RoomMeters register(String campaignId) {
		AtomicLong waiting = new AtomicLong();
		Gauge gauge = Gauge.builder("coupon.queue.waiting", waiting, AtomicLong::get)
			.description("People in a campaign's waiting room not admitted yet, as this instance's scheduler last saw")
			.tag("campaign", campaignId)
			.register(this.meters);
		Counter admitted = Counter.builder("coupon.queue.admitted")
			.description("People admitted from a campaign's waiting room by this instance's scheduler")
			.tag("campaign", campaignId)
			.register(this.meters);
		return new RoomMeters(admitted, gauge, waiting);
	}

	/** A room's meters on this instance. */
	private record RoomMeters(Counter admitted, Gauge waitingGauge, AtomicLong waiting) {
	}

}
