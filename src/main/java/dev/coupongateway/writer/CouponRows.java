package dev.coupongateway.writer;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.writer.CouponIssuedSource.Poison;
import dev.coupongateway.writer.CouponIssuedSource.Received;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Repository;

/**
 * Writes coupon rows, a whole batch in one statement, idempotent on {@code coupon_id}.
 * The database's guards refuse a row outside its campaign's stock or per-user limit, or
 * clashing with a stored coupon; a second statement, run only when the first stored fewer
 * rows than it was given, records each refused row in {@code coupon_conflict} and returns
 * it so the writer can send it to the DLT.
 */
@Repository
class CouponRows {

	// A batch's events as rows; both statements take the same seven arrays.
	private static final String EVENTS = """
			WITH e AS (
			    SELECT id::uuid AS coupon_id, campaign, usr, seq, slot, to_timestamp(issued / 1000.0) AS issued_at, src
			    FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::bigint[], $7::text[])
			        AS t(id, campaign, usr, seq, slot, issued, src)
			),
			""";

	// Stores what it can and names the coupons it neither stored nor sees stored. It does
	// not decide
	// that they are refused: a coupon another statement stored at the same moment (a
	// redelivered batch, a
	// partition moving between writers) is skipped by ON CONFLICT, yet invisible to this
	// statement's
	// snapshot, which was taken before that statement committed.
	private static final String STORE = EVENTS + """
			ins AS (
			    INSERT INTO coupon (coupon_id, campaign_id, user_id, sequence, user_slot, issued_at)
			    SELECT e.coupon_id, e.campaign, e.usr, e.seq, e.slot, e.issued_at
			    FROM e JOIN campaign c ON c.id = e.campaign
			    WHERE e.seq BETWEEN 1 AND c.total_stock AND e.slot BETWEEN 1 AND c.per_user_limit
			      AND length(e.usr) BETWEEN 1 AND 64
			    ON CONFLICT DO NOTHING
			    RETURNING coupon_id
			),
			missed AS (
			    SELECT DISTINCT e.coupon_id FROM e
			    WHERE NOT EXISTS (SELECT 1 FROM ins WHERE ins.coupon_id = e.coupon_id)
			      AND NOT EXISTS (SELECT 1 FROM coupon x WHERE x.coupon_id = e.coupon_id)
			)
			SELECT coupon_id::text AS coupon_id, (SELECT count(*) FROM ins) AS inserted FROM missed
			UNION ALL
			SELECT NULL, (SELECT count(*) FROM ins) WHERE NOT EXISTS (SELECT 1 FROM missed)
			""";

	// Given the missed coupons, once the store statement has returned (and committed: the
	// driver completes
	// it on ReadyForQuery). This statement's snapshot is newer than every row the store
	// statement ran into,
	// since ON CONFLICT waits for an inserter in flight to commit: a coupon another
	// statement stored
	// meanwhile is seen here and is not refused, and a taken number or user slot is seen
	// as taken, even
	// one taken by this very batch.
	private static final String REFUSE = EVENTS
			+ """
					refused AS (
					    SELECT e.*, CASE
					        WHEN c.id IS NULL THEN 'unknown campaign'
					        WHEN e.seq NOT BETWEEN 1 AND c.total_stock THEN 'sequence outside the stock'
					        WHEN e.slot NOT BETWEEN 1 AND c.per_user_limit THEN 'user slot outside the per-user limit'
					        WHEN length(e.usr) NOT BETWEEN 1 AND 64 THEN 'bad user id'
					        WHEN EXISTS (SELECT 1 FROM coupon x WHERE x.campaign_id = e.campaign AND x.sequence = e.seq)
					            THEN 'sequence already stored for another coupon'
					        ELSE 'user slot already stored for another coupon' END AS reason
					    FROM e LEFT JOIN campaign c ON c.id = e.campaign
					    WHERE NOT EXISTS (SELECT 1 FROM coupon x WHERE x.coupon_id = e.coupon_id)
					),
					kept AS (
					    INSERT INTO coupon_conflict (coupon_id, campaign_id, user_id, sequence, user_slot, issued_at, reason, source)
					    SELECT coupon_id, campaign, usr, seq, slot, issued_at, reason, src FROM refused
					    ON CONFLICT DO NOTHING
					    RETURNING coupon_id, source
					)
					SELECT DISTINCT ON (r.coupon_id) r.coupon_id::text AS coupon_id, coalesce(x.reason, r.reason) AS reason,
					    coalesce(x.source, k.source, r.src) AS source, k.coupon_id IS NOT NULL AS new
					FROM refused r
					    LEFT JOIN coupon_conflict x ON x.coupon_id = r.coupon_id
					    LEFT JOIN kept k ON k.coupon_id = r.coupon_id
					WHERE x.id IS NULL OR x.dead_lettered_at IS NULL
					""";

	private static final String POISON = """
			WITH p AS (
			    SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) AS t(reason, payload, src)
			),
			kept AS (
			    INSERT INTO coupon_conflict (reason, payload, source)
			    SELECT reason, payload, src FROM p
			    ON CONFLICT DO NOTHING
			    RETURNING source
			)
			SELECT p.src AS source, EXISTS (SELECT 1 FROM kept k WHERE k.source = p.src) AS new
			FROM p LEFT JOIN coupon_conflict x ON x.source = p.src
			WHERE x.id IS NULL OR x.dead_lettered_at IS NULL
			""";

	private static final String DEAD_LETTERED = """
			UPDATE coupon_conflict SET dead_lettered_at = now() WHERE source = $1 AND dead_lettered_at IS NULL
			""";

	private final DatabaseClient db;

	CouponRows(DatabaseClient db) {
		this.db = db;
	}

	/**
	 * Inserts the batch's rows; returns how many were new and which were refused, with
	 * why. One statement when every row is stored or was already; a second one only for
	 * the rows it missed.
	 */
	Mono<Stored> insert(List<Received> batch) {
		if (batch.isEmpty()) {
			return Mono.just(new Stored(0, List.of()));
		}
		return bind(this.db.sql(STORE), batch)
			.map((row) -> new Missed(row.get("coupon_id", String.class), row.get("inserted", Long.class)))
			.all()
			.collectList()
			.flatMap((rows) -> {
				long inserted = rows.isEmpty() ? 0 : rows.get(0).inserted();
				Set<String> missed = rows.stream()
					.map(Missed::couponId)
					.filter(Objects::nonNull)
					.collect(Collectors.toSet());
				if (missed.isEmpty()) {
					return Mono.just(new Stored(inserted, List.of()));
				}
				List<Received> candidates = batch.stream()
					.filter((received) -> missed.contains(received.event().couponId().toString()))
					.toList();
				return refuse(candidates).map((refused) -> new Stored(inserted, refused));
			});
	}

	private Mono<List<Refusal>> refuse(List<Received> candidates) {
		return bind(this.db.sql(REFUSE), candidates)
			.map((row) -> new Refusal(row.get("coupon_id", String.class), row.get("reason", String.class),
					row.get("source", String.class), Boolean.TRUE.equals(row.get("new", Boolean.class))))
			.all()
			.collectList();
	}

	private static GenericExecuteSpec bind(GenericExecuteSpec spec, List<Received> batch) {
		int n = batch.size();
		String[] ids = new String[n];
		String[] campaigns = new String[n];
		String[] users = new String[n];
		Integer[] sequences = new Integer[n];
		Integer[] slots = new Integer[n];
		Long[] issued = new Long[n];
		String[] sources = new String[n];
		for (int i = 0; i < n; i++) {
			CouponIssued event = batch.get(i).event();
			ids[i] = event.couponId().toString();
			campaigns[i] = event.campaignId();
			users[i] = event.userId();
			sequences[i] = event.sequence();
			slots[i] = event.userSlot();
			issued[i] = event.issuedAt().toEpochMilli();
			sources[i] = batch.get(i).source();
		}
		return spec.bind(0, ids)
			.bind(1, campaigns)
			.bind(2, users)
			.bind(3, sequences)
			.bind(4, slots)
			.bind(5, issued)
			.bind(6, sources);
	}

	/**
	 * Keeps records that could not even be read, with the reason and the raw payload;
	 * returns the sources of those still to dead-letter, each marked new when this call
	 * kept it.
	 */
	Mono<Map<String, Boolean>> keep(List<Poison> poison) {
		if (poison.isEmpty()) {
			return Mono.just(Map.of());
		}
		return this.db.sql(POISON)
			.bind(0, poison.stream().map(Poison::reason).toArray(String[]::new))
			.bind(1, poison.stream().map(Poison::payloadText).toArray(String[]::new))
			.bind(2, poison.stream().map(Poison::source).toArray(String[]::new))
			.map((row) -> Map.entry(row.get("source", String.class),
					Boolean.TRUE.equals(row.get("new", Boolean.class))))
			.all()
			.collectMap(Map.Entry::getKey, Map.Entry::getValue);
	}

	/**
	 * Marks a kept record as dead-lettered, so a retried or redelivered batch does not
	 * send it again.
	 */
	Mono<Void> deadLettered(String source) {
		return this.db.sql(DEAD_LETTERED).bind(0, source).then();
	}

	/**
	 * What a batch insert did: rows inserted, and the refused coupons still to
	 * dead-letter.
	 */
	record Stored(long inserted, List<Refusal> refused) {
	}

	/**
	 * A coupon the database refused and that is not dead-lettered yet.
	 *
	 * @param source the Kafka record it was first kept from
	 * @param kept whether this batch kept it (else an earlier attempt did, and only its
	 * DLT send is owed)
	 */
	record Refusal(String couponId, String reason, String source, boolean kept) {
	}

	/**
	 * A row of the store statement: a coupon it missed (null when none), and the batch's
	 * new rows.
	 */
	private record Missed(String couponId, long inserted) {
	}

}
