package dev.coupongateway.waiting;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;

import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.CouponProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * One shared feed per watched line per instance, as {@code StockFeed} is for stock: a
 * single poll of the line's progress (how many joined, how far admissions got), multicast
 * to everyone watching it; each watcher turns it into their own place. Redis load grows
 * with the lines watched, not the watchers.
 */
@Component
class LineFeed {

	private final ReactiveStringRedisTemplate redis;

	private final CouponProperties properties;

	private final ConcurrentMap<String, Flux<Progress>> feeds = new ConcurrentHashMap<>();

	LineFeed(ReactiveStringRedisTemplate redis, CouponProperties properties, MeterRegistry meters) {
		this.redis = redis;
		this.properties = properties;
		Gauge.builder("coupon.queue.feeds", this.feeds, ConcurrentMap::size)
			.description("Waiting-room lines watched on this instance")
			.register(meters);
	}

	/**
	 * The line's progress now, then each change (polled every
	 * {@code coupon.waiting-room.poll}).
	 */
	Flux<Progress> of(String campaignId) {
		return Flux.defer(() -> this.feeds.computeIfAbsent(campaignId, this::start));
	}

	private Flux<Progress> start(String campaignId) {
		AtomicReference<Flux<Progress>> self = new AtomicReference<>();
		String state = CampaignKeys.of(campaignId).queueState();
		Flux<Progress> feed = Flux.interval(Duration.ZERO, this.properties.waitingRoom().poll())
			.onBackpressureDrop()
			.concatMap((tick) -> this.redis.<String, String>opsForHash()
				.multiGet(state, List.of("joined", "admitted", "rate", "ended"))
				.filter((values) -> values.get(2) != null)
				.map((values) -> new Progress(number(values.get(0)), number(values.get(1)), number(values.get(2)),
						(values.get(3) != null) ? Campaign.Status.valueOf(values.get(3)) : null))
				// a failed read (Redis away) is skipped: watchers keep the last value
				.onErrorResume((ex) -> Mono.empty()), 1)
			.distinctUntilChanged()
			.doFinally((signal) -> this.feeds.remove(campaignId, self.get()))
			.replay(1)
			.refCount(1, this.properties.stream().linger());
		self.set(feed);
		return feed;
	}

	private static long number(String value) {
		return (value != null) ? Long.parseLong(value) : 0;
	}

	/**
	 * How many joined the line, the highest place admitted, the room's rate a second, and
	 * whether the campaign finished ({@code SOLD_OUT}, {@code ENDED}; {@code null} while
	 * it runs).
	 */
	record Progress(long joined, long admitted, long rate, Campaign.Status ended) {
	}

}
