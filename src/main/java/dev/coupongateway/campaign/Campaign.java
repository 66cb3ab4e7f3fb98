package dev.coupongateway.campaign;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A coupon campaign as stored in PostgreSQL.
 *
 * @param id the campaign id, {@code [a-z0-9][a-z0-9-]{0,63}}
 * @param name a name for people
 * @param totalStock coupons on offer
 * @param perUserLimit coupons one user may hold
 * @param startsAt first instant claims are taken, or {@code null} for at once
 * @param endsAt first instant claims are refused again, or {@code null} for never (an
 * operator may end it early)
 * @param paused whether an operator holds the campaign: claims are refused until it
 * resumes
 * @param buckets Redis slots the stock is split over (1 for one slot; see
 * {@link CampaignKeys#bucketOf})
 * @param waitingRoom the line in front of the campaign, or {@code null} for none
 * @param version the version of the operator's controls (pause, end, waiting room),
 * raised by each change
 */
public record Campaign(String id, String name, int totalStock, int perUserLimit, Instant startsAt, Instant endsAt,
		boolean paused, int buckets, WaitingRoom waitingRoom, long version) {

	/** A campaign as created: its controls at their first version. */
	public Campaign(String id, String name, int totalStock, int perUserLimit, Instant startsAt, Instant endsAt,
			boolean paused, int buckets, WaitingRoom waitingRoom) {
		this(id, name, totalStock, perUserLimit, startsAt, endsAt, paused, buckets, waitingRoom, 1);
	}

	/** Where the campaign stands at {@code now} with {@code issued} coupons granted. */
	public Status statusAt(Instant now, long issued) {
		if (this.startsAt != null && now.isBefore(this.startsAt)) {
			return Status.SCHEDULED;
		}
		if (issued >= this.totalStock) {
			return Status.SOLD_OUT;
		}
		if (this.endsAt != null && !now.isBefore(this.endsAt)) {
			return Status.ENDED;
		}
		return this.paused ? Status.PAUSED : Status.OPEN;
	}

	/** When claims open, as the scripts take it: epoch ms, 0 for at once. */
	public long startsAtMillis() {
		return epochMillis(this.startsAt);
	}

	/** When claims close, as the scripts take it: epoch ms, 0 for never. */
	public long endsAtMillis() {
		return epochMillis(this.endsAt);
	}

	private static long epochMillis(Instant at) {
		return (at != null) ? at.toEpochMilli() : 0;
	}

	/** The same campaign with the operator's controls as Redis holds them now. */
	Campaign controlled(Instant startsAt, Instant endsAt, boolean paused) {
		return new Campaign(this.id, this.name, this.totalStock, this.perUserLimit, startsAt, endsAt, paused,
				this.buckets, this.waitingRoom, this.version);
	}

	/**
	 * A line in front of the campaign: people are admitted {@code admitPerSecond} a
	 * second, in the order they joined, and each may claim within {@code ticketTtl} of
	 * being admitted.
	 */
	public record WaitingRoom(int admitPerSecond, Duration ticketTtl) {
	}

	/** The Redis keys of every bucket, bucket 0 first. */
	public List<CampaignKeys> bucketKeys() {
		return CampaignKeys.all(this.id, this.buckets);
	}

	/** The Redis keys of the bucket {@code userId} belongs to. */
	public CampaignKeys keysFor(String userId) {
		return bucketKeys().get(CampaignKeys.bucketOf(userId, this.buckets));
	}

	/** The life of a campaign as clients see it. */
	public enum Status {

		SCHEDULED, OPEN, PAUSED, SOLD_OUT, ENDED

	}

}
