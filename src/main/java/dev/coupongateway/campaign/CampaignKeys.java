package dev.coupongateway.campaign;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The Redis keys of one bucket of a campaign. All keys of a bucket share one hash tag, so
 * they live in one slot and one script may touch them all, in Redis Cluster too:
 * {@code {id}} for bucket 0 (the only bucket of most campaigns), {@code {id.b}} for
 * bucket {@code b} of a campaign split into buckets, so a hot campaign's buckets land on
 * different slots (and shards).
 *
 * @param campaignId the campaign
 * @param bucket the bucket, 0 to buckets - 1
 * @param settings hash: {@code total}, {@code limit}, {@code starts}, {@code ends} (epoch
 * ms, 0 = none), {@code paused}, {@code issued} (grants made in this bucket), {@code seq}
 * and {@code last} (the range of sequences still to hand out, {@code (seq, last]}),
 * {@code gen} (a bucketed campaign's generation)
 * @param grants hash: user id to the user's grants, {@code couponId:sequence:issuedAtMs}
 * joined by {@code ,}
 * @param outbox stream: one entry per grant not yet confirmed by Kafka (fields
 * {@code c u s l t})
 * @param relayLease string: which instance's relay drains the outbox now
 * @param free list: sequences to hand out before the range: given back by a rebuild, or
 * moved in
 * @param journal hash: stock moves reserved here, not yet released
 * ({@code scripts/move.lua})
 * @param moves hash: stock moves into this bucket, credited or cancelled
 * @param rebuildLease string: the instance rebuilding a bucketed campaign (used in bucket
 * 0 only)
 * @param limiter prefix of the rate limiters' keys in this bucket's slot
 * @param queue hash: user id to the user's place in the waiting room's line (bucket 0
 * only, as the three below)
 * @param queueState hash: {@code joined} (places given), {@code admitted} (highest place
 * admitted), {@code credit} (the instant admissions are paid up to), {@code rate} and
 * {@code ttl} (the room's settings), {@code dropped} and {@code dropped-at} (the highest
 * place whose admission record was dropped, and its time), {@code ended}
 * ({@code SOLD_OUT} or {@code ENDED} once the scheduler let the line go; the line's three
 * keys then expire)
 * @param admissions sorted set: each admission whose tickets may still be valid, scored
 * by the highest place it admitted, as {@code place:atMs}
 * @param admissionLease string: the instance whose scheduler admits people now
 */
public record CampaignKeys(String campaignId, int bucket, String settings, String grants, String outbox,
		String relayLease, String free, String journal, String moves, String rebuildLease, String limiter, String queue,
		String queueState, String admissions, String admissionLease) {

	/**
	 * A set (outside any campaign's slot) of every campaign id that has Redis state, for
	 * the relay.
	 */
	public static final String ALL_CAMPAIGNS = "coupon:campaigns";

	/**
	 * A pub/sub channel: the id of each campaign a rebuild wrote, so every instance
	 * forgets its claim facts.
	 */
	public static final String REBUILT_CHANNEL = "coupon:rebuilt";

	/**
	 * A pub/sub channel: the id of each campaign an operator created or changed, so every
	 * instance reads it again.
	 */
	public static final String CHANGED_CHANNEL = "coupon:changed";

	/**
	 * A set (outside any campaign's slot) of the ids of campaigns with a waiting room,
	 * for the scheduler; a campaign leaves it when it sold out or ended.
	 */
	public static final String WAITING_ROOMS = "coupon:waiting-rooms";

	/** The keys of a campaign's bucket 0 (all of them, for a campaign on one slot). */
	public static CampaignKeys of(String campaignId) {
		return of(campaignId, 0);
	}

	public static CampaignKeys of(String campaignId, int bucket) {
		String prefix = (bucket == 0) ? "coupon:{" + campaignId + "}:" : "coupon:{" + campaignId + "." + bucket + "}:";
		return new CampaignKeys(campaignId, bucket, prefix + "settings", prefix + "grants", prefix + "outbox",
				prefix + "relay-lease", prefix + "free", prefix + "journal", prefix + "moves", prefix + "rebuild-lease",
				prefix + "limit:", prefix + "queue", prefix + "queue-state", prefix + "admissions",
				prefix + "admission-lease");
	}

	/**
	 * Most campaigns whose keys are kept made. Not a setting: a campaign dropped from
	 * here only has its keys made again (strings, no I/O); the bound keeps ids a client
	 * makes up from piling up.
	 */
	private static final int KEPT = 10_000;

	/**
	 * Keys of campaigns in use, made once: the claim path needs them thousands of times a
	 * second.
	 */
	private static final Cache<String, List<CampaignKeys>> made = Caffeine.newBuilder().maximumSize(KEPT).build();

	/**
	 * The keys of every bucket, bucket 0 first (kept for the campaigns asked about
	 * lately).
	 */
	public static List<CampaignKeys> all(String campaignId, int buckets) {
		List<CampaignKeys> keys = made.getIfPresent(campaignId);
		if (keys != null && keys.size() == buckets) {
			return keys;
		}
		keys = IntStream.range(0, buckets).mapToObj((bucket) -> of(campaignId, bucket)).toList();
		made.put(campaignId, keys);
		return keys;
	}

	/**
	 * The bucket a user belongs to, for good: CRC-32 of the user id modulo the buckets,
	 * the same on every instance, so the user's grants and limit are always checked in
	 * one slot.
	 */
	public static int bucketOf(String userId, int buckets) {
		if (buckets == 1) {
			return 0;
		}
		CRC32 crc = new CRC32();
		crc.update(userId.getBytes(StandardCharsets.UTF_8));
		return (int) (crc.getValue() % buckets);
	}

	/**
	 * A string: when (Redis time, ms) a check of this bucket against PostgreSQL was first
	 * found due since the last one finished ({@code scripts/fence.lua}).
	 */
	public String suspect() {
		return prefix() + "suspect";
	}

	/**
	 * A list: numbers a check found free, staged until it finishes
	 * ({@code scripts/restore.lua}).
	 */
	String stagedGaps() {
		return prefix() + "rebuild-gaps";
	}

	private String prefix() {
		return this.settings.substring(0, this.settings.length() - "settings".length());
	}

	/**
	 * Every key of this bucket but the rate limiters' (named after a user or an address):
	 * all a campaign that never limited a claim has here.
	 */
	List<String> ownKeys() {
		return List.of(this.settings, this.grants, this.outbox, this.relayLease, this.free, this.journal, this.moves,
				this.rebuildLease, this.queue, this.queueState, this.admissions, this.admissionLease, suspect(),
				stagedGaps());
	}

	/** The keys the restore script takes, in its order. */
	List<String> restoreKeys() {
		return List.of(this.settings, this.grants, this.free, this.rebuildLease, stagedGaps(), suspect());
	}

	/** The keys the fence script takes, in its order. */
	List<String> fenceKeys() {
		return List.of(this.settings, suspect());
	}

	/** The keys the queue script takes, in its order. */
	public List<String> queueKeys() {
		return List.of(this.queue, this.queueState, this.admissions);
	}

	/** The keys the bucket script takes, in its order. */
	public List<String> bucketKeys() {
		return List.of(this.settings, this.grants, this.free, this.journal, this.moves, suspect());
	}

	/**
	 * The keys the claim script takes: the bucket's, then the user's and the address's
	 * rate limiters.
	 */
	public List<String> claimKeys(String userId, String address) {
		return List.of(this.settings, this.grants, this.outbox, this.free, this.limiter + "u:" + userId,
				this.limiter + "a:" + address);
	}

}
