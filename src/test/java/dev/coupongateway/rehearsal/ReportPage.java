package dev.coupongateway.rehearsal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import dev.coupongateway.rehearsal.Charts.Marker;
import dev.coupongateway.rehearsal.Charts.Series;
import dev.coupongateway.rehearsal.RehearsalInput.People;
import dev.coupongateway.rehearsal.RehearsalMetrics.SecondRow;
import dev.coupongateway.rehearsal.RehearsalMetrics.Summary;
import tools.jackson.databind.JsonNode;

import static dev.coupongateway.rehearsal.RehearsalInput.GAVE_UP;

/**
 * The rehearsal's report as one self-contained HTML page (inline SVG, no script, no
 * network).
 */
final class ReportPage {

	/** At most this many people are drawn in a scatter plot (every k-th person). */
	static final int POINTS = 3000;

	private final RehearsalInput input;

	private final Summary summary;

	private final long opened;

	private final StringBuilder html = new StringBuilder(1 << 16);

	private ReportPage(RehearsalInput input, Summary summary) {
		this.input = input;
		this.summary = summary;
		this.opened = RehearsalMetrics.opened(input);
	}

	static String render(RehearsalInput input, Summary summary) {
		return new ReportPage(input, summary).page();
	}

	private String page() {
		this.html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
			.append("<title>Rehearsal report: ")
			.append(escape(this.summary.run().campaign()))
			.append("</title>\n<style>")
			.append("body{font-family:sans-serif;max-width:960px;margin:1em auto;padding:0 1em;color:#222}")
			.append("table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.2em .6em;text-align:left}")
			.append("td.n{text-align:right}.ok{color:#1a7f37}.bad{color:#b00020;font-weight:bold}")
			.append(".how{background:#f4f6f8;padding:.5em .8em;border-left:4px solid #1b6ca8}svg{width:100%;height:auto}")
			.append("</style></head><body>\n");
		header();
		targets();
		parameters();
		exactness();
		fairness();
		waitingRoom();
		bots();
		overTime();
		k6();
		return this.html.append("</body></html>\n").toString();
	}

	private void header() {
		RehearsalMetrics.Exactness exactness = this.summary.exactness();
		this.html.append("<h1>Flash-sale rehearsal: ").append(escape(this.summary.run().campaign())).append("</h1>\n");
		this.html.append("<p>")
			.append(exactness.exact() ? "<span class=\"ok\">Exact</span>" : "<span class=\"bad\">NOT exact</span>")
			.append(": ")
			.append(count(exactness.answeredGrants()))
			.append(" grants the clients hold, ")
			.append(count(exactness.rows()))
			.append(" rows stored, stock ")
			.append(count(exactness.stock()))
			.append(". Worst inversion ")
			.append(ms(this.summary.fairness().worstInversionMs()))
			.append(", p99 ")
			.append(ms(this.summary.fairness().p99InversionMs()))
			.append(". Times are in seconds (or ms) since the sale opened. The figures also are in summary.json.</p>\n");
	}

	private void targets() {
		RehearsalMetrics.Fairness fairness = this.summary.fairness();
		RehearsalMetrics.WaitingRoom room = this.summary.waitingRoom();
		section("Targets",
				"Recorded against the issue's targets; they are not asserted anywhere, this page records them.");
		List<String[]> rows = new ArrayList<>();
		rows.add(row("exact (grants = rows <= stock, nobody above the limit, nothing lost)", "every run",
				this.summary.exactness().exact() ? "yes" : "no", this.summary.exactness().exact()));
		if (this.summary.run().waitingRoom()) {
			boolean inOrder = room != null && room.admittedOutOfOrder() == 0;
			rows.add(row("admitted in join order", "0 out of order",
					(room != null) ? count(room.admittedOutOfOrder()) + " out of order" : "no admissions.csv",
					inOrder));
			rows.add(row("inversions", "0", count(fairness.invertingWinners()) + " winners inverted",
					fairness.invertingWinners() == 0));
		}
		else {
			rows.add(
					row("p99 inversion", "under 1 s", ms(fairness.p99InversionMs()), fairness.p99InversionMs() < 1000));
		}
		double botShare = this.summary.bots().shareOfCoupons();
		if (Boolean.FALSE.equals(this.summary.run().rateLimits())) {
			rows.add(new String[] { "bots' share of the coupons (with rate limits on)", "under 1%",
					escape(percent(botShare) + ", rate limits off"), "not applicable" });
		}
		else {
			rows.add(row("bots' share of the coupons (with rate limits on)", "under 1%", percent(botShare),
					botShare < 0.01));
		}
		table(new String[] { "target", "wanted", "this run", "met" }, rows);
	}

	private String[] row(String what, String wanted, String got, boolean met) {
		return new String[] { escape(what), escape(wanted), escape(got),
				met ? "<span class=\"ok\">yes</span>" : "<span class=\"bad\">no</span>" };
	}

	private void parameters() {
		RehearsalMetrics.Run run = this.summary.run();
		section("The run", "What was sold to whom, on what, and which fault was injected.");
		List<String[]> rows = new ArrayList<>();
		rows.add(pair("campaign", run.campaign()));
		rows.add(pair("stock", count(run.stock())));
		rows.add(pair("limit per user", count(run.limit())));
		rows.add(pair("buckets", count(run.buckets())));
		rows.add(pair("rate limits", (run.rateLimits() == null) ? "not recorded" : run.rateLimits() ? "on" : "off"));
		rows.add(pair("people", count(run.people())));
		rows.add(pair("bot identities", count(run.bots())));
		rows.add(pair("gateways", String.join(", ", run.gateways())));
		rows.add(pair("waiting room", run.waitingRoom() ? "on" : "off"));
		rows.add(pair("fault", run.fault() + ((run.faultAtMs() != null) ? " at " + seconds(run.faultAtMs()) : "")));
		rows.add(pair("sale opened (epoch ms)", Long.toString(run.saleOpenedAt())));
		rows.add(pair("people.log lines not understood", count(run.unreadLogLines())));
		table(new String[] { "parameter", "value" }, rows);
	}

	private void exactness() {
		RehearsalMetrics.Exactness exactness = this.summary.exactness();
		section("Exactness", "Every grant the clients were answered (201 or 202, people and bots) must be exactly one "
				+ "stored row of that user (coupons.csv), no more rows than stock, nobody above the per-user limit. "
				+ "\"Lost\" is a user answered a grant without a row; a row never answered as a grant usually is a "
				+ "client that timed out or gave up while its grant was on its way.");
		List<String[]> rows = new ArrayList<>();
		rows.add(pair("grants the clients hold (people + bots)", count(exactness.answeredGrants()) + " ("
				+ count(exactness.peopleGrants()) + " + " + count(exactness.botGrants()) + ")"));
		rows.add(pair("... answered 201 or 202", count(exactness.answered201or202())));
		rows.add(pair("... answer lost (503 or no answer), a later try's 409 listed the coupon",
				count(exactness.learnedOnRetry())));
		rows.add(pair("... answer lost, found on the person's coupons page when they left",
				count(exactness.foundOnPage())));
		rows.add(pair("stored rows", count(exactness.rows())));
		rows.add(pair("stock", count(exactness.stock())));
		rows.add(pair("granted in Redis", count(exactness.grantedInRedis())));
		rows.add(pair("most rows of one user (limit)", exactness.perUserMax() + " (" + exactness.limit() + ")"));
		rows.add(pair("lost (held by the answers, no row)", count(exactness.lost())));
		rows.add(pair("rows the client never learned of", count(exactness.rowsNeverAnswered())));
		rows.add(pair("... by the person's last answer (-1 gave up, -2 other)",
				exactness.rowsNeverAnsweredByLastAnswer().toString()));
		rows.add(pair("users above the limit", count(exactness.usersAboveLimit())));
		rows.add(pair("conflicts the writer refused", count(exactness.conflicts())));
		table(new String[] { "figure", "value" }, rows);
		if (exactness.violations().isEmpty()) {
			this.html.append("<p class=\"ok\">No violation.</p>\n");
		}
		else {
			this.html.append("<p class=\"bad\">Violations:</p><ul>\n");
			exactness.violations()
				.forEach((violation) -> this.html.append("<li>").append(escape(violation)).append("</li>\n"));
			this.html.append("</ul>\n");
		}
	}

	private void fairness() {
		RehearsalMetrics.Fairness fairness = this.summary.fairness();
		section("Fairness", "First come, first served means the coupons go to the earliest arrivals (a person's first "
				+ "request). The share to the first arrivals counts the winners among the first \"stock\" people to "
				+ "arrive, over all grants. " + RehearsalMetrics.INVERSION
				+ " An inversion of 0 everywhere means nobody was served ahead of someone earlier still trying.");
		List<String[]> rows = new ArrayList<>();
		rows.add(pair("winners / left with nothing (of whom gave up)", count(fairness.winners()) + " / "
				+ count(fairness.leftWithNothing()) + " (" + count(fairness.gaveUp()) + ")"));
		rows.add(pair("winners' arrival: p50 / p99 / last", seconds(fairness.winnerArrivalMs().p50()) + " / "
				+ seconds(fairness.winnerArrivalMs().p99()) + " / " + seconds(fairness.winnerArrivalMs().max())));
		rows.add(pair("left with nothing, arrival: first / p1 / p50",
				seconds(fairness.leftWithNothingArrivalMs().min()) + " / "
						+ seconds(fairness.leftWithNothingArrivalMs().p1()) + " / "
						+ seconds(fairness.leftWithNothingArrivalMs().p50())));
		rows.add(pair("left with nothing although they arrived before the last winner",
				count(fairness.leftWithNothingBeforeLastWinner())));
		rows.add(pair("share of the coupons to the first " + count(fairness.firstArrivals()) + " arrivals",
				percent(fairness.shareToFirstArrivals()) + " (" + count(fairness.firstArrivalsWon()) + " won)"));
		rows.add(pair("winners who inverted someone", count(fairness.invertingWinners())));
		rows.add(pair("inversion: worst / p99 / p50 over winners", ms(fairness.worstInversionMs()) + " / "
				+ ms(fairness.p99InversionMs()) + " / " + ms(fairness.p50InversionMs())));
		table(new String[] { "figure", "value" }, rows);
		arrivalScatter();
		grantScatter();
	}

	private void arrivalScatter() {
		People people = this.input.people;
		int step = Math.max(1, (people.size + POINTS - 1) / POINTS);
		int n = (people.size + step - 1) / step;
		double[] x = new double[n];
		double[] y = new double[n];
		int[] group = new int[n];
		for (int k = 0, i = 0; i < people.size && k < n; i += step, k++) {
			x[k] = (people.arrive[i] - this.opened) / 1000.0;
			group[k] = people.won(i) ? 0 : (people.outcome[i] == 410) ? 1 : (people.outcome[i] == GAVE_UP) ? 2 : 3;
			y[k] = group[k];
		}
		List<String> lanes = List.of("won", "sold out (410)", "gave up", "other");
		this.html.append("<h3>Arrival against outcome</h3>\n")
			.append(Charts.scatter("arrival", "Arrival time against outcome",
					"Each dot is a person (every " + step + ". person drawn), placed by the second of their first "
							+ "request since the sale opened, in the lane of their outcome. Fair: the won lane ends "
							+ "before the others begin.",
					x, y, group, lanes, "first request, s since the sale opened", "outcome", lanes));
	}

	private void grantScatter() {
		People people = this.input.people;
		int winners = (int) this.summary.fairness().winners();
		int step = Math.max(1, (winners + POINTS - 1) / POINTS);
		List<double[]> points = new ArrayList<>();
		for (int i = 0, w = 0; i < people.size; i++) {
			if (people.won(i) && (w++ % step == 0)) {
				points.add(new double[] { (people.arrive[i] - this.opened) / 1000.0,
						(people.grantAt[i] - this.opened) / 1000.0 });
			}
		}
		double[] x = points.stream().mapToDouble((point) -> point[0]).toArray();
		double[] y = points.stream().mapToDouble((point) -> point[1]).toArray();
		this.html.append("<h3>Winners: arrival against grant</h3>\n")
			.append(Charts.scatter("grants", "Winners' arrival against the time of their grant",
					"Each dot is a winner (every " + step + ". drawn): first request (x) against the grant answer (y),"
							+ " both in seconds since the sale opened. A rising band means served in arrival order.",
					x, y, new int[x.length], List.of("winner"), "first request, s", "grant answered, s", null));
	}

	private void waitingRoom() {
		RehearsalMetrics.WaitingRoom room = this.summary.waitingRoom();
		if (!this.summary.run().waitingRoom() && room == null) {
			return;
		}
		section("Waiting room", "Admissions (admissions.csv) against join order: an admission is out of order when "
				+ "someone who joined earlier was admitted later or never; \"ahead by\" is the largest gap between "
				+ "such an admission and the later admission of the earlier joiner.");
		if (room == null) {
			this.html.append("<p>No admissions.csv in this run: admission order was not recorded.</p>\n");
			return;
		}
		table(new String[] { "figure", "value" },
				List.of(pair("joined", count(room.joined())), pair("admitted", count(room.admitted())),
						pair("admitted out of join order", count(room.admittedOutOfOrder())),
						pair("worst ahead by", ms(room.worstAheadMs()))));
	}

	private void bots() {
		RehearsalMetrics.BotFigures bots = this.summary.bots();
		section("Bots", "Bot identities hammer the claim route; with rate limits on they should be answered 429 and "
				+ "win under 1% of the coupons.");
		List<String[]> rows = new ArrayList<>();
		rows.add(pair("identities", count(bots.identities())));
		rows.add(pair("requests (share of all requests)",
				count(bots.requests()) + " (" + percent(bots.shareOfRequests()) + ")"));
		rows.add(pair("coupons (share of all grants)",
				count(bots.grants()) + " (" + percent(bots.shareOfCoupons()) + ")"));
		bots.byStatus().forEach((status, n) -> rows.add(pair("answered " + status, count(n))));
		table(new String[] { "figure", "value" }, rows);
	}

	private void overTime() {
		RehearsalMetrics.Sale sale = this.summary.sale();
		section("The sale over time", "Per second since the sale opened: people arriving, answers by status (by the "
				+ "second the request was sent), grants (by the second they were answered) and rows as the "
				+ "writers stored them, and the people's latency. 503 is shed load, 429 rate limiting, 410 sold "
				+ "out, 409 a repeat. Dashed lines: the fault and the sell-out.");
		List<String[]> rows = new ArrayList<>();
		rows.add(pair("requests (people)", count(sale.requests())));
		sale.byStatus().forEach((status, n) -> rows.add(pair("answered " + status, count(n))));
		rows.add(pair("shed (503) / rate-limited (429)", count(sale.shed503()) + " / " + count(sale.rateLimited429())));
		rows.add(pair("latency p50 / p99", ms(sale.p50LatencyMs()) + " / " + ms(sale.p99LatencyMs())));
		rows.add(pair("peak arrivals / grants a second",
				count(sale.peakArrivalsPerSecond()) + " / " + count(sale.peakGrantsPerSecond())));
		rows.add(pair("sold out after (the first 410)", seconds(sale.soldOutAfterMs())));
		rows.add(pair("last grant answered after", seconds(sale.lastGrantAfterMs())));
		rows.add(pair("last row stored after", seconds(sale.lastRowStoredAfterMs())));
		table(new String[] { "figure", "value" }, rows);
		charts();
	}

	private void charts() {
		List<SecondRow> seconds = this.summary.timeline();
		double[] x = seconds.stream().mapToDouble((row) -> row.atMs() / 1000.0).toArray();
		List<Marker> markers = markers();
		String xLabel = "s since the sale opened";
		this.html.append(Charts.line("arrivals", "Arrivals and requests a second",
				"People arriving (first request) and all people's requests, per second.", x,
				List.of(series("arrivals", seconds, SecondRow::arrivals),
						series("requests", seconds, SecondRow::requests)),
				xLabel, "per second", markers));
		TreeSet<Integer> statuses = new TreeSet<>();
		seconds.forEach((row) -> statuses.addAll(row.byStatus().keySet()));
		List<Series> byStatus = new ArrayList<>();
		for (int status : statuses) {
			byStatus.add(series(Integer.toString(status), seconds, (row) -> row.byStatus().getOrDefault(status, 0L)));
		}
		this.html.append(Charts.line("status", "Answers by status a second",
				"People's answers per second, one line per HTTP status (0: no answer).", x, byStatus, xLabel,
				"answers per second", markers));
		this.html.append(Charts.line("grantsps", "Grants and rows a second",
				"Grants answered to people and to bots, and rows stored by the writers (stored_at, else issued_at), per second.",
				x,
				List.of(series("grants to people", seconds, SecondRow::grants),
						series("grants to bots", seconds, SecondRow::botGrants),
						series("rows stored", seconds, SecondRow::rows)),
				xLabel, "per second", markers));
		this.html.append(
				Charts.line("latency", "Latency a second, p50 and p99",
						"The people's request latency per second of sending, median and 99th percentile, in ms.", x,
						List.of(series("p50", seconds, (row) -> Math.max(0, row.p50LatencyMs())),
								series("p99", seconds, (row) -> Math.max(0, row.p99LatencyMs()))),
						xLabel, "ms", markers));
	}

	private List<Marker> markers() {
		List<Marker> markers = new ArrayList<>();
		if (this.summary.run().faultAtMs() != null) {
			markers.add(new Marker(this.summary.run().faultAtMs() / 1000.0, "fault: " + this.summary.run().fault()));
		}
		if (this.summary.sale().soldOutAfterMs() != null) {
			markers.add(new Marker(this.summary.sale().soldOutAfterMs() / 1000.0, "sold out"));
		}
		return markers;
	}

	private static Series series(String name, List<SecondRow> seconds,
			java.util.function.ToLongFunction<SecondRow> value) {
		return new Series(name, seconds.stream().mapToDouble((row) -> value.applyAsLong(row)).toArray());
	}

	private void k6() {
		JsonNode k6 = this.input.k6Summary;
		if (k6 == null && !this.input.k6Dashboard) {
			return;
		}
		section("k6's own view", "k6's summary export, for comparison (k6 counts every request, bots included).");
		if (this.input.k6Dashboard) {
			this.html.append("<p><a href=\"k6-dashboard.html\">k6's web dashboard of this run</a></p>\n");
		}
		if (k6 != null) {
			List<String[]> rows = new ArrayList<>();
			for (Map.Entry<String, JsonNode> metric : k6.path("metrics").properties()) {
				StringBuilder values = new StringBuilder();
				metric.getValue().properties().forEach((value) -> {
					if (value.getValue().isNumber()) {
						values.append(value.getKey())
							.append('=')
							.append(String.format(Locale.ROOT, "%.2f", value.getValue().asDouble()))
							.append("  ");
					}
				});
				rows.add(pair(metric.getKey(), values.toString().trim()));
			}
			table(new String[] { "k6 metric", "values" }, rows);
		}
	}

	private void section(String title, String howToRead) {
		this.html.append("<h2>")
			.append(escape(title))
			.append("</h2>\n<p class=\"how\"><strong>How to read this:</strong> ")
			.append(escape(howToRead))
			.append("</p>\n");
	}

	private String[] pair(String name, String value) {
		return new String[] { escape(name), escape(value) };
	}

	/** Cells are already escaped (they may hold markup). */
	private void table(String[] headers, List<String[]> rows) {
		this.html.append("<table><thead><tr>");
		for (String header : headers) {
			this.html.append("<th scope=\"col\">").append(escape(header)).append("</th>");
		}
		this.html.append("</tr></thead><tbody>\n");
		for (String[] row : rows) {
			this.html.append("<tr><th scope=\"row\">").append(row[0]).append("</th>");
			for (int i = 1; i < row.length; i++) {
				this.html.append("<td>").append(row[i]).append("</td>");
			}
			this.html.append("</tr>\n");
		}
		this.html.append("</tbody></table>\n");
	}

	static String escape(String text) {
		if (text == null) {
			return "";
		}
		return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
	}

	private static String count(long value) {
		return String.format(Locale.ROOT, "%,d", value);
	}

	private static String percent(double share) {
		return String.format(Locale.ROOT, "%.2f%%", share * 100);
	}

	private static String ms(long value) {
		return String.format(Locale.ROOT, "%,d ms", value);
	}

	private static String seconds(Long ms) {
		return (ms == null) ? "-" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
	}

}
