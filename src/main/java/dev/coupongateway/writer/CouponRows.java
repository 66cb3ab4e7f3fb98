package dev.coupongateway.writer;

import java.util.List;

import dev.coupongateway.issue.CouponIssued;
import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Repository;

/** Writes coupon rows, a whole batch in one statement, idempotent on {@code coupon_id}. */
@Repository
class CouponRows {

	private static final String INSERT = """
			INSERT INTO coupon (coupon_id, campaign_id, user_id, sequence, user_slot, issued_at)
			SELECT id::uuid, campaign, usr, seq, slot, to_timestamp(issued / 1000.0)
			FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::bigint[])
			    AS e(id, campaign, usr, seq, slot, issued)
			ON CONFLICT DO NOTHING
			""";

	private final DatabaseClient db;

	CouponRows(DatabaseClient db) {
		this.db = db;
	}

	/** Inserts the batch's rows; returns how many were new (the rest were stored before). */
	Mono<Long> insert(List<CouponIssued> events) {
		if (events.isEmpty()) {
			return Mono.just(0L);
		}
		int n = events.size();
		String[] ids = new String[n];
		String[] campaigns = new String[n];
		String[] users = new String[n];
		Integer[] sequences = new Integer[n];
		Integer[] slots = new Integer[n];
		Long[] issued = new Long[n];
		for (int i = 0; i < n; i++) {
			CouponIssued event = events.get(i);
			ids[i] = event.couponId().toString();
			campaigns[i] = event.campaignId();
			users[i] = event.userId();
			sequences[i] = event.sequence();
			slots[i] = event.userSlot();
			issued[i] = event.issuedAt().toEpochMilli();
		}
		return this.db.sql(INSERT)
			.bind(0, ids)
			.bind(1, campaigns)
			.bind(2, users)
			.bind(3, sequences)
			.bind(4, slots)
			.bind(5, issued)
			.fetch()
			.rowsUpdated();
	}

}
