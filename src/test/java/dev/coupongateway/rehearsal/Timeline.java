package dev.coupongateway.rehearsal;

import java.util.Map;
import java.util.TreeMap;

/**
 * The sale second by second (epoch seconds): arrivals, answers by status (by the second
 * they were sent), grants (by the second they were answered) and a latency histogram per
 * second.
 */
final class Timeline {

	final TreeMap<Long, Second> seconds = new TreeMap<>();

	final Latencies latencies = new Latencies();

	void arrival(long at) {
		second(at).arrivals++;
	}

	void answer(long sent, int status, long latency) {
		Second second = second(sent);
		second.byStatus.merge(status, 1L, Long::sum);
		second.latencies.add(latency);
		this.latencies.add(latency);
	}

	void grant(long answered, boolean bot) {
		Second second = second(answered);
		if (bot) {
			second.botGrants++;
		}
		else {
			second.grants++;
		}
	}

	private Second second(long epochMillis) {
		return this.seconds.computeIfAbsent(Math.floorDiv(epochMillis, 1000), (key) -> new Second());
	}

	/** One second of the sale. */
	static final class Second {

		long arrivals;

		long grants;

		long botGrants;

		final Map<Integer, Long> byStatus = new TreeMap<>();

		final Latencies latencies = new Latencies();

		long requests() {
			return this.byStatus.values().stream().mapToLong(Long::longValue).sum();
		}

	}

	/**
	 * Latencies in ms, exact below 32 ms and in steps of 1/16 of a doubling (about 4%)
	 * above: a fixed 256 counters, whatever the number of answers.
	 */
	static final class Latencies {

		private static final int EXACT = 32;

		private static final int STEPS = 16;

		private final long[] counts = new long[256];

		private long total;

		void add(long ms) {
			this.counts[bucket(Math.max(0, ms))]++;
			this.total++;
		}

		long total() {
			return this.total;
		}

		/**
		 * The nearest-rank quantile (the bucket's upper bound), or -1 without answers.
		 */
		long quantile(double q) {
			if (this.total == 0) {
				return -1;
			}
			long rank = Math.max(1, (long) Math.ceil(q * this.total));
			long seen = 0;
			for (int bucket = 0; bucket < this.counts.length; bucket++) {
				seen += this.counts[bucket];
				if (seen >= rank) {
					return upper(bucket);
				}
			}
			return upper(this.counts.length - 1);
		}

		static int bucket(long ms) {
			if (ms < EXACT) {
				return (int) ms;
			}
			double doublings = Math.log((double) ms / EXACT) / Math.log(2);
			return (int) Math.min(255, EXACT + Math.floor(doublings * STEPS));
		}

		static long upper(int bucket) {
			if (bucket < EXACT) {
				return bucket;
			}
			return (long) Math.ceil(EXACT * Math.pow(2, (bucket - EXACT + 1) / (double) STEPS)) - 1;
		}

	}

}
