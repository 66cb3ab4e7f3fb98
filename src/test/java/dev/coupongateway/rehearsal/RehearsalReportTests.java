package dev.coupongateway.rehearsal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.coupongateway.rehearsal.RehearsalMetrics.Summary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

/**
 * The rehearsal report's arithmetic on a hand-made output directory whose figures are
 * worked out by hand: stock 4, limit 1, seven people who matter, thirty late arrivals,
 * one bot.
 */
class RehearsalReportTests {

	private static final long OPEN = 1_764_700_000_000L;

	private final JsonMapper json = JsonMapper.builder().build();

	@TempDir
	Path out;

	@Test
	void anExactSaleIsReportedWithItsInversionsAndShares() throws IOException {
		writeRun(rows("person-1", "person-3", "person-4", "bot-1"), null);

		Summary summary = report();

		assertThat(summary.exactness().violations()).isEmpty();
		assertThat(summary.exactness().exact()).isTrue();
		assertThat(summary.exactness().answeredGrants()).isEqualTo(4);
		assertThat(summary.exactness().peopleGrants()).isEqualTo(3);
		assertThat(summary.exactness().botGrants()).isEqualTo(1);
		assertThat(summary.run().people()).isEqualTo(37);
		assertThat(summary.run().unreadLogLines()).as("the k6 banner line").isEqualTo(1);
		// person-1 inverts nobody; person-3 (arrived 200, granted at 250) overtook
		// person-7 (arrived 20,
		// trying until 1040): 180; person-4 (arrived 400, granted at 430) overtook
		// person-7 too: 380.
		// person-5 (arrived 50) was still trying at 250 and 430 but came after person-7.
		assertThat(RehearsalMetrics.inversions(input().people)).containsExactlyInAnyOrder(0L, 180L, 380L);
		assertThat(summary.fairness().worstInversionMs()).isEqualTo(380);
		assertThat(summary.fairness().p99InversionMs()).isEqualTo(380);
		assertThat(summary.fairness().p50InversionMs()).isEqualTo(180);
		assertThat(summary.fairness().invertingWinners()).isEqualTo(2);
		// the first four arrivals: person-1 (0), person-7 (20), person-5 (50), person-2
		// (100); one won,
		// of four coupons answered
		assertThat(summary.fairness().firstArrivals()).isEqualTo(4);
		assertThat(summary.fairness().firstArrivalsWon()).isEqualTo(1);
		assertThat(summary.fairness().shareToFirstArrivals()).isEqualTo(0.25);
		assertThat(summary.fairness().winners()).isEqualTo(3);
		assertThat(summary.fairness().leftWithNothing()).isEqualTo(34);
		assertThat(summary.fairness().gaveUp()).isEqualTo(1);
		assertThat(summary.fairness().leftWithNothingBeforeLastWinner()).isEqualTo(3);
		assertThat(summary.fairness().winnerArrivalMs().max()).isEqualTo(400);
		assertThat(summary.fairness().leftWithNothingArrivalMs().min()).isEqualTo(20);
		// 41 people's requests and 20 of the bot; 1 of the 4 coupons to the bot
		assertThat(summary.bots().shareOfRequests()).isCloseTo(20.0 / 61, within(1e-9));
		assertThat(summary.bots().shareOfCoupons()).isEqualTo(0.25);
		assertThat(summary.bots().byStatus()).containsEntry(429, 19L).containsEntry(201, 1L);
		assertThat(summary.sale().requests()).isEqualTo(41);
		assertThat(summary.sale().byStatus()).containsEntry(201, 2L)
			.containsEntry(202, 1L)
			.containsEntry(503, 4L)
			.containsEntry(410, 33L)
			.containsEntry(0, 1L);
		assertThat(summary.sale().shed503()).isEqualTo(4);
		assertThat(summary.sale().soldOut()).isTrue();
		// person-2 heard the first 410 at 320 (it raced person-4's grant on another
		// bucket, say)
		assertThat(summary.sale().soldOutAfterMs()).isEqualTo(320);
		assertThat(summary.sale().lastGrantAfterMs()).isEqualTo(430);
		assertThat(summary.sale().lastRowStoredAfterMs()).isEqualTo(900);
		assertThat(summary.timeline()).first().satisfies((second) -> {
			assertThat(second.atMs()).isZero();
			assertThat(second.arrivals()).isEqualTo(7);
			assertThat(second.grants()).isEqualTo(3);
			assertThat(second.botGrants()).isEqualTo(1);
			assertThat(second.rows()).isEqualTo(4);
		});

		String html = Files.readString(this.out.resolve("report.html"));
		assertThat(html).contains("<svg", "<title", "<th scope=\"col\">", "How to read this")
			.doesNotContain("<script", "src=\"http", "href=\"http");
		JsonNode written = this.json.readTree(this.out.resolve("summary.json").toFile());
		assertThat(written.path("fairness").path("worstInversionMs").asLong()).isEqualTo(380);
	}

	@Test
	void aGrantAnsweredWithoutARowIsLost() throws IOException {
		writeRun(rows("person-1", "person-3", "bot-1"), null);

		Summary summary = report();

		assertThat(summary.exactness().exact()).isFalse();
		assertThat(summary.exactness().lost()).isEqualTo(1);
		assertThat(summary.exactness().violations())
			.anySatisfy((violation) -> assertThat(violation).contains("(lost)").contains("person-4"))
			.anySatisfy((violation) -> assertThat(violation)
				.contains("grants the clients know they hold (4) != stored rows (3)"));
	}

	@Test
	void aGrantWhoseAnswerWasLostIsHeldWhenA409OrTheCouponsPageShowsIt() throws IOException {
		// person-8: its first try granted, answered 503 (Redis could not say), the
		// retry's
		// 409 lists the coupon; person-9 gave up after a 503 and found the coupon on its
		// page; bot-2's answer was lost, its page lists one; person-10 gave up and holds
		// nothing
		List<String> more = List.of(person("\"held\":1,", 8, 700, "409", 900, "[700,503,5]", "[890,409,10]"),
				person("\"mine\":1,\"mineAt\":" + (OPEN + 940) + ",", 9, 710, "\"gaveup\"", 950, "[710,503,5]"),
				person("\"mine\":0,", 10, 720, "\"gaveup\"", 960, "[720,503,5]"),
				"{\"p\":\"bot-2\",\"bot\":true,\"requests\":3,\"byStatus\":{\"503\":1,\"409\":2},\"grants\":[],\"mine\":1}");
		writeRun(rows("person-1", "person-3", "person-4", "bot-1", "person-8", "person-9", "bot-2"), null, more, 7);

		Summary summary = report();

		assertThat(summary.exactness().violations()).isEmpty();
		assertThat(summary.exactness().exact()).isTrue();
		assertThat(summary.exactness().answeredGrants()).isEqualTo(7);
		assertThat(summary.exactness().answered201or202()).isEqualTo(4);
		assertThat(summary.exactness().learnedOnRetry()).isEqualTo(1);
		assertThat(summary.exactness().foundOnPage()).isEqualTo(1);
		assertThat(summary.exactness().botGrants()).isEqualTo(2);
	}

	@Test
	void aUserAboveTheLimitAndARowNeverAnsweredAreViolations() throws IOException {
		writeRun(rows("person-1", "person-1", "person-3", "person-4", "bot-1", "person-6"), null);

		Summary summary = report();

		assertThat(summary.exactness().exact()).isFalse();
		assertThat(summary.exactness().perUserMax()).isEqualTo(2);
		assertThat(summary.exactness().usersAboveLimit()).isEqualTo(1);
		assertThat(summary.exactness().rowsNeverAnswered()).isEqualTo(2);
		assertThat(summary.exactness().rowsNeverAnsweredByLastAnswer()).containsExactly(entry(410, 1L));
		assertThat(summary.exactness().violations())
			.anySatisfy(
					(violation) -> assertThat(violation).contains("above the limit of 1").contains("person-1 (2 rows)"))
			.anySatisfy((violation) -> assertThat(violation).contains("never learned of").contains("person-6"))
			.anySatisfy((violation) -> assertThat(violation).contains("stored rows (6) > stock (4)"));
	}

	@Test
	void admissionsAreComparedWithJoinOrder() throws IOException {
		// u3 was admitted 10 ms before u2, who joined earlier; u5 was admitted while u4,
		// who joined
		// earlier, never was
		writeRun(rows("person-1", "person-3", "person-4", "bot-1"),
				List.of("user_id,joined_ms,admitted_ms", "u1," + (OPEN) + "," + (OPEN + 10),
						"u2," + (OPEN + 5) + "," + (OPEN + 30), "u3," + (OPEN + 7) + "," + (OPEN + 20),
						"u4," + (OPEN + 9) + ",", "u5," + (OPEN + 12) + "," + (OPEN + 40)));

		Summary summary = report();

		assertThat(summary.waitingRoom().joined()).isEqualTo(5);
		assertThat(summary.waitingRoom().admitted()).isEqualTo(4);
		assertThat(summary.waitingRoom().admittedOutOfOrder()).isEqualTo(2);
		assertThat(summary.waitingRoom().worstAheadMs()).isEqualTo(10);
	}

	@Test
	void aPersonIsReadFromK6sLogPrefixAndFromItsJsonLogFormat() {
		String object = "{\"p\":\"person-9\",\"bot\":false,\"outcome\":\"gaveup\"}";
		String logfmt = "time=\"2026-12-03T19:00:00Z\" level=info msg=\"" + object.replace("\"", "\\\"")
				+ "\" source=console";
		String jsonLog = "{\"level\":\"info\",\"msg\":\"" + object.replace("\"", "\\\"") + "\",\"source\":\"console\"}";

		for (String line : List.of(object, logfmt, jsonLog)) {
			JsonNode record = RehearsalInput.record(line);
			assertThat(record).as(line).isNotNull();
			assertThat(record.path("p").asString()).isEqualTo("person-9");
			assertThat(RehearsalInput.outcome(record.path("outcome"))).isEqualTo(RehearsalInput.GAVE_UP);
		}
		assertThat(RehearsalInput.record("          /\\      |‾‾| /‾‾/   /‾‾/")).isNull();
	}

	private Summary report() throws IOException {
		ByteArrayOutputStream console = new ByteArrayOutputStream();
		return RehearsalReport.write(this.out, new PrintStream(console, true, StandardCharsets.UTF_8));
	}

	private RehearsalInput input() throws IOException {
		return RehearsalInput.read(this.out);
	}

	private void writeRun(List<String> coupons, List<String> admissions) throws IOException {
		writeRun(coupons, admissions, List.of(), 4);
	}

	private void writeRun(List<String> coupons, List<String> admissions, List<String> more, int stock)
			throws IOException {
		List<String> log = new ArrayList<>(more);
		log.add("          /\\      |‾‾| /‾‾/   /‾‾/   ");
		log.add(person(1, 0, "201", 0, "[0,201,10]"));
		log.add(person(2, 100, "410", 320, "[100,503,5]", "[300,410,20]"));
		log.add(person(3, 200, "201", 250, "[200,201,50]"));
		log.add(person(4, 400, "202", 430, "[400,202,30]"));
		log.add(person(5, 50, "410", 460, "[50,503,5]", "[150,503,5]", "[450,410,10]"));
		log.add(person(6, 600, "410", 605, "[600,410,5]"));
		log.add(person(7, 20, "\"gaveup\"", 1040, "[20,503,5]", "[40,0,1000]"));
		for (int late = 0; late < 30; late++) {
			int at = 1000 + 10 * late;
			log.add(person(100 + late, at, "410", at + 3, "[" + at + ",410,3]"));
		}
		log.add(logfmt("{\"p\":\"bot-1\",\"bot\":true,\"requests\":20,\"byStatus\":{\"201\":1,\"429\":19},\"grants\":["
				+ (OPEN + 15) + "]}"));
		Files.write(this.out.resolve("people.log"), log);
		Files.write(this.out.resolve("coupons.csv"), coupons);
		if (admissions != null) {
			Files.write(this.out.resolve("admissions.csv"), admissions);
		}
		Files.writeString(this.out.resolve("stores.json"),
				"{\"campaign\":\"rehearsal-1\",\"stock\":" + stock + ",\"limit\":1," + "\"rows\":"
						+ (coupons.size() - 1) + ",\"perUserMax\":1,\"rowsByUser\":{},\"grantedInRedis\":"
						+ (coupons.size() - 1) + ",\"firstRowAt\":" + (OPEN + 100) + ",\"lastRowAt\":" + (OPEN + 800)
						+ ",\"lastRowStoredAt\":" + (OPEN + 900)
						+ ",\"conflicts\":0,\"fault\":{\"kind\":\"none\",\"at\":null}," + "\"saleOpenedAt\":" + OPEN
						+ ",\"gateways\":[\"g1\",\"g2\",\"g3\"],\"waitingRoom\":" + (admissions != null) + "}");
	}

	/**
	 * A person's line; times are ms after the sale opened, tries [sent, status, latency].
	 */
	private static String person(int id, long arrive, String outcome, long end, String... tries) {
		return person("", id, arrive, outcome, end, tries);
	}

	/**
	 * A person's line with more fields ({@code fields}: JSON members, each ending in a
	 * comma).
	 */
	private static String person(String fields, int id, long arrive, String outcome, long end, String... tries) {
		StringBuilder list = new StringBuilder();
		for (String attempt : tries) {
			String[] parts = attempt.substring(1, attempt.length() - 1).split(",");
			list.append((list.length() > 0) ? "," : "")
				.append('[')
				.append(OPEN + Long.parseLong(parts[0]))
				.append(',')
				.append(parts[1])
				.append(',')
				.append(parts[2])
				.append(']');
		}
		String object = "{\"p\":\"person-" + id + "\",\"bot\":false,\"base\":1,\"arrive\":" + (OPEN + arrive)
				+ ",\"tries\":[" + list + "],\"outcome\":" + outcome + "," + fields + "\"end\":" + (OPEN + end) + "}";
		return (id % 2 == 1) ? object : logfmt(object);
	}

	private static String logfmt(String object) {
		return "time=\"2026-12-03T19:00:00Z\" level=info msg=\"" + object.replace("\\", "\\\\").replace("\"", "\\\"")
				+ "\" source=console";
	}

	/** coupons.csv with one row per user given (a user twice has two rows). */
	private static List<String> rows(String... users) {
		List<String> rows = new ArrayList<>();
		rows.add("user_id,coupon_id,sequence,issued_at");
		for (int i = 0; i < users.length; i++) {
			rows.add(users[i] + ",c-" + i + "," + (i + 1) + ",2025-12-02 18:26:40." + (100 + i) + "+00");
		}
		return rows;
	}

}
