package dev.coupongateway.system;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Keeps an outage to one log line every so often per subject instead of one per request:
 * thousands of claims a second hitting the same cause tell an operator nothing more than
 * the first did.
 */
public final class LogThrottle {

	private final long everyNanos;

	private final ConcurrentMap<String, Long> last = new ConcurrentHashMap<>();

	public LogThrottle(Duration every) {
		this.everyNanos = every.toNanos();
	}

	/**
	 * Whether a line about {@code subject} is due now; if so, the next one is due a
	 * period later.
	 */
	public boolean due(String subject) {
		long now = System.nanoTime();
		boolean[] due = new boolean[1];
		this.last.compute(subject, (key, previous) -> {
			due[0] = previous == null || now - previous >= this.everyNanos;
			return due[0] ? now : previous;
		});
		return due[0];
	}

}
