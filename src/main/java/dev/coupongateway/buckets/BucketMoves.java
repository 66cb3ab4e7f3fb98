package dev.coupongateway.buckets;

import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;

import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.LuaScripts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Moves stock between the buckets of a campaign ({@link MoveScript}): reserve in the
 * source, credit in the target, release the source's journal entry. A user's bucket that
 * ran dry is refilled from the bucket holding most (half of it, so the two end level);
 * concurrent claims on one instance share one refill. A move left half done by a crash is
 * decided by {@link #sweep}: cancelled in the target (so it can never be credited late)
 * and given back to the source, or, when it was credited, released.
 */
@Component
public class BucketMoves {

	private static final Log logger = LogFactory.getLog(BucketMoves.class);

	/**
	 * {@code scripts/holding.lua}: a bucket's stock in hand, moves reserved from it and
	 * not released.
	 */
	@SuppressWarnings("rawtypes")
	private final RedisScript<List> holdingScript = LuaScripts.of("holding.lua", List.class);

	private final ReactiveStringRedisTemplate redis;

	private final MoveScript script;

	private final Clock clock;

	private final ConcurrentMap<CampaignKeys, Mono<Refill>> refills = new ConcurrentHashMap<>();

	private final Counter moved;

	private final Counter returned;

	BucketMoves(ReactiveStringRedisTemplate redis, MoveScript script, Clock clock, MeterRegistry meters) {
		this.redis = redis;
		this.script = script;
		this.clock = clock;
		this.moved = Counter.builder("coupon.stock.moved")
			.description("Units of stock moved between the buckets of split campaigns")
			.register(meters);
		this.returned = Counter.builder("coupon.stock.move.returned")
			.description("Units of stock a sweep gave back to their source bucket (a move left half done)")
			.register(meters);
	}

	/**
	 * Refills the bucket {@code userId} belongs to from the campaign's fullest bucket.
	 * Shared by the claims of this instance waiting on the same bucket.
	 */
	public Mono<Refill> refill(Campaign campaign, CampaignKeys target) {
		return Mono.defer(() -> this.refills.computeIfAbsent(target, (keys) -> startRefill(campaign, keys)));
	}

	private Mono<Refill> startRefill(Campaign campaign, CampaignKeys target) {
		AtomicReference<Mono<Refill>> self = new AtomicReference<>();
		Mono<Refill> refill = holdings(campaign).flatMap((holdings) -> {
			Holding here = holdings.stream().filter((h) -> h.keys().equals(target)).findFirst().orElse(null);
			Holding richest = holdings.stream()
				.filter((h) -> !h.keys().equals(target))
				.max(Comparator.comparingLong((h) -> h.stock().inHand()))
				.orElse(null);
			long inTransit = holdings.stream().mapToLong((h) -> h.stock().inTransit()).sum();
			if (here == null || here.stock().inHand() < 0 || here.stock().generation().startsWith("frozen:")) {
				// no state, or frozen by a rebuild: whatever it holds comes back with the
				// rebuild
				return Mono.just(new Refill(0, true));
			}
			if (here.stock().inHand() > 0) {
				// refilled meanwhile (by another instance): the claim can try again
				return Mono.just(new Refill((int) here.stock().inHand(), true));
			}
			if (richest == null || richest.stock().inHand() <= 0) {
				// the buckets were read one by one: sold out only if a second read sees
				// no move since
				return (inTransit > 0) ? Mono.just(new Refill(0, true))
						: holdings(campaign).map((again) -> new Refill(0, !again.equals(holdings)));
			}
			int units = (int) ((richest.stock().inHand() + 1) / 2);
			// a refused move (a bucket frozen or being checked) leaves the stock where it
			// was: not sold out
			return move(richest.keys(), target, units, here.stock().generation())
				.map((moved) -> new Refill(moved, true));
		}).doFinally((signal) -> this.refills.remove(target, self.get())).cache();
		self.set(refill);
		return refill;
	}

	private Mono<List<Holding>> holdings(Campaign campaign) {
		return Flux.fromIterable(campaign.bucketKeys())
			.concatMap((keys) -> stock(keys).map((stock) -> new Holding(keys, stock)))
			.collectList();
	}

	/**
	 * Moves up to {@code units} from {@code source} to {@code target}, whose state had
	 * generation {@code targetGeneration} when read. Returns the units credited; 0 when
	 * the source had none, or the target refused them (given back at once). A failure
	 * after the reserve leaves the move to the sweep.
	 */
	Mono<Integer> move(CampaignKeys source, CampaignKeys target, int units, String targetGeneration) {
		String moveId = UUID.randomUUID().toString();
		return this.script.reserve(source, target, moveId, units, targetGeneration).flatMap((reserved) -> {
			if (reserved.isEmpty()) {
				return Mono.just(0);
			}
			String sequences = String.join(",", reserved.stream().map(String::valueOf).toList());
			return this.script.credit(target, moveId, targetGeneration, sequences)
				.flatMap((credited) -> (credited == 1L)
						? this.script.release(source, moveId, false).thenReturn(reserved.size())
						: settle(source, target, moveId).thenReturn(0))
				.doOnNext(this.moved::increment);
		});
	}

	/**
	 * Decides every move of the campaign reserved at least {@code olderThan} ago and not
	 * released: the units end up either in the target (credited) or back in the source,
	 * never both. Returns the units given back.
	 */
	Mono<Long> sweep(Campaign campaign, Duration olderThan) {
		long before = this.clock.millis() - olderThan.toMillis();
		return Flux.fromIterable(campaign.bucketKeys())
			.concatMap((source) -> this.redis.<String, String>opsForHash()
				.entries(source.journal())
				.filter((entry) -> Long.parseLong(entry.getValue().split(":", 4)[2]) <= before)
				.concatMap((entry) -> {
					CampaignKeys target = CampaignKeys.of(campaign.id(),
							Integer.parseInt(entry.getValue().split(":", 2)[0]));
					return settle(source, target, entry.getKey());
				}))
			.reduce(0L, Long::sum)
			.doOnNext((given) -> {
				if (given > 0) {
					this.returned.increment(given);
					logger.warn("Campaign " + campaign.id() + ": " + given
							+ " units of stock were left in a move half done; given back to their bucket");
				}
			});
	}

	/**
	 * Cancels the move in the target unless credited, then releases the source (giving
	 * back if cancelled).
	 */
	private Mono<Long> settle(CampaignKeys source, CampaignKeys target, String moveId) {
		return this.script.cancel(target, moveId)
			.flatMap((credited) -> this.script.release(source, moveId, credited != 1L))
			.map((given) -> Math.max(0, given));
	}

	/**
	 * A bucket's stock: in hand (-1 when it has no state), reserved moves not released,
	 * generation.
	 */
	private Mono<Stock> stock(CampaignKeys keys) {
		return this.redis.execute(this.holdingScript, MoveScript.journalKeys(keys), List.of())
			.next()
			.map((reply) -> new Stock(((Number) reply.get(0)).longValue(), ((Number) reply.get(1)).longValue(),
					(String) reply.get(2), ((Number) reply.get(3)).longValue()));
	}

	/**
	 * A bucket's stock; {@code moves} counts the moves in and out, so two equal reads saw
	 * no move between.
	 */
	private record Stock(long inHand, long inTransit, String generation, long moves) {
	}

	private record Holding(CampaignKeys keys, Stock stock) {
	}

	/**
	 * What a refill found.
	 *
	 * @param units units now in the bucket (moved in, or there already)
	 * @param stockLeft whether the campaign may still have stock somewhere (in hand or in
	 * transit)
	 */
	public record Refill(int units, boolean stockLeft) {
	}

}
