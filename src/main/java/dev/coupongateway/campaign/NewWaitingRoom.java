package dev.coupongateway.campaign;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A waiting room as an operator asks for it, on creation ({@code "waitingRoom"}) or with
 * {@code PUT /api/admin/campaigns/{id}/waiting-room}: {@code {"admitPerSecond": 50,
 * "ticketTtl": "PT2M"}}.
 */
record NewWaitingRoom(Integer admitPerSecond, String ticketTtl) {

	static final int MAX_ADMIT_PER_SECOND = 100_000;

	static final Duration MIN_TTL = Duration.ofSeconds(1);

	static final Duration MAX_TTL = Duration.ofHours(1);

	/**
	 * What is wrong with it, {@code prefix} naming where it sits in the body; empty when
	 * valid.
	 */
	List<String> errors(String prefix) {
		List<String> errors = new ArrayList<>();
		if (this.admitPerSecond == null || this.admitPerSecond < 1 || this.admitPerSecond > MAX_ADMIT_PER_SECOND) {
			errors.add(prefix + "admitPerSecond: required, 1 to " + MAX_ADMIT_PER_SECOND);
		}
		Duration ttl = ttl();
		if (ttl == null || ttl.compareTo(MIN_TTL) < 0 || ttl.compareTo(MAX_TTL) > 0) {
			errors.add(prefix + "ticketTtl: required, an ISO-8601 duration from PT1S to PT1H, such as \"PT2M\"");
		}
		return errors;
	}

	Campaign.WaitingRoom toWaitingRoom() {
		return new Campaign.WaitingRoom(this.admitPerSecond, ttl());
	}

	private Duration ttl() {
		if (this.ticketTtl == null) {
			return null;
		}
		try {
			return Duration.parse(this.ticketTtl);
		}
		catch (DateTimeParseException ex) {
			return null;
		}
	}

}
