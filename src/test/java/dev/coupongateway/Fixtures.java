package dev.coupongateway;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.system.Paths;

import org.springframework.boot.test.context.TestComponent;
import org.springframework.http.MediaType;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Test helpers over the running gateway: create campaigns over HTTP, count what
 * PostgreSQL stored.
 */
@TestComponent
public class Fixtures {

	private static final AtomicInteger counter = new AtomicInteger();

	private final WebTestClient http;

	private final DatabaseClient db;

	public Fixtures(WebTestClient http, DatabaseClient db) {
		this.http = http;
		this.db = db;
	}

	/**
	 * A grant's event as the gateway would send it: a new coupon id, issued now (to the
	 * millisecond).
	 */
	public static CouponIssued event(String campaign, String user, int sequence, int slot) {
		return new CouponIssued(UUID.randomUUID(), campaign, user, sequence, slot,
				Instant.now().truncatedTo(ChronoUnit.MILLIS));
	}

	/**
	 * A campaign value (not created anywhere): one coupon per user, open at once and for
	 * good, not paused, no waiting room, split over {@code buckets}.
	 */
	public static Campaign newCampaign(String id, String name, int totalStock, int buckets) {
		return new Campaign(id, name, totalStock, 1, null, null, false, buckets, null);
	}

	/** A campaign id no other test uses. */
	public static String uniqueId(String prefix) {
		return prefix + "-" + counter.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
	}

	public String campaign(int totalStock) {
		return campaign(totalStock, 1);
	}

	public String campaign(int totalStock, int perUserLimit) {
		return campaign(totalStock, perUserLimit, null, null);
	}

	/** Creates a campaign through the admin API and returns its id. */
	public String campaign(int totalStock, int perUserLimit, Instant startsAt, Instant endsAt) {
		return create(uniqueId("c"), totalStock, perUserLimit, startsAt, endsAt);
	}

	/** Creates a campaign with the given id (open now, one per user). */
	public String campaignWithId(String id, int totalStock) {
		return create(id, totalStock, 1, null, null, 1);
	}

	/**
	 * Creates a campaign with a waiting room admitting {@code admitPerSecond}, tickets
	 * valid for {@code ticketTtl}.
	 */
	public String withWaitingRoom(int totalStock, int admitPerSecond, String ticketTtl) {
		String id = uniqueId("line");
		this.http.post()
			.uri(Paths.ADMIN_CAMPAIGNS)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("id", id, "name", "Campaign " + id, "totalStock", totalStock, "waitingRoom",
					Map.of("admitPerSecond", admitPerSecond, "ticketTtl", ticketTtl)))
			.exchange()
			.expectStatus()
			.isCreated();
		return id;
	}

	/** Creates a campaign whose stock is split into {@code buckets} Redis slots. */
	public String bucketed(String id, int totalStock, int buckets) {
		return create(id, totalStock, 1, null, null, buckets);
	}

	private String create(String id, int totalStock, int perUserLimit, Instant startsAt, Instant endsAt) {
		return create(id, totalStock, perUserLimit, startsAt, endsAt, 1);
	}

	private String create(String id, int totalStock, int perUserLimit, Instant startsAt, Instant endsAt, int buckets) {
		Map<String, Object> body = new HashMap<>(
				Map.of("id", id, "name", "Campaign " + id, "totalStock", totalStock, "perUserLimit", perUserLimit));
		if (buckets > 1) {
			body.put("buckets", buckets);
		}
		if (startsAt != null) {
			body.put("startsAt", startsAt.toString());
		}
		if (endsAt != null) {
			body.put("endsAt", endsAt.toString());
		}
		this.http.post()
			.uri(Paths.ADMIN_CAMPAIGNS)
			.headers((headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isCreated();
		return id;
	}

	/** Coupon rows PostgreSQL holds for the campaign. */
	public long storedRows(String campaignId) {
		return this.db.sql("SELECT count(*) AS n FROM coupon WHERE campaign_id = :id")
			.bind("id", campaignId)
			.map((row) -> row.get("n", Long.class))
			.one()
			.block(Duration.ofSeconds(10));
	}

	/**
	 * Records of the campaign PostgreSQL refused into {@code coupon_conflict} (answered,
	 * never stored).
	 */
	public long conflicts(String campaignId) {
		return this.db.sql("SELECT count(*) AS n FROM coupon_conflict WHERE campaign_id = :id")
			.bind("id", campaignId)
			.map((row) -> row.get("n", Long.class))
			.one()
			.block(Duration.ofSeconds(10));
	}

	/**
	 * The records of the campaign kept in {@code coupon_conflict}: coupon id to the
	 * reason it was refused.
	 */
	public Map<String, String> conflictReasons(String campaignId) {
		return this.db.sql("SELECT coupon_id::text AS id, reason FROM coupon_conflict WHERE campaign_id = :c")
			.bind("c", campaignId)
			.map((row) -> Map.entry(row.get("id", String.class), row.get("reason", String.class)))
			.all()
			.collectMap(Map.Entry::getKey, Map.Entry::getValue)
			.block(Duration.ofSeconds(10));
	}

	/**
	 * Users holding more than one row in the campaign (empty when one coupon per user
	 * held).
	 */
	public List<String> usersWithMoreThan(String campaignId, int limit) {
		return this.db
			.sql("SELECT user_id FROM coupon WHERE campaign_id = :id GROUP BY user_id HAVING count(*) > :limit")
			.bind("id", campaignId)
			.bind("limit", limit)
			.map((row) -> row.get("user_id", String.class))
			.all()
			.collectList()
			.block(Duration.ofSeconds(10));
	}

	/** The coupon ids PostgreSQL stored for the campaign. */
	public List<UUID> storedCouponIds(String campaignId) {
		return this.db.sql("SELECT coupon_id FROM coupon WHERE campaign_id = :id")
			.bind("id", campaignId)
			.map((row) -> row.get("coupon_id", UUID.class))
			.all()
			.collectList()
			.block(Duration.ofSeconds(10));
	}

}
