package dev.coupongateway.writer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.writer.CouponIssuedSource.Received;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer's cost per batch on the embedded PostgreSQL: 50 batches of 2,000 new coupons
 * (the common case, nothing refused), then the same 50 batches again (a redelivery, every
 * row already stored). Not part of the test suite (the name does not end in Tests): run
 * it on its own with {@code ./mvnw -B -o -q test -Dtest=CouponRowsBench}; it prints one
 * line per repetition.
 */
@CouponGatewayTest
class CouponRowsBench {

	private static final int BATCHES = 50;

	private static final int ROWS = 2_000;

	private static final int REPETITIONS = 3;

	@Autowired
	private CouponRows rows;

	@Autowired
	private Fixtures fixtures;

	@Test
	void batchCost() {
		// warm-up: JIT, connection pool, plan cache
		measure(10);
		for (int repetition = 1; repetition <= REPETITIONS; repetition++) {
			measure(BATCHES);
		}
	}

	private void measure(int batches) {
		String campaign = this.fixtures.campaign(batches * ROWS);
		List<List<Received>> all = new ArrayList<>();
		for (int b = 0; b < batches; b++) {
			List<Received> batch = new ArrayList<>(ROWS);
			for (int i = 1; i <= ROWS; i++) {
				int sequence = b * ROWS + i;
				CouponIssued event = Fixtures.event(campaign, "user-" + sequence, sequence, 1);
				batch.add(new Received(event, campaign + ":" + event.userId(),
						event.couponId().toString().getBytes(StandardCharsets.UTF_8), campaign + "-0@" + sequence));
			}
			all.add(batch);
		}
		double[] fresh = time(all, ROWS);
		double[] redelivered = time(all, 0);
		if (batches == BATCHES) {
			System.out.printf(
					"BENCH %d batches of %d rows: new rows median %.1f ms, total %.0f ms; "
							+ "redelivered median %.1f ms, total %.0f ms%n",
					batches, ROWS, median(fresh), sum(fresh), median(redelivered), sum(redelivered));
		}
	}

	private double[] time(List<List<Received>> batches, long expectedInserted) {
		double[] millis = new double[batches.size()];
		for (int b = 0; b < batches.size(); b++) {
			long start = System.nanoTime();
			CouponRows.Stored stored = this.rows.insert(batches.get(b)).block(Duration.ofSeconds(30));
			millis[b] = (System.nanoTime() - start) / 1e6;
			assertThat(stored.inserted()).isEqualTo(expectedInserted);
			assertThat(stored.refused()).isEmpty();
		}
		return millis;
	}

	private static double median(double[] values) {
		double[] sorted = values.clone();
		Arrays.sort(sorted);
		return sorted[sorted.length / 2];
	}

	private static double sum(double[] values) {
		return Arrays.stream(values).sum();
	}

}
