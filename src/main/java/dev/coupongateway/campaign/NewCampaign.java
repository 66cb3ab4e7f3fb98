package dev.coupongateway.campaign;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The body of {@code POST /api/admin/campaigns}, checked against the contract before
 * anything is written.
 */
record NewCampaign(String id, String name, Integer totalStock, Integer perUserLimit, String startsAt, String endsAt,
		Integer buckets, NewWaitingRoom waitingRoom) {

	static final int MAX_STOCK = 10_000_000;

	static final int MAX_PER_USER = 100;

	static final int MAX_BUCKETS = 64;

	/**
	 * What is wrong with this request, one {@code field: reason} per problem; empty when
	 * it is valid.
	 */
	List<String> errors() {
		List<String> errors = new ArrayList<>();
		if (this.id != null && !CampaignId.isValid(this.id)) {
			errors.add(CampaignId.RULE);
		}
		if (this.name == null || this.name.isBlank() || this.name.length() > 200) {
			errors.add("name: required, 1 to 200 characters");
		}
		if (this.totalStock == null || this.totalStock < 1 || this.totalStock > MAX_STOCK) {
			errors.add("totalStock: required, 1 to " + MAX_STOCK);
		}
		if (this.perUserLimit != null && (this.perUserLimit < 1 || this.perUserLimit > MAX_PER_USER)) {
			errors.add("perUserLimit: 1 to " + MAX_PER_USER);
		}
		if (this.buckets != null && (this.buckets < 1 || this.buckets > MAX_BUCKETS
				|| (this.totalStock != null && this.buckets > this.totalStock))) {
			errors.add("buckets: 1 to " + MAX_BUCKETS + ", at most totalStock");
		}
		if (this.waitingRoom != null) {
			errors.addAll(this.waitingRoom.errors("waitingRoom."));
		}
		Instant starts = instant(this.startsAt, "startsAt", errors);
		Instant ends = instant(this.endsAt, "endsAt", errors);
		if (starts != null && ends != null && !starts.isBefore(ends)) {
			errors.add("endsAt: must be after startsAt");
		}
		return errors;
	}

	/**
	 * An instant written as ISO-8601 text ({@code 2026-12-01T10:00:00Z}); a number
	 * (seconds? millis?) is refused by the strict JSON reading before this.
	 */
	private static Instant instant(String text, String field, List<String> errors) {
		if (text == null) {
			return null;
		}
		try {
			return OffsetDateTime.parse(text).toInstant();
		}
		catch (DateTimeParseException ex) {
			errors.add(field + ": must be an instant such as \"2026-12-01T10:00:00Z\"");
			return null;
		}
	}

	Campaign toCampaign() {
		String campaignId = (this.id != null) ? this.id : UUID.randomUUID().toString();
		return new Campaign(campaignId, this.name.strip(), this.totalStock,
				(this.perUserLimit != null) ? this.perUserLimit : 1,
				instant(this.startsAt, "startsAt", new ArrayList<>()),
				instant(this.endsAt, "endsAt", new ArrayList<>()), false, (this.buckets != null) ? this.buckets : 1,
				(this.waitingRoom != null) ? this.waitingRoom.toWaitingRoom() : null);
	}

}
