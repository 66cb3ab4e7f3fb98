package dev.coupongateway.issue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Promise 1 under real concurrency: many clients at once over HTTP, then count what was
 * granted in the answers and what PostgreSQL stored.
 */
@CouponGatewayTest
class ClaimConcurrencyTests {

	private static final int THREADS = 64;

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	private Claims claims;

	@BeforeEach
	void setUp() {
		this.claims = new Claims(this.port);
	}

	@Test
	void whenThousandUsersRaceForHundredCouponsThenExactlyHundredAreGrantedAndStored() throws Exception {
		String campaign = this.fixtures.campaign(100);
		List<Claim> race = IntStream.range(0, 1000).mapToObj((i) -> new Claim(campaign, "user-" + i)).toList();

		List<Answer> answers = this.claims.concurrently(shuffled(race), THREADS);

		List<Answer> granted = answers.stream().filter(Answer::granted).toList();
		assertThat(granted).hasSize(100);
		// each coupon number handed out once: the 100 grants hold exactly the numbers
		// 1..100
		assertThat(granted).extracting(ClaimConcurrencyTests::sequence)
			.containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 100).boxed().toList());
		assertThat(answers).filteredOn((answer) -> !answer.granted()).extracting(Answer::status).containsOnly(410);
		assertThat(answers).filteredOn((answer) -> answer.status() == 410)
			.allSatisfy((answer) -> assertThat(answer.body()).contains("\"code\":\"SOLD_OUT\""));
		awaitStored(campaign, 100);
		assertThat(this.fixtures.usersWithMoreThan(campaign, 1)).isEmpty();
		assertThat(this.fixtures.storedCouponIds(campaign)).containsExactlyInAnyOrderElementsOf(
				granted.stream().map(ClaimConcurrencyTests::couponId).map(UUID::fromString).toList());
	}

	@Test
	void whenOneUserClaimsThousandTimesAtOnceThenExactlyOneGrant() throws Exception {
		String campaign = this.fixtures.campaign(50);
		List<Answer> answers = this.claims.concurrently(Collections.nCopies(1000, new Claim(campaign, "greedy")),
				THREADS);

		assertThat(answers).filteredOn(Answer::granted).hasSize(1);
		assertThat(answers).filteredOn((answer) -> !answer.granted()).allSatisfy((answer) -> {
			assertThat(answer.status()).isEqualTo(409);
			assertThat(answer.body()).contains("\"code\":\"ALREADY_ISSUED\"");
		});
		awaitStored(campaign, 1);
	}

	@Test
	void whenOneUserWithLimitThreeClaimsThousandTimesAtOnceThenExactlyThreeGrants() throws Exception {
		String campaign = this.fixtures.campaign(50, 3);
		List<Answer> answers = this.claims.concurrently(Collections.nCopies(1000, new Claim(campaign, "greedy")),
				THREADS);

		List<Answer> granted = answers.stream().filter(Answer::granted).toList();
		assertThat(granted).hasSize(3);
		assertThat(granted).extracting(ClaimConcurrencyTests::sequence).containsExactlyInAnyOrder(1, 2, 3);
		awaitStored(campaign, 3);
		assertThat(this.fixtures.usersWithMoreThan(campaign, 3)).isEmpty();
	}

	@Test
	void whenSeveralCampaignsAreRacedAtOnceThenEachGrantsExactlyItsStock() throws Exception {
		// stock N against N+1 .. 10N users, several N including 1, all campaigns in one
		// burst
		Map<String, Integer> stock = new LinkedHashMap<>();
		Map<String, Integer> users = new LinkedHashMap<>();
		int[][] shapes = { { 1, 2 }, { 1, 10 }, { 3, 4 }, { 7, 70 }, { 25, 26 }, { 40, 400 } };
		List<Claim> burst = new ArrayList<>();
		for (int[] shape : shapes) {
			String campaign = this.fixtures.campaign(shape[0]);
			stock.put(campaign, shape[0]);
			users.put(campaign, shape[1]);
			for (int u = 0; u < shape[1]; u++) {
				burst.add(new Claim(campaign, "u" + u));
			}
		}

		List<Answer> answers = this.claims.concurrently(shuffled(burst), THREADS);

		Map<String, List<Answer>> grantedByCampaign = answers.stream()
			.filter(Answer::granted)
			.collect(Collectors.groupingBy(Answer::campaignId));
		stock.forEach((campaign, n) -> {
			assertThat(grantedByCampaign.getOrDefault(campaign, List.of())).as(campaign).hasSize(n);
			assertThat(grantedByCampaign.get(campaign)).extracting(ClaimConcurrencyTests::sequence)
				.as(campaign)
				.containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, n).boxed().toList());
		});
		assertThat(answers).filteredOn((answer) -> !answer.granted()).extracting(Answer::status).containsOnly(410);
		assertThat(answers).hasSize(users.values().stream().mapToInt(Integer::intValue).sum());
		stock.forEach((campaign, n) -> {
			awaitStored(campaign, n);
			assertThat(this.fixtures.usersWithMoreThan(campaign, 1)).isEmpty();
		});
	}

	private void awaitStored(String campaign, long expected) {
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) >= expected);
		assertThat(this.fixtures.storedRows(campaign)).isEqualTo(expected);
	}

	private static String couponId(Answer answer) {
		Matcher matcher = Pattern.compile("\"couponId\":\"([0-9a-f-]{36})\"").matcher(answer.body());
		assertThat(matcher.find()).as(answer.body()).isTrue();
		return matcher.group(1);
	}

	private static int sequence(Answer answer) {
		Matcher matcher = Pattern.compile("\"sequence\":(\\d+)").matcher(answer.body());
		assertThat(matcher.find()).as(answer.body()).isTrue();
		return Integer.parseInt(matcher.group(1));
	}

	private static <T> List<T> shuffled(List<T> list) {
		List<T> copy = new ArrayList<>(list);
		Collections.shuffle(copy, new Random(42));
		return copy;
	}

}
