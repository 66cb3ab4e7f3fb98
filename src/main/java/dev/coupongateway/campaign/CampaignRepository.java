package dev.coupongateway.campaign;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.Parameter;
import org.springframework.stereotype.Repository;

/** Campaigns and their stored coupons in PostgreSQL, through R2DBC. */
@Repository
class CampaignRepository {

	private static final String COLUMNS = "id, name, total_stock, per_user_limit, starts_at, ends_at, paused, buckets, "
			+ "waiting_admit_per_second, waiting_ticket_ttl_ms, version";

	private static final String CAMPAIGN = "SELECT " + COLUMNS + " FROM campaign ";

	private static final String COUPON = "SELECT coupon_id, user_id, sequence, user_slot, issued_at FROM coupon ";

	private final DatabaseClient db;

	CampaignRepository(DatabaseClient db) {
		this.db = db;
	}

	/**
	 * Inserts the campaign; a duplicate id fails with a {@code DuplicateKeyException}.
	 */
	public Mono<Campaign> insert(Campaign campaign) {
		return this.db
			.sql("INSERT INTO campaign (id, name, total_stock, per_user_limit, starts_at, ends_at, buckets, "
					+ "waiting_admit_per_second, waiting_ticket_ttl_ms) "
					+ "VALUES (:id, :name, :total, :limit, :starts, :ends, :buckets, :admit, :ttl)")
			.bind("id", campaign.id())
			.bind("name", campaign.name())
			.bind("total", campaign.totalStock())
			.bind("limit", campaign.perUserLimit())
			.bind("starts", Parameters.at(campaign.startsAt()))
			.bind("ends", Parameters.at(campaign.endsAt()))
			.bind("buckets", campaign.buckets())
			.bind("admit", Parameters.admit(campaign.waitingRoom()))
			.bind("ttl", Parameters.ttl(campaign.waitingRoom()))
			.then()
			.thenReturn(campaign);
	}

	/**
	 * Sets (or, with {@code null}, removes) the waiting room; the campaign as it is now,
	 * or empty when unknown.
	 */
	public Mono<Campaign> setWaitingRoom(String id, Campaign.WaitingRoom room) {
		return this.db
			.sql("UPDATE campaign SET waiting_admit_per_second = :admit, waiting_ticket_ttl_ms = :ttl, "
					+ "version = version + 1 WHERE id = :id " + "RETURNING " + COLUMNS)
			.bind("admit", Parameters.admit(room))
			.bind("ttl", Parameters.ttl(room))
			.bind("id", id)
			.map(CampaignRepository::campaign)
			.one();
	}

	/** Sets the operator's pause; the campaign as it is now, or empty when unknown. */
	public Mono<Campaign> setPaused(String id, boolean paused) {
		return this.db
			.sql("UPDATE campaign SET paused = :paused, version = version + 1 WHERE id = :id RETURNING " + COLUMNS)
			.bind("paused", paused)
			.bind("id", id)
			.map(CampaignRepository::campaign)
			.one();
	}

	/**
	 * Ends the campaign at {@code now} unless it ended before; one that never started
	 * ends without starting. The campaign as it is now, or empty when unknown.
	 */
	public Mono<Campaign> end(String id, Instant now) {
		return this.db
			.sql("UPDATE campaign SET ends_at = LEAST(COALESCE(ends_at, :now), :now), "
					+ "starts_at = CASE WHEN starts_at >= :now THEN NULL ELSE starts_at END, version = version + 1 "
					+ "WHERE id = :id RETURNING " + COLUMNS)
			.bind("now", Parameters.at(now))
			.bind("id", id)
			.map(CampaignRepository::campaign)
			.one();
	}

	public Mono<Campaign> findById(String id) {
		return this.db.sql(CAMPAIGN + "WHERE id = :id").bind("id", id).map(CampaignRepository::campaign).one();
	}

	/**
	 * Campaigns that may still take claims (not ended, or ended within
	 * {@code endedWithin}), to check their Redis state against.
	 */
	public Flux<Campaign> findActive(Instant now, Duration endedWithin) {
		return this.db.sql(CAMPAIGN + "WHERE ends_at IS NULL OR ends_at > :since")
			.bind("since", Parameters.at(now.minus(endedWithin)))
			.map(CampaignRepository::campaign)
			.all();
	}

	/**
	 * The id of every campaign, so an instance can tell an unknown id without asking
	 * again for each.
	 */
	public Flux<String> allIds() {
		return this.db.sql("SELECT id FROM campaign").map((row) -> row.get("id", String.class)).all();
	}

	/** The newest campaigns, newest first. */
	public Flux<Campaign> findRecent(int limit) {
		return this.db.sql(CAMPAIGN + "ORDER BY created_at DESC, id LIMIT :limit")
			.bind("limit", limit)
			.map(CampaignRepository::campaign)
			.all();
	}

	/**
	 * The coupons stored for a campaign, to rebuild its Redis state: streamed (R2DBC
	 * reads rows as they are asked for), a user's coupons together.
	 */
	public Flux<StoredCoupon> storedCoupons(String campaignId) {
		return this.db.sql(COUPON + "WHERE campaign_id = :id ORDER BY user_id, user_slot")
			.bind("id", campaignId)
			.map(CampaignRepository::storedCoupon)
			.all();
	}

	/** The coupons stored for one user of a campaign. */
	public Flux<StoredCoupon> storedCoupons(String campaignId, String userId) {
		return this.db.sql(COUPON + "WHERE campaign_id = :id AND user_id = :user ORDER BY user_slot")
			.bind("id", campaignId)
			.bind("user", userId)
			.map(CampaignRepository::storedCoupon)
			.all();
	}

	/**
	 * Coupon rows stored, and records kept in {@code coupon_conflict}, for the campaign.
	 */
	public Mono<long[]> storedAndConflicts(String campaignId) {
		return this.db
			.sql("SELECT (SELECT count(*) FROM coupon WHERE campaign_id = :id) AS stored, "
					+ "(SELECT count(*) FROM coupon_conflict WHERE campaign_id = :id) AS conflicts")
			.bind("id", campaignId)
			.map((row) -> new long[] { row.get("stored", Long.class), row.get("conflicts", Long.class) })
			.one();
	}

	private static Campaign campaign(Readable row) {
		return new Campaign(row.get("id", String.class), row.get("name", String.class),
				row.get("total_stock", Integer.class), row.get("per_user_limit", Integer.class),
				instant(row.get("starts_at", OffsetDateTime.class)), instant(row.get("ends_at", OffsetDateTime.class)),
				row.get("paused", Boolean.class), row.get("buckets", Integer.class), waitingRoom(row),
				row.get("version", Long.class));
	}

	private static Campaign.WaitingRoom waitingRoom(Readable row) {
		Integer admit = row.get("waiting_admit_per_second", Integer.class);
		Integer ttl = row.get("waiting_ticket_ttl_ms", Integer.class);
		return (admit != null && ttl != null) ? new Campaign.WaitingRoom(admit, Duration.ofMillis(ttl)) : null;
	}

	private static StoredCoupon storedCoupon(Readable row) {
		return new StoredCoupon(row.get("coupon_id", UUID.class), row.get("user_id", String.class),
				row.get("sequence", Integer.class), row.get("user_slot", Integer.class),
				instant(row.get("issued_at", OffsetDateTime.class)));
	}

	private static Instant instant(OffsetDateTime at) {
		return (at != null) ? at.toInstant() : null;
	}

	private static final class Parameters {

		static Object admit(Campaign.WaitingRoom room) {
			return (room != null) ? room.admitPerSecond() : Parameter.empty(Integer.class);
		}

		static Object ttl(Campaign.WaitingRoom room) {
			return (room != null) ? (int) room.ticketTtl().toMillis() : Parameter.empty(Integer.class);
		}

		static Object at(Instant instant) {
			return (instant != null) ? instant.atOffset(ZoneOffset.UTC) : Parameter.empty(OffsetDateTime.class);
		}

	}

}
