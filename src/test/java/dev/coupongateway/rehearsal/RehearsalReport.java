package dev.coupongateway.rehearsal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.coupongateway.rehearsal.RehearsalMetrics.Summary;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The report of a flash-sale rehearsal ({@code bench/rehearsal.sh}): reads its output
 * directory (people.log, stores.json, coupons.csv, maybe admissions.csv and
 * k6-summary.json) and writes summary.json and report.html beside them. See
 * docs/rehearsal.md for how to read it.
 * <p>
 * Usage: {@code java ... dev.coupongateway.rehearsal.RehearsalReport OUT}; exits 1 when
 * the run was not exact (the report is written either way).
 */
public final class RehearsalReport {

	private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

	private RehearsalReport() {
	}

	public static void main(String[] args) throws IOException {
		if (args.length != 1) {
			System.err.println("usage: RehearsalReport OUT (the rehearsal's output directory)");
			System.exit(2);
		}
		Summary summary = write(Path.of(args[0]), System.out);
		if (!summary.exactness().exact()) {
			System.exit(1);
		}
	}

	/**
	 * Reads OUT, writes OUT/summary.json and OUT/report.html, prints the headline
	 * figures.
	 */
	static Summary write(Path out, PrintStream console) throws IOException {
		RehearsalInput input = RehearsalInput.read(out);
		Summary summary = RehearsalMetrics.compute(input);
		JSON.writeValue(out.resolve("summary.json").toFile(), summary);
		Files.writeString(out.resolve("report.html"), ReportPage.render(input, summary), StandardCharsets.UTF_8);
		print(summary, console);
		console.println("report: " + out.resolve("report.html").toAbsolutePath());
		return summary;
	}

	private static void print(Summary summary, PrintStream console) {
		RehearsalMetrics.Exactness exactness = summary.exactness();
		RehearsalMetrics.Fairness fairness = summary.fairness();
		RehearsalMetrics.Sale sale = summary.sale();
		console
			.printf("exact: %s (grants the clients hold %d = people %d + bots %d; of them answered 201/202 %d, answer lost"
					+ " then 409 %d, answer lost then found on the coupons page %d; rows %d, stock %d, most per user %d)%n",
					exactness.exact() ? "yes" : "NO", exactness.answeredGrants(), exactness.peopleGrants(),
					exactness.botGrants(), exactness.answered201or202(), exactness.learnedOnRetry(),
					exactness.foundOnPage(), exactness.rows(), exactness.stock(), exactness.perUserMax());
		exactness.violations().forEach((violation) -> console.println("  violation: " + violation));
		if (!exactness.rowsNeverAnsweredByLastAnswer().isEmpty()) {
			console.println("  people with a row they never learned of, by their last answer (-1 gave up): "
					+ exactness.rowsNeverAnsweredByLastAnswer());
		}
		console.printf(
				"fairness: share to the first %d arrivals %.2f%%, inversion worst %d ms, p99 %d ms (%d winners inverted)%n",
				fairness.firstArrivals(), fairness.shareToFirstArrivals() * 100, fairness.worstInversionMs(),
				fairness.p99InversionMs(), fairness.invertingWinners());
		if (summary.waitingRoom() != null) {
			console.printf("waiting room: %d joined, %d admitted, %d out of join order (worst ahead by %d ms)%n",
					summary.waitingRoom().joined(), summary.waitingRoom().admitted(),
					summary.waitingRoom().admittedOutOfOrder(), summary.waitingRoom().worstAheadMs());
		}
		console.printf("bots: %.2f%% of the requests, %.2f%% of the coupons, answered %s%n",
				summary.bots().shareOfRequests() * 100, summary.bots().shareOfCoupons() * 100,
				summary.bots().byStatus());
		console.printf(
				"sale: %d requests %s, p50 %d ms, p99 %d ms, sold out (first 410) after %s ms, last grant after %s ms, last row stored after %s ms%n",
				sale.requests(), sale.byStatus(), sale.p50LatencyMs(), sale.p99LatencyMs(), sale.soldOutAfterMs(),
				sale.lastGrantAfterMs(), sale.lastRowStoredAfterMs());
	}

}
