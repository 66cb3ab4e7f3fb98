package dev.coupongateway.rehearsal;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a rehearsal left in its output directory (the contract with
 * {@code bench/rehearsal.sh}), read with bounded memory: people.log is streamed and each
 * person kept as a few primitives.
 */
final class RehearsalInput {

	/** A person's outcome that is not an HTTP status. */
	static final int GAVE_UP = -1;

	/**
	 * A person's outcome that is neither a status nor "gaveup" (an error the script
	 * named).
	 */
	static final int OTHER = -2;

	static final long NONE = Long.MIN_VALUE;

	private static final JsonMapper JSON = JsonMapper.builder().build();

	final Stores stores;

	/** Stored rows per user, from coupons.csv. */
	final Map<String, Integer> rowsByUser;

	final int rows;

	/**
	 * Rows per epoch second, by stored_at (else issued_at), when coupons.csv has a
	 * readable time.
	 */
	final TreeMap<Long, Integer> rowsPerSecond;

	final People people;

	final BotTotals bots;

	final Timeline timeline;

	/** admissions.csv, or null when absent. */
	final Admissions admissions;

	/** k6-summary.json, or null when absent. */
	final JsonNode k6Summary;

	final boolean k6Dashboard;

	/** Lines of people.log that held no person or bot object. */
	final int unreadLines;

	private RehearsalInput(Stores stores, Map<String, Integer> rowsByUser, int rows,
			TreeMap<Long, Integer> rowsPerSecond, People people, BotTotals bots, Timeline timeline,
			Admissions admissions, JsonNode k6Summary, boolean k6Dashboard, int unreadLines) {
		this.stores = stores;
		this.rowsByUser = rowsByUser;
		this.rows = rows;
		this.rowsPerSecond = rowsPerSecond;
		this.people = people;
		this.bots = bots;
		this.timeline = timeline;
		this.admissions = admissions;
		this.k6Summary = k6Summary;
		this.k6Dashboard = k6Dashboard;
		this.unreadLines = unreadLines;
	}

	static RehearsalInput read(Path out) throws IOException {
		Stores stores = Stores.read(JSON.readTree(out.resolve("stores.json").toFile()));
		Map<String, Integer> rowsByUser = new HashMap<>();
		TreeMap<Long, Integer> rowsPerSecond = new TreeMap<>();
		int rows = readCoupons(out.resolve("coupons.csv"), rowsByUser, rowsPerSecond);
		People people = new People(rowsByUser);
		BotTotals bots = new BotTotals();
		Timeline timeline = new Timeline();
		int unread = readPeople(out.resolve("people.log"), people, bots, timeline);
		Path admissions = out.resolve("admissions.csv");
		Path k6 = out.resolve("k6-summary.json");
		return new RehearsalInput(stores, rowsByUser, rows, rowsPerSecond, people, bots, timeline,
				Files.exists(admissions) ? Admissions.read(admissions) : null,
				Files.exists(k6) ? JSON.readTree(k6.toFile()) : null, Files.exists(out.resolve("k6-dashboard.html")),
				unread);
	}

	private static int readCoupons(Path csv, Map<String, Integer> rowsByUser, TreeMap<Long, Integer> perSecond)
			throws IOException {
		int rows = 0;
		try (BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
			String header = reader.readLine();
			List<String> names = (header != null) ? Arrays.asList(splitCsv(header)) : List.of();
			int user = Math.max(0, names.indexOf("user_id"));
			// when the row was stored, if the dump says; else when it was issued
			int issued = (names.indexOf("stored_at") >= 0) ? names.indexOf("stored_at") : names.indexOf("issued_at");
			for (String line = reader.readLine(); line != null; line = reader.readLine()) {
				if (line.isBlank()) {
					continue;
				}
				String[] cells = splitCsv(line);
				rows++;
				rowsByUser.merge(cells[user], 1, Integer::sum);
				long at = (issued >= 0 && issued < cells.length) ? epochMillis(cells[issued]) : NONE;
				if (at != NONE) {
					perSecond.merge(Math.floorDiv(at, 1000), 1, Integer::sum);
				}
			}
		}
		return rows;
	}

	private static String[] splitCsv(String line) {
		String[] cells = line.split(",", -1);
		for (int i = 0; i < cells.length; i++) {
			String cell = cells[i].trim();
			if (cell.length() >= 2 && cell.startsWith("\"") && cell.endsWith("\"")) {
				cell = cell.substring(1, cell.length() - 1).replace("\"\"", "\"");
			}
			cells[i] = cell;
		}
		return cells;
	}

	private static final DateTimeFormatter POSTGRES_TIME = new DateTimeFormatterBuilder()
		.append(DateTimeFormatter.ISO_LOCAL_DATE)
		.appendLiteral(' ')
		.append(DateTimeFormatter.ISO_LOCAL_TIME)
		.optionalStart()
		.appendOffset("+HH:mm", "Z")
		.optionalEnd()
		.optionalStart()
		.appendOffset("+HH", "Z")
		.optionalEnd()
		.parseDefaulting(ChronoField.OFFSET_SECONDS, 0)
		.toFormatter();

	/**
	 * An issued_at cell as epoch ms: a number, an ISO instant, or PostgreSQL's text form;
	 * else NONE.
	 */
	static long epochMillis(String cell) {
		if (cell.isEmpty()) {
			return NONE;
		}
		try {
			return (long) Double.parseDouble(cell);
		}
		catch (NumberFormatException ex) {
			// not a number: try the time forms below
		}
		try {
			return Instant.parse(cell).toEpochMilli();
		}
		catch (RuntimeException ex) {
			// not an ISO instant
		}
		try {
			return OffsetDateTime.parse(cell, POSTGRES_TIME).toInstant().toEpochMilli();
		}
		catch (RuntimeException ex) {
			return NONE;
		}
	}

	private static int readPeople(Path log, People people, BotTotals bots, Timeline timeline) throws IOException {
		int unread = 0;
		try (BufferedReader reader = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
			for (String line = reader.readLine(); line != null; line = reader.readLine()) {
				JsonNode record = record(line);
				if (record == null) {
					if (!line.isBlank()) {
						unread++;
					}
				}
				else if (record.path("bot").asBoolean(false)) {
					bots.add(record, timeline);
				}
				else {
					people.add(record, timeline);
				}
			}
		}
		return unread;
	}

	/**
	 * The person or bot object on one line of k6's console output: the line itself, or
	 * the {@code msg="..."} of k6's logfmt prefix (unescaped), or the {@code msg} of its
	 * JSON log format.
	 */
	static JsonNode record(String line) {
		String text = line.strip();
		int msg = text.indexOf("msg=\"");
		if (msg >= 0) {
			text = unquote(text, msg + 5);
		}
		else {
			int open = text.indexOf('{');
			int close = text.lastIndexOf('}');
			if (open < 0 || close < open) {
				return null;
			}
			text = text.substring(open, close + 1);
		}
		JsonNode node = parse(text);
		if (node != null && !node.has("p") && node.path("msg").isString()) {
			node = parse(node.path("msg").asString());
		}
		return (node != null && node.isObject() && node.has("p")) ? node : null;
	}

	private static JsonNode parse(String text) {
		try {
			return JSON.readTree(text);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	/**
	 * The logfmt quoted value starting at {@code from} (just after its opening quote),
	 * unescaped.
	 */
	private static String unquote(String text, int from) {
		StringBuilder value = new StringBuilder(text.length() - from);
		for (int i = from; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '"') {
				break;
			}
			if (c == '\\' && i + 1 < text.length()) {
				char next = text.charAt(++i);
				switch (next) {
					case 'n' -> value.append('\n');
					case 't' -> value.append('\t');
					case 'r' -> value.append('\r');
					case 'u' -> {
						value.append((char) Integer.parseInt(text.substring(i + 1, i + 5), 16));
						i += 4;
					}
					default -> value.append(next);
				}
			}
			else {
				value.append(c);
			}
		}
		return value.toString();
	}

	static boolean isGrant(int status) {
		return status == 201 || status == 202;
	}

	/** A person's outcome field: an HTTP status, {@link #GAVE_UP}, or {@link #OTHER}. */
	static int outcome(JsonNode outcome) {
		if (outcome.isNumber()) {
			return outcome.asInt();
		}
		String text = outcome.asString("");
		if (text.matches("\\d{3}")) {
			return Integer.parseInt(text);
		}
		return "gaveup".equalsIgnoreCase(text) ? GAVE_UP : OTHER;
	}

	/**
	 * stores.json: what PostgreSQL and Redis hold after the sale, and the run's
	 * parameters.
	 */
	record Stores(String campaign, long stock, int limit, long rows, int perUserMax, Map<String, Integer> rowsByUser,
			long grantedInRedis, long firstRowAt, long lastRowAt, long lastRowStoredAt, long conflicts,
			String faultKind, long faultAt, long saleOpenedAt, List<String> gateways, boolean waitingRoom, int buckets,
			Boolean rateLimits) {

		static Stores read(JsonNode json) {
			Map<String, Integer> above = new LinkedHashMap<>();
			json.path("rowsByUser")
				.properties()
				.forEach((entry) -> above.put(entry.getKey(), entry.getValue().asInt()));
			List<String> gateways = new ArrayList<>();
			json.path("gateways")
				.forEach((gateway) -> gateways.add(gateway.isString() ? gateway.asString() : gateway.toString()));
			JsonNode fault = json.path("fault");
			return new Stores(json.path("campaign").asString(""), json.path("stock").asLong(-1),
					json.path("limit").asInt(1), json.path("rows").asLong(-1), json.path("perUserMax").asInt(-1), above,
					json.path("grantedInRedis").asLong(-1), time(json.path("firstRowAt")), time(json.path("lastRowAt")),
					time(json.path("lastRowStoredAt")), json.path("conflicts").asLong(0),
					fault.path("kind").asString("none"), time(fault.path("at")), time(json.path("saleOpenedAt")),
					gateways, json.path("waitingRoom").asBoolean(false), json.path("buckets").asInt(1),
					json.has("rateLimits") ? json.path("rateLimits").asBoolean() : null);
		}

		private static long time(JsonNode node) {
			if (node.isNumber()) {
				return node.asLong();
			}
			return node.isString() ? epochMillis(node.asString()) : NONE;
		}

	}

	/**
	 * Every person as primitives (about 40 bytes each): arrival, the answer time of their
	 * first grant, the end, their outcome and their tries. The ids of those answered a
	 * grant are kept for the join with the stored rows (at most about the stock of them).
	 */
	static final class People {

		int size;

		long[] arrive = new long[1024];

		/** When the first grant answer arrived (sent + latency), or NONE. */
		long[] grantAt = new long[1024];

		/** When the person stopped trying: end, or the last try's answer. */
		long[] end = new long[1024];

		int[] outcome = new int[1024];

		int[] tries = new int[1024];

		/** The first 410 answer (sent + latency), or NONE. */
		long firstSoldOut = NONE;

		/** For people with a row but no grant answer: how many, by their outcome. */
		final Map<Integer, Long> rowWithoutGrantByOutcome = new TreeMap<>();

		private final Map<String, Integer> rowsByUser;

		People(Map<String, Integer> rowsByUser) {
			this.rowsByUser = rowsByUser;
		}

		/**
		 * Grants each person knows they hold (answered, or learned after a lost answer),
		 * for people holding at least one.
		 */
		final Map<String, Integer> grantsById = new HashMap<>();

		/** Grants answered 201 or 202. */
		long grantAnswers;

		/**
		 * Grants the people know of: answered, learned on a retry, found on their page.
		 */
		long knownGrants;

		/**
		 * People whose grant answer was lost and a later try's 409 listed their coupon.
		 */
		long learnedOnRetry;

		/**
		 * People whose grant answer was lost, who left without one and found the coupon
		 * on their coupons page.
		 */
		long foundOnPage;

		void add(JsonNode person, Timeline timeline) {
			grow();
			int i = this.size++;
			JsonNode tryList = person.path("tries");
			long arrive = person.path("arrive").asLong(NONE);
			long lastAnswer = NONE;
			long grantAt = NONE;
			int grants = 0;
			for (JsonNode attempt : tryList) {
				long sent = attempt.path(0).asLong();
				int status = attempt.path(1).asInt();
				long latency = attempt.path(2).asLong();
				long answered = sent + latency;
				timeline.answer(sent, status, latency);
				lastAnswer = Math.max(lastAnswer, answered);
				if (arrive == NONE || sent < arrive) {
					arrive = sent;
				}
				if (status == 410) {
					this.firstSoldOut = (this.firstSoldOut == NONE) ? answered : Math.min(this.firstSoldOut, answered);
				}
				if (isGrant(status)) {
					grants++;
					timeline.grant(answered, false);
					grantAt = (grantAt == NONE) ? answered : Math.min(grantAt, answered);
				}
			}
			if (arrive == NONE) {
				arrive = person.path("end").asLong(NONE);
			}
			if (arrive == NONE) {
				// nothing to place in time: the person never sent a request
				this.size--;
				return;
			}
			timeline.arrival(arrive);
			this.arrive[i] = arrive;
			this.grantAt[i] = grantAt;
			this.end[i] = Math.max(person.path("end").asLong(NONE), lastAnswer);
			this.outcome[i] = outcome(person.path("outcome"));
			this.tries[i] = tryList.size();
			// what the person knows they hold: the grants answered, or, when an earlier
			// try's
			// answer was lost (a 503 or no answer after the script ran), what
			// ALREADY_ISSUED
			// listed on a later try or their coupons page showed when they left
			int held = person.path("held").asInt(0);
			int mine = person.path("mine").asInt(0);
			int known = Math.max(grants, Math.max(held, mine));
			if (grants == 0 && known > 0) {
				if (held > 0) {
					this.learnedOnRetry++;
					grantAt = lastAnswer;
				}
				else {
					this.foundOnPage++;
					grantAt = person.path("mineAt").asLong(lastAnswer);
				}
				this.grantAt[i] = grantAt;
			}
			if (known > 0) {
				this.grantsById.merge(person.path("p").asString(), known, Integer::sum);
				this.grantAnswers += grants;
				this.knownGrants += known;
			}
			else if (this.rowsByUser.containsKey(person.path("p").asString())) {
				this.rowWithoutGrantByOutcome.merge(this.outcome[i], 1L, Long::sum);
			}
		}

		private void grow() {
			if (this.size == this.arrive.length) {
				int length = this.arrive.length * 2;
				this.arrive = Arrays.copyOf(this.arrive, length);
				this.grantAt = Arrays.copyOf(this.grantAt, length);
				this.end = Arrays.copyOf(this.end, length);
				this.outcome = Arrays.copyOf(this.outcome, length);
				this.tries = Arrays.copyOf(this.tries, length);
			}
		}

		boolean won(int i) {
			return this.grantAt[i] != NONE;
		}

	}

	/** The bots' lines, summed, and their grants per bot id. */
	static final class BotTotals {

		int identities;

		long requests;

		final Map<Integer, Long> byStatus = new TreeMap<>();

		final Map<String, Integer> grantsById = new HashMap<>();

		/** Grants answered 201 or 202. */
		long grantAnswers;

		/** Grants the bots hold: answered, or listed on their coupons page at the end. */
		long knownGrants;

		/** The last grant answered to a bot, or NONE. */
		long lastGrant = NONE;

		void add(JsonNode bot, Timeline timeline) {
			this.identities++;
			this.requests += bot.path("requests").asLong();
			bot.path("byStatus").properties().forEach((entry) -> {
				int status = entry.getKey().matches("\\d+") ? Integer.parseInt(entry.getKey()) : 0;
				this.byStatus.merge(status, entry.getValue().asLong(), Long::sum);
			});
			int grants = 0;
			for (JsonNode at : bot.path("grants")) {
				timeline.grant(at.asLong(), true);
				this.lastGrant = Math.max(this.lastGrant, at.asLong());
				grants++;
			}
			if (grants == 0) {
				grants = (int) (this.byStatusOf(bot, 201) + this.byStatusOf(bot, 202));
			}
			this.grantAnswers += grants;
			// a bot whose grant answer was lost still holds the coupon: its coupons page
			// says
			int known = Math.max(grants, bot.path("mine").asInt(0));
			this.knownGrants += known;
			if (known > 0) {
				this.grantsById.merge(bot.path("p").asString(), known, Integer::sum);
			}
		}

		private long byStatusOf(JsonNode bot, int status) {
			return bot.path("byStatus").path(Integer.toString(status)).asLong(0);
		}

	}

	/**
	 * admissions.csv: each user's join and admission (NONE when never admitted), in file
	 * order.
	 */
	static final class Admissions {

		int size;

		long[] joined = new long[1024];

		long[] admitted = new long[1024];

		static Admissions read(Path csv) throws IOException {
			Admissions admissions = new Admissions();
			try (BufferedReader reader = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
				String header = reader.readLine();
				List<String> names = (header != null) ? Arrays.asList(splitCsv(header)) : List.of();
				// the join order: when each joined, or their place in the line (the
				// rehearsal's admissions.csv)
				int joined = Math.max(0,
						(names.indexOf("joined_ms") >= 0) ? names.indexOf("joined_ms") : names.indexOf("place"));
				int admitted = (names.indexOf("admitted_ms") >= 0) ? names.indexOf("admitted_ms") : 2;
				for (String line = reader.readLine(); line != null; line = reader.readLine()) {
					String[] cells = splitCsv(line);
					if (line.isBlank() || cells.length <= joined) {
						continue;
					}
					admissions.add(epochMillis(cells[joined]),
							(cells.length > admitted) ? epochMillis(cells[admitted]) : NONE);
				}
			}
			return admissions;
		}

		void add(long joined, long admitted) {
			if (joined == NONE) {
				return;
			}
			if (this.size == this.joined.length) {
				this.joined = Arrays.copyOf(this.joined, this.size * 2);
				this.admitted = Arrays.copyOf(this.admitted, this.size * 2);
			}
			this.joined[this.size] = joined;
			this.admitted[this.size++] = admitted;
		}

	}

}
