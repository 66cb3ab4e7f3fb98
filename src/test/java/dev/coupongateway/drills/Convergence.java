package dev.coupongateway.drills;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.assertj.core.api.SoftAssertions;
import org.awaitility.core.ConditionTimeoutException;

import static org.awaitility.Awaitility.await;

/**
 * After a drill: waits until what the clients were told matches what PostgreSQL holds,
 * then measures.
 * <ul>
 * <li>lost: a coupon answered 201/202 (or shown back in a 409 {@code ALREADY_ISSUED})
 * with no row;</li>
 * <li>over-issued: rows above the stock, users with rows above the limit, distinct
 * coupons answered above the stock, users answered more distinct coupons than the
 * limit;</li>
 * <li>stock: the gateway's {@code remaining} equals {@code totalStock - rows} (no stock
 * leaked or counted twice).</li>
 * </ul>
 * Converged means no coupon lost, the stock agreeing, and the reconciliation endpoint
 * saying {@code agree: true} (or answering 404: not there yet); the wait is bounded.
 */
final class Convergence {

	static final Duration TIMEOUT = Duration.ofSeconds(90);

	/** Not converged after this long: thread dumps of the gateway JVMs are taken once. */
	static final Duration STALL = Duration.ofSeconds(20);

	private Convergence() {
	}

	/**
	 * What PostgreSQL and the gateway showed at one moment, against the clients' answers.
	 */
	record Snapshot(long rows, int lost, List<String> lostSample, int overIssued, String overDetail,
			DrillStack.Stock stock, boolean stockAgrees, List<Integer> sequenceGaps,
			DrillStack.Reconciliation reconciliation) {

		boolean converged() {
			return this.lost == 0 && this.stockAgrees && this.reconciliation.settled();
		}

	}

	/** The result of one drill, one row of the table. */
	record Verdict(String drill, int claims, int granted, Snapshot last, Duration timeToConverge, String notes) {

		boolean converged() {
			return this.timeToConverge != null;
		}

		/**
		 * Promises 1 and 2: nothing lost, nothing over-issued; and the stock converged in
		 * time.
		 */
		void assertPromisesHeld() {
			SoftAssertions softly = new SoftAssertions();
			softly.assertThat(this.last.lost())
				.as("coupons answered 201/202 (or shown in a 409) without a row, e.g. " + this.last.lostSample())
				.isZero();
			softly.assertThat(this.last.overIssued()).as("over-issued: " + this.last.overDetail()).isZero();
			softly.assertThat(this.last.stockAgrees())
				.as("stock: the gateway's remaining equals totalStock - rows, else stock leaked or double-counted: "
						+ stockColumn())
				.isTrue();
			softly.assertThat(converged()).as("converged within " + TIMEOUT.toSeconds() + " s: " + row()).isTrue();
			softly.assertAll();
		}

		String row() {
			return "| " + this.drill + " | " + this.claims + " | " + this.granted + " | " + this.last.rows() + " | "
					+ this.last.lost() + " | " + this.last.overIssued() + " | "
					+ (converged() ? String.format("%.1f s", this.timeToConverge.toMillis() / 1000.0)
							: "not converged in " + TIMEOUT.toSeconds() + " s")
					+ " | " + stockColumn() + " | " + this.last.reconciliation().column() + " | " + this.notes + " |";
		}

		private String stockColumn() {
			DrillStack.Stock stock = this.last.stock();
			if (stock == null) {
				return "no answer";
			}
			String gaps = this.last.sequenceGaps().isEmpty() ? ""
					: ", coupon numbers never stored below the highest: " + this.last.sequenceGaps();
			return (this.last.stockAgrees() ? "yes" : "NO") + " (remaining " + stock.remaining() + gaps + ")";
		}

	}

	/**
	 * Waits (bounded) for convergence, measured from {@code sinceNanos}
	 * ({@link System#nanoTime()}, usually when the last claim was answered), then writes
	 * the results row and returns the verdict.
	 */
	static Verdict check(DrillStack stack, String campaignId, int totalStock, int perUserLimit, LoadDriver load,
			long sinceNanos, String notes) {
		List<LoadDriver.Answer> answers = load.answers();
		Snapshot[] last = new Snapshot[1];
		Duration converged = null;
		long checkStarted = System.nanoTime();
		boolean[] dumped = new boolean[1];
		List<Integer> reconciliationErrors = new CopyOnWriteArrayList<>();
		try {
			await("convergence of " + campaignId).atMost(TIMEOUT)
				.pollInterval(Duration.ofMillis(500))
				.ignoreExceptions()
				.until(() -> {
					if (!dumped[0] && System.nanoTime() - checkStarted > STALL.toNanos()) {
						// still not converged: record what every JVM is doing, for the
						// report
						dumped[0] = true;
						stack.threadDumps("after-" + STALL.toSeconds() + "s");
					}
					last[0] = snapshot(stack, campaignId, totalStock, perUserLimit, answers);
					reconciliationErrors.addAll(last[0].reconciliation().errors());
					return last[0].converged();
				});
			converged = Duration.ofNanos(System.nanoTime() - sinceNanos);
		}
		catch (ConditionTimeoutException ex) {
			if (last[0] == null) {
				last[0] = snapshot(stack, campaignId, totalStock, perUserLimit, answers);
			}
		}
		int granted = (int) answers.stream().filter(LoadDriver.Answer::granted).count();
		String counters = stack.counters("coupon_publish_pending_total", "coupon_relay_resent_total",
				"coupon_writer_stored_total");
		String reconciliationNote = reconciliationErrors.isEmpty() ? ""
				: "; reconciliation answers other than 200/404 while converging (-1: none): " + reconciliationErrors;
		Verdict verdict = new Verdict(stack.drill, answers.size(), granted, last[0], converged,
				notes + "; " + load.summary() + (counters.isEmpty() ? "" : "; " + counters) + reconciliationNote);
		report(verdict);
		return verdict;
	}

	static Snapshot snapshot(DrillStack stack, String campaignId, int totalStock, int perUserLimit,
			List<LoadDriver.Answer> answers) {
		Map<String, String> rows = new HashMap<>();
		try (Connection connection = stack.postgres.connect();
				PreparedStatement select = connection
					.prepareStatement("SELECT coupon_id::text, user_id FROM coupon WHERE campaign_id = ?")) {
			select.setString(1, campaignId);
			try (ResultSet result = select.executeQuery()) {
				while (result.next()) {
					rows.put(result.getString(1).toLowerCase(), result.getString(2));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("PostgreSQL not readable: " + ex.getMessage(), ex);
		}
		List<Integer> gaps = sequenceGaps(stack, campaignId);
		Set<String> told = new HashSet<>();
		Set<String> grantedIds = new HashSet<>();
		Map<String, Set<String>> toldByUser = new HashMap<>();
		for (LoadDriver.Answer answer : answers) {
			if (answer.granted() || answer.status() == 409) {
				told.addAll(answer.couponIds());
				toldByUser.computeIfAbsent(answer.userId(), (user) -> new HashSet<>()).addAll(answer.couponIds());
			}
			if (answer.granted()) {
				grantedIds.addAll(answer.couponIds());
			}
		}
		List<String> lost = told.stream().filter((id) -> !rows.containsKey(id)).sorted().toList();
		Map<String, Integer> rowsByUser = new HashMap<>();
		rows.values().forEach((user) -> rowsByUser.merge(user, 1, Integer::sum));
		long usersAboveLimit = rowsByUser.values().stream().filter((n) -> n > perUserLimit).count();
		long rowsAboveStock = Math.max(0, rows.size() - totalStock);
		long answeredAboveStock = Math.max(0, grantedIds.size() - totalStock);
		long usersToldAboveLimit = toldByUser.values().stream().filter((ids) -> ids.size() > perUserLimit).count();
		int over = (int) (usersAboveLimit + rowsAboveStock + answeredAboveStock + usersToldAboveLimit);
		String overDetail = "rows above stock " + rowsAboveStock + ", users with rows above limit " + usersAboveLimit
				+ ", coupons answered above stock " + answeredAboveStock + ", users answered above limit "
				+ usersToldAboveLimit;
		DrillStack.Stock stock = stack.stock(campaignId);
		boolean stockAgrees = stock != null && stock.remaining() == totalStock - rows.size();
		DrillStack.Reconciliation reconciliation = stack.reconciliation(campaignId);
		return new Snapshot(rows.size(), lost.size(), lost.subList(0, Math.min(5, lost.size())), over, overDetail,
				stock, stockAgrees, gaps, reconciliation);
	}

	/**
	 * Coupon numbers (sequences) below the highest stored one that have no row (at most
	 * 10): while claims are stored these are in flight; after convergence each one is
	 * stock that nobody can get any more.
	 */
	private static List<Integer> sequenceGaps(DrillStack stack, String campaignId) {
		List<Integer> gaps = new ArrayList<>();
		try (Connection connection = stack.postgres.connect();
				PreparedStatement select = connection.prepareStatement("""
						SELECT s FROM generate_series(1, (SELECT coalesce(max(sequence), 0) FROM coupon
						                                  WHERE campaign_id = ?)) AS s
						WHERE NOT EXISTS (SELECT 1 FROM coupon WHERE campaign_id = ? AND sequence = s)
						ORDER BY s LIMIT 10""")) {
			select.setString(1, campaignId);
			select.setString(2, campaignId);
			try (ResultSet result = select.executeQuery()) {
				while (result.next()) {
					gaps.add(result.getInt(1));
				}
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("PostgreSQL not readable: " + ex.getMessage(), ex);
		}
		return gaps;
	}

	private static final String HEADER = """
			| drill | claims sent | granted (201+202) | stored | lost (granted without row) | over-issued | time to converge | stock = total − rows | reconciliation agree | notes |
			|---|---|---|---|---|---|---|---|---|---|
			""";

	private static boolean tableStarted;

	/**
	 * Appends the row to {@code target/drills/results.md} (a new table per run) and
	 * prints it.
	 */
	static synchronized void report(Verdict verdict) {
		Path results = Drills.root().resolve("results.md");
		if (!tableStarted || !Files.exists(results)) {
			// a fresh table for each run of the suite (all drills run in one failsafe
			// JVM)
			Drills.write(results, HEADER);
			tableStarted = true;
		}
		Drills.append(results, verdict.row() + "\n");
		Drills.log("RESULT\n" + HEADER + verdict.row());
		Snapshot last = verdict.last();
		Drills.log("over-issue detail: " + last.overDetail());
		if (last.lost() > 0) {
			Drills.log("lost coupons (sample): " + last.lostSample());
		}
		if (last.reconciliation().agree() != null) {
			Drills.log("reconciliation: " + last.reconciliation().body());
		}
	}

}
