package dev.coupongateway.rehearsal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.coupongateway.rehearsal.RehearsalInput.Admissions;
import dev.coupongateway.rehearsal.RehearsalInput.People;
import dev.coupongateway.rehearsal.RehearsalInput.Stores;

import static dev.coupongateway.rehearsal.RehearsalInput.GAVE_UP;
import static dev.coupongateway.rehearsal.RehearsalInput.NONE;

/**
 * The figures of a rehearsal, from the client's records (people.log) joined with the
 * stores (coupons.csv, stores.json), not from the gateway's counters.
 * <p>
 * <b>Inversion.</b> A winner W (answered a grant at {@code g_W}) inverts a person L who
 * left with nothing when L arrived first ({@code arrive_L < arrive_W}) and was still
 * trying when W's grant was answered ({@code arrive_L <= g_W <= end_L}, end being L's
 * last answer). The inversion is {@code arrive_W - arrive_L}: how much later W came. Each
 * winner is charged the largest inversion it caused (0 when none); the report gives the
 * worst and the p99 of that over all winners (people only). Since
 * {@code arrive_L < arrive_W <= g_W}, W's largest inversion is
 * {@code arrive_W - min arrive_L} over the losers with {@code end_L >= g_W}: a sweep over
 * grants in falling time that keeps the earliest arrival among losers whose end has been
 * passed, O(n log n) for the sorts.
 */
final class RehearsalMetrics {

	static final String INVERSION = "For each winner W (a grant answered at g_W) and each person L who left with nothing, "
			+ "arrived before W and was still trying at g_W (arrive_L <= g_W <= L's last answer): arrive_W - arrive_L. "
			+ "Each winner is charged its largest such gap (0 if none); worst and p99 are over the winners.";

	private static final int LISTED = 20;

	private RehearsalMetrics() {
	}

	static Summary compute(RehearsalInput input) {
		long opened = opened(input);
		return new Summary(run(input, opened), exactness(input), fairness(input, opened), admissions(input.admissions),
				bots(input), sale(input, opened), timeline(input, opened));
	}

	/** The sale's start: saleOpenedAt, else the first arrival. */
	static long opened(RehearsalInput input) {
		if (input.stores.saleOpenedAt() != NONE) {
			return input.stores.saleOpenedAt();
		}
		long first = Long.MAX_VALUE;
		for (int i = 0; i < input.people.size; i++) {
			first = Math.min(first, input.people.arrive[i]);
		}
		return (first == Long.MAX_VALUE) ? 0 : first;
	}

	private static Run run(RehearsalInput input, long opened) {
		Stores stores = input.stores;
		return new Run(stores.campaign(), stores.stock(), stores.limit(), stores.buckets(), input.people.size,
				input.bots.identities, stores.gateways(), stores.waitingRoom(), stores.rateLimits(), stores.faultKind(),
				since(stores.faultAt(), opened), stores.saleOpenedAt(), input.unreadLines);
	}

	static Exactness exactness(RehearsalInput input) {
		Stores stores = input.stores;
		// the grants the clients know they hold: answered 201/202, or (the answer of the
		// try that was granted lost to a 503 or a timeout) listed by a later try's 409 or
		// on their coupons page
		long answered = input.people.knownGrants + input.bots.knownGrants;
		List<String> violations = new ArrayList<>();
		if (answered != input.rows) {
			violations.add("grants the clients know they hold (" + answered + ") != stored rows (" + input.rows + ")");
		}
		if (stores.stock() >= 0 && input.rows > stores.stock()) {
			violations.add("stored rows (" + input.rows + ") > stock (" + stores.stock() + ")");
		}
		if (stores.stock() >= 0 && answered > stores.stock()) {
			violations.add("grants the clients hold (" + answered + ") > stock (" + stores.stock() + ")");
		}
		if (stores.rows() >= 0 && stores.rows() != input.rows) {
			violations.add("stores.json rows (" + stores.rows() + ") != coupons.csv rows (" + input.rows + ")");
		}
		if (stores.grantedInRedis() >= 0 && stores.grantedInRedis() != input.rows) {
			violations.add("granted in Redis (" + stores.grantedInRedis() + ") != stored rows (" + input.rows + ")");
		}
		Map<String, Integer> answeredByUser = new LinkedHashMap<>(input.people.grantsById);
		input.bots.grantsById.forEach((user, grants) -> answeredByUser.merge(user, grants, Integer::sum));
		List<String> lost = missing(answeredByUser, input.rowsByUser);
		List<String> unanswered = missing(input.rowsByUser, answeredByUser);
		listed(violations, lost, "answered a grant but has fewer rows than grants (lost)");
		listed(violations, unanswered,
				"has a stored row it never learned of (no grant answer, no 409 listing it, not on its coupons page)");
		List<String> above = new ArrayList<>();
		int perUserMax = 0;
		for (Map.Entry<String, Integer> user : input.rowsByUser.entrySet()) {
			perUserMax = Math.max(perUserMax, user.getValue());
			if (user.getValue() > stores.limit()) {
				above.add(user.getKey() + " (" + user.getValue() + " rows)");
			}
		}
		stores.rowsByUser().forEach((user, count) -> {
			if (count > stores.limit() && !input.rowsByUser.containsKey(user)) {
				above.add(user + " (" + count + " rows, stores.json)");
			}
		});
		answeredByUser.forEach((user, grants) -> {
			if (grants > stores.limit()) {
				above.add(user + " (" + grants + " grant answers)");
			}
		});
		listed(violations, above, "above the limit of " + stores.limit());
		return new Exactness(violations.isEmpty(), answered, input.people.knownGrants, input.bots.knownGrants,
				input.people.grantAnswers + input.bots.grantAnswers, input.people.learnedOnRetry,
				input.people.foundOnPage, input.rows, stores.stock(), stores.grantedInRedis(), perUserMax,
				stores.limit(), lost.size(), unanswered.size(), input.people.rowWithoutGrantByOutcome, above.size(),
				stores.conflicts(), violations);
	}

	/** The users whose count in {@code have} exceeds their count in {@code against}. */
	private static List<String> missing(Map<String, Integer> have, Map<String, Integer> against) {
		List<String> users = new ArrayList<>();
		have.forEach((user, count) -> {
			if (count > against.getOrDefault(user, 0)) {
				users.add(user);
			}
		});
		users.sort(null);
		return users;
	}

	private static void listed(List<String> violations, List<String> users, String what) {
		if (users.isEmpty()) {
			return;
		}
		String shown = String.join(", ", users.subList(0, Math.min(LISTED, users.size())));
		violations.add(users.size() + " user(s) " + what + ": " + shown + ((users.size() > LISTED) ? ", ..." : ""));
	}

	static Fairness fairness(RehearsalInput input, long opened) {
		People people = input.people;
		int winners = 0;
		int gaveUp = 0;
		for (int i = 0; i < people.size; i++) {
			if (people.won(i)) {
				winners++;
			}
			else if (people.outcome[i] == GAVE_UP) {
				gaveUp++;
			}
		}
		int losers = people.size - winners;
		long[] winnerArrivals = new long[winners];
		long[] loserArrivals = new long[losers];
		for (int i = 0, w = 0, l = 0; i < people.size; i++) {
			if (people.won(i)) {
				winnerArrivals[w++] = people.arrive[i] - opened;
			}
			else {
				loserArrivals[l++] = people.arrive[i] - opened;
			}
		}
		Arrays.sort(winnerArrivals);
		Arrays.sort(loserArrivals);
		long lastWinner = (winners > 0) ? winnerArrivals[winners - 1] : NONE;
		long beforeLastWinner = (winners > 0) ? countBelow(loserArrivals, lastWinner) : 0;
		FirstArrivals first = firstArrivals(people, input.stores.stock());
		long answered = input.people.grantAnswers + input.bots.grantAnswers;
		long[] inversions = inversions(people);
		Arrays.sort(inversions);
		long inverted = inversions.length - countBelow(inversions, 1);
		return new Fairness(winners, losers, gaveUp, Quantiles.of(winnerArrivals), Quantiles.of(loserArrivals),
				beforeLastWinner, first.arrivals(), first.winners(),
				(answered > 0) ? (double) first.winners() / answered : 0, inverted, max(inversions),
				quantile(inversions, 0.99), quantile(inversions, 0.50), INVERSION);
	}

	/** How many of the values (sorted) are below the bound. */
	private static long countBelow(long[] sorted, long bound) {
		int index = Arrays.binarySearch(sorted, bound);
		if (index < 0) {
			return -index - 1;
		}
		while (index > 0 && sorted[index - 1] == bound) {
			index--;
		}
		return index;
	}

	/**
	 * How many of the first {@code stock} arrivals (people) won; ties at the cut share
	 * its last places.
	 */
	static FirstArrivals firstArrivals(People people, long stock) {
		if (stock <= 0 || people.size == 0) {
			return new FirstArrivals(0, 0);
		}
		long[] sorted = Arrays.copyOf(people.arrive, people.size);
		Arrays.sort(sorted);
		int places = (int) Math.min(stock, people.size);
		long cut = sorted[places - 1];
		long beforeCut = countBelow(sorted, cut);
		long won = 0;
		long wonAtCut = 0;
		for (int i = 0; i < people.size; i++) {
			if (people.won(i) && people.arrive[i] < cut) {
				won++;
			}
			else if (people.won(i) && people.arrive[i] == cut) {
				wonAtCut++;
			}
		}
		return new FirstArrivals(places, won + Math.min(wonAtCut, places - beforeCut));
	}

	/**
	 * Each winner's largest inversion in ms (see the class comment), one entry per
	 * winner.
	 */
	static long[] inversions(People people) {
		List<Integer> winners = new ArrayList<>();
		List<Integer> losers = new ArrayList<>();
		for (int i = 0; i < people.size; i++) {
			(people.won(i) ? winners : losers).add(i);
		}
		winners.sort((a, b) -> Long.compare(people.grantAt[b], people.grantAt[a]));
		losers.sort((a, b) -> Long.compare(people.end[b], people.end[a]));
		long[] inversions = new long[winners.size()];
		long earliest = Long.MAX_VALUE;
		int next = 0;
		for (int w = 0; w < winners.size(); w++) {
			int winner = winners.get(w);
			long grantAt = people.grantAt[winner];
			while (next < losers.size() && people.end[losers.get(next)] >= grantAt) {
				earliest = Math.min(earliest, people.arrive[losers.get(next++)]);
			}
			inversions[w] = (earliest < people.arrive[winner]) ? people.arrive[winner] - earliest : 0;
		}
		return inversions;
	}

	/**
	 * Admissions against join order: an admission is out of order when someone who joined
	 * earlier (strictly) was admitted later or never; "ahead by" is how much earlier it
	 * came than the latest admission of those earlier joiners.
	 */
	static WaitingRoom admissions(Admissions admissions) {
		if (admissions == null) {
			return null;
		}
		Integer[] order = new Integer[admissions.size];
		for (int i = 0; i < order.length; i++) {
			order[i] = i;
		}
		Arrays.sort(order, (a, b) -> Long.compare(admissions.joined[a], admissions.joined[b]));
		long admitted = 0;
		long outOfOrder = 0;
		long worstAhead = 0;
		long latestEarlier = Long.MIN_VALUE;
		long groupLatest = Long.MIN_VALUE;
		for (int k = 0; k < order.length; k++) {
			int i = order[k];
			if (k > 0 && admissions.joined[i] != admissions.joined[order[k - 1]]) {
				latestEarlier = Math.max(latestEarlier, groupLatest);
			}
			long at = (admissions.admitted[i] == NONE) ? Long.MAX_VALUE : admissions.admitted[i];
			groupLatest = Math.max(groupLatest, at);
			if (at == Long.MAX_VALUE) {
				continue;
			}
			admitted++;
			if (latestEarlier > at) {
				outOfOrder++;
				if (latestEarlier != Long.MAX_VALUE) {
					worstAhead = Math.max(worstAhead, latestEarlier - at);
				}
			}
		}
		return new WaitingRoom(admissions.size, admitted, outOfOrder, worstAhead);
	}

	private static BotFigures bots(RehearsalInput input) {
		long peopleRequests = 0;
		for (int i = 0; i < input.people.size; i++) {
			peopleRequests += input.people.tries[i];
		}
		long requests = peopleRequests + input.bots.requests;
		long grants = input.people.grantAnswers + input.bots.grantAnswers;
		return new BotFigures(input.bots.identities, input.bots.requests, input.bots.grantAnswers,
				(requests > 0) ? (double) input.bots.requests / requests : 0,
				(grants > 0) ? (double) input.bots.grantAnswers / grants : 0, input.bots.byStatus);
	}

	private static Sale sale(RehearsalInput input, long opened) {
		Map<Integer, Long> byStatus = new TreeMap<>();
		long lastGrant = NONE;
		long peakArrivals = 0;
		long peakGrants = 0;
		for (Map.Entry<Long, Timeline.Second> entry : input.timeline.seconds.entrySet()) {
			Timeline.Second second = entry.getValue();
			second.byStatus.forEach((status, count) -> byStatus.merge(status, count, Long::sum));
			peakArrivals = Math.max(peakArrivals, second.arrivals);
			peakGrants = Math.max(peakGrants, second.grants + second.botGrants);
		}
		for (int i = 0; i < input.people.size; i++) {
			lastGrant = Math.max(lastGrant, input.people.grantAt[i]);
		}
		long answered = input.people.grantAnswers + input.bots.grantAnswers;
		boolean soldOut = input.stores.stock() > 0
				&& (answered >= input.stores.stock() || input.rows >= input.stores.stock());
		// the first 410 a person heard, else the last grant answered
		long soldOutAt = (input.people.firstSoldOut != NONE) ? input.people.firstSoldOut
				: soldOut ? Math.max(lastGrant, input.bots.lastGrant) : NONE;
		long lastGrantAt = Math.max(lastGrant, input.bots.lastGrant);
		long requests = byStatus.values().stream().mapToLong(Long::longValue).sum();
		return new Sale(requests, byStatus, byStatus.getOrDefault(503, 0L), byStatus.getOrDefault(429, 0L),
				input.timeline.latencies.quantile(0.50), input.timeline.latencies.quantile(0.99), peakArrivals,
				peakGrants, soldOut, since(soldOutAt, opened), since(lastGrantAt, opened),
				since(input.stores.lastRowStoredAt(), opened), since(input.stores.lastRowAt(), opened));
	}

	private static List<SecondRow> timeline(RehearsalInput input, long opened) {
		List<SecondRow> rows = new ArrayList<>();
		TreeMap<Long, Timeline.Second> seconds = input.timeline.seconds;
		if (seconds.isEmpty()) {
			return rows;
		}
		long from = Math.min(seconds.firstKey(), Math.floorDiv(opened, 1000));
		long to = seconds.lastKey();
		if (!input.rowsPerSecond.isEmpty()) {
			to = Math.max(to, input.rowsPerSecond.lastKey());
		}
		Timeline.Second empty = new Timeline.Second();
		for (long s = from; s <= to; s++) {
			Timeline.Second second = seconds.getOrDefault(s, empty);
			rows.add(new SecondRow(s * 1000 - opened, second.arrivals, second.requests(), second.byStatus,
					second.grants, second.botGrants, input.rowsPerSecond.getOrDefault(s, 0),
					second.latencies.quantile(0.50), second.latencies.quantile(0.99)));
		}
		return rows;
	}

	private static Long since(long at, long opened) {
		return (at == NONE) ? null : at - opened;
	}

	private static long max(long[] sorted) {
		return (sorted.length == 0) ? 0 : sorted[sorted.length - 1];
	}

	/** Nearest-rank quantile of sorted values, 0 when empty. */
	static long quantile(long[] sorted, double q) {
		if (sorted.length == 0) {
			return 0;
		}
		int rank = (int) Math.max(1, Math.ceil(q * sorted.length));
		return sorted[rank - 1];
	}

	/** Everything the report says (summary.json). */
	record Summary(Run run, Exactness exactness, Fairness fairness, WaitingRoom waitingRoom, BotFigures bots, Sale sale,
			List<SecondRow> timeline) {
	}

	/** The run's parameters. Times are ms since the sale opened. */
	record Run(String campaign, long stock, int limit, int buckets, int people, int bots, List<String> gateways,
			boolean waitingRoom, Boolean rateLimits, String fault, Long faultAtMs, long saleOpenedAt,
			int unreadLogLines) {
	}

	/**
	 * The grants the clients know they hold against stored rows and stock, per user and
	 * in total. {@code answeredGrants}: answered 201/202, plus those whose answer was
	 * lost ({@code learnedOnRetry}: a later try's 409 listed the coupon;
	 * {@code foundOnPage}: the person's coupons page showed it when they left);
	 * {@code answered201or202}: the 201 and 202 answers alone.
	 */
	record Exactness(boolean exact, long answeredGrants, long peopleGrants, long botGrants, long answered201or202,
			long learnedOnRetry, long foundOnPage, long rows, long stock, long grantedInRedis, int perUserMax,
			int limit, long lost, long rowsNeverAnswered, Map<Integer, Long> rowsNeverAnsweredByLastAnswer,
			long usersAboveLimit, long conflicts, List<String> violations) {
	}

	/** Who won against who arrived first (ms since the sale opened). */
	record Fairness(long winners, long leftWithNothing, long gaveUp, Quantiles winnerArrivalMs,
			Quantiles leftWithNothingArrivalMs, long leftWithNothingBeforeLastWinner, long firstArrivals,
			long firstArrivalsWon, double shareToFirstArrivals, long invertingWinners, long worstInversionMs,
			long p99InversionMs, long p50InversionMs, String inversionDefinition) {
	}

	/** Admissions against join order. */
	record WaitingRoom(long joined, long admitted, long admittedOutOfOrder, long worstAheadMs) {
	}

	/**
	 * The bots: their share of the requests and of the coupons, and how they were
	 * answered.
	 */
	record BotFigures(int identities, long requests, long grants, double shareOfRequests, double shareOfCoupons,
			Map<Integer, Long> byStatus) {
	}

	/**
	 * The sale as a whole (people's answers; bots report totals only). Times in ms since
	 * open.
	 */
	record Sale(long requests, Map<Integer, Long> byStatus, long shed503, long rateLimited429, long p50LatencyMs,
			long p99LatencyMs, long peakArrivalsPerSecond, long peakGrantsPerSecond, boolean soldOut,
			Long soldOutAfterMs, Long lastGrantAfterMs, Long lastRowStoredAfterMs, Long lastRowIssuedAfterMs) {
	}

	/**
	 * One second of the sale; {@code atMs} is the second's start since the sale opened.
	 */
	record SecondRow(long atMs, long arrivals, long requests, Map<Integer, Long> byStatus, long grants, long botGrants,
			long rows, long p50LatencyMs, long p99LatencyMs) {
	}

	/** The first {@code stock} arrivals and how many of them won. */
	record FirstArrivals(long arrivals, long winners) {
	}

	/** Nearest-rank quantiles of a set of times. */
	record Quantiles(long count, Long min, Long p1, Long p50, Long p99, Long max) {

		static Quantiles of(long[] sorted) {
			if (sorted.length == 0) {
				return new Quantiles(0, null, null, null, null, null);
			}
			return new Quantiles(sorted.length, sorted[0], quantile(sorted, 0.01), quantile(sorted, 0.50),
					quantile(sorted, 0.99), sorted[sorted.length - 1]);
		}

	}

}
