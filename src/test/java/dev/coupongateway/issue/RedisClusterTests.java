package dev.coupongateway.issue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import dev.coupongateway.LoopbackRedisCluster;
import dev.coupongateway.campaign.CampaignKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.ReactiveRedisClusterConnection;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway on a real Redis Cluster (three masters with a replica each, on loopback):
 * campaigns on different shards keep their caps under concurrent claims, and a master
 * that dies mid-spike is replaced by its replica without a single over-grant; whatever
 * the failover lost is rebuilt from PostgreSQL.
 */
class RedisClusterTests {

	private static LoopbackRedisCluster cluster;

	private static ConfigurableApplicationContext gateway;

	private static Fixtures fixtures;

	private static Claims claims;

	@BeforeAll
	static void start() {
		cluster = new LoopbackRedisCluster().start();
		gateway = GatewayInstance.start("spring.data.redis.cluster.nodes=" + cluster.nodes());
		int port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
		fixtures = new Fixtures(WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(30))
			.build(), gateway.getBean(DatabaseClient.class));
		claims = new Claims(port);
	}

	@AfterAll
	static void stop() {
		gateway.close();
		cluster.close();
	}

	@Test
	void theGatewayTalksToTheClusterNotToOneNode() {
		LettuceConnectionFactory factory = gateway.getBean(LettuceConnectionFactory.class);
		assertThat(factory.isClusterAware()).isTrue();
		// the reactive connection, as the gateway uses it: a blocking one made on this
		// thread while Lettuce's
		// event loop asks the factory for the shared reactive one deadlocks on the
		// factory's lock
		ReactiveRedisClusterConnection connection = factory.getReactiveClusterConnection();
		// after another test's failover the restarted node joins the view at the next
		// topology refresh
		await().atMost(Duration.ofSeconds(20))
			.untilAsserted(() -> assertThat(connection.clusterGetNodes().collectList().block(Duration.ofSeconds(10)))
				.hasSize(6));
	}

	@Test
	void whenCampaignsOnEveryShardAreClaimedAtOnceThenEachCapHolds() throws Exception {
		List<String> campaigns = onEveryMaster(40);
		List<Claim> all = new ArrayList<>();
		campaigns.forEach(
				(campaign) -> IntStream.range(0, 100).forEach((user) -> all.add(new Claim(campaign, "user-" + user))));
		List<Answer> answers = claims.concurrently(all, 48);

		for (String campaign : campaigns) {
			List<Answer> own = answers.stream().filter((answer) -> answer.campaignId().equals(campaign)).toList();
			assertThat(own.stream().filter(Answer::granted)).hasSize(40);
			assertThat(own.stream().filter((answer) -> answer.status() == 410)).hasSize(60);
			await().atMost(Duration.ofSeconds(30)).until(() -> fixtures.storedRows(campaign) == 40);
		}
	}

	@Test
	void whenAHotCampaignIsSplitOverThreeShardsThenItsUsersGetExactlyTheStock() throws Exception {
		String hot = fixtures.bucketed(cluster.idOnDistinctMasters(Fixtures.uniqueId("hot"), 3), 300, 3);
		List<Answer> answers = claims
			.concurrently(IntStream.range(0, 900).mapToObj((user) -> new Claim(hot, "fan-" + user)).toList(), 48);

		assertThat(answers.stream().filter(Answer::granted)).hasSize(300);
		// a claim that met the last units in transit between buckets (if any did: it
		// depends on the timing) was
		// told to try again: it is sold out now
		List<Answer> retried = claims.concurrently(answers.stream()
			.filter((answer) -> answer.status() == 503)
			.map((answer) -> new Claim(hot, answer.userId()))
			.toList(), 8);
		assertThat(retried).allSatisfy((answer) -> assertThat(answer.status()).isEqualTo(410));
		assertThat(answers.stream().filter((answer) -> answer.status() == 410)).hasSize(600 - retried.size());
		await().atMost(Duration.ofSeconds(30)).until(() -> fixtures.storedRows(hot) == 300);
		assertThat(new HashSet<>(fixtures.storedCouponIds(hot))).hasSize(300);
		for (CampaignKeys bucket : CampaignKeys.all(hot, 3)) {
			int master = cluster.masterOf(bucket.settings());
			String issued = cluster.on(master, (redis) -> redis.hget(bucket.settings(), "issued"));
			assertThat(issued).as("grants made in bucket %d", bucket.bucket()).isNotEqualTo("0");
		}
	}

	@Test
	void whenAMasterFailsOverMidSpikeThenNothingIsOverGrantedAndTheRebuildRestoresTheRest() throws Exception {
		String campaign = fixtures.campaign(300);
		int master = cluster.masterOf(CampaignKeys.of(campaign).settings());
		List<Claim> spike = IntStream.range(0, 600).mapToObj((user) -> new Claim(campaign, "spike-" + user)).toList();

		CompletableFuture<List<Answer>> answers = CompletableFuture.supplyAsync(() -> {
			try {
				return claims.concurrentlyTolerant(spike, 16);
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		});
		await().atMost(Duration.ofSeconds(30)).until(() -> fixtures.storedRows(campaign) >= 50);
		cluster.stop(master);
		List<Answer> during = answers.get();
		cluster.awaitHealthy();
		assertThat(cluster.masters()).hasSize(3).doesNotContain(master);

		// every user who was not answered (503, dropped) claims again until the gateway
		// decides
		List<Answer> decided = new ArrayList<>(
				during.stream().filter((answer) -> answer.status() != 503 && answer.status() != 0).toList());
		List<Claim> undecided = during.stream()
			.filter((answer) -> answer.status() == 503 || answer.status() == 0)
			.map((answer) -> new Claim(campaign, answer.userId()))
			.toList();
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
			List<Answer> retried = claims.concurrentlyTolerant(undecided.stream()
				.filter((claim) -> decided.stream().noneMatch((answer) -> answer.userId().equals(claim.userId())))
				.toList(), 16);
			retried.stream().filter((answer) -> answer.status() != 503 && answer.status() != 0).forEach(decided::add);
			return decided.size() == spike.size();
		});

		Set<String> granted = decided.stream().filter(Answer::granted).map(Answer::userId).collect(Collectors.toSet());
		assertThat(granted).hasSizeLessThanOrEqualTo(300);
		// every grant answered 201 had its event acknowledged by Kafka: the failover
		// cannot lose it
		Set<String> acked = decided.stream()
			.filter((answer) -> answer.status() == 201)
			.map((answer) -> answer.body().replaceAll(".*\"couponId\":\"([^\"]+)\".*", "$1"))
			.collect(Collectors.toSet());
		await().atMost(Duration.ofSeconds(30))
			.until(() -> fixtures.storedCouponIds(campaign)
				.stream()
				.map(Object::toString)
				.collect(Collectors.toSet())
				.containsAll(acked));

		// what the failover lost went back to the stock: newcomers get exactly the rest,
		// never more
		List<Answer> newcomers = claims
			.concurrently(IntStream.range(0, 400).mapToObj((user) -> new Claim(campaign, "late-" + user)).toList(), 16);
		await().atMost(Duration.ofSeconds(30)).until(() -> fixtures.storedRows(campaign) == 300);
		assertThat(fixtures.usersWithMoreThan(campaign, 1)).isEmpty();
		assertThat(newcomers.stream().filter(Answer::granted).count()).isLessThanOrEqualTo(300 - acked.size());
		assertThat(new HashSet<>(fixtures.storedCouponIds(campaign))).hasSize(300);

		cluster.restart(master);
		cluster.awaitHealthy();
	}

	/**
	 * A failover costs only the campaigns on the failed master their check (each bucket's
	 * fence names the server it was checked on): a campaign on another master grants on
	 * without one 503. The 503 window of the campaign on the failed master, from the kill
	 * to its first grant after the check, is printed (recorded in bench/RESULTS.md; the
	 * promotion itself takes cluster-node-timeout plus an election).
	 */
	@Test
	void whenAMasterFailsOverThenOnlyTheCampaignsOnItWaitForTheirCheck() throws Exception {
		List<String> campaigns = onEveryMaster(100_000);
		String failing = campaigns.get(0);
		int master = cluster.masterOf(CampaignKeys.of(failing).settings());
		List<String> elsewhere = campaigns.subList(1, 3);
		AtomicBoolean probing = new AtomicBoolean(true);
		ConcurrentLinkedQueue<long[]> failingAnswers = new ConcurrentLinkedQueue<>();
		ConcurrentLinkedQueue<Answer> elsewhereAnswers = new ConcurrentLinkedQueue<>();
		AtomicInteger users = new AtomicInteger();
		CompletableFuture<Void> probes = CompletableFuture.allOf(CompletableFuture.runAsync(() -> {
			while (probing.get()) {
				long sent = System.nanoTime();
				Answer answer = claimQuietly(failing, "probe-" + users.incrementAndGet());
				failingAnswers.add(new long[] { sent, answer.status() });
			}
		}), CompletableFuture.runAsync(() -> {
			while (probing.get()) {
				for (String campaign : elsewhere) {
					elsewhereAnswers.add(claimQuietly(campaign, "probe-" + users.incrementAndGet()));
				}
			}
		}));
		await().atMost(Duration.ofSeconds(10)).until(() -> failingAnswers.size() > 20 && elsewhereAnswers.size() > 20);
		long killed = System.nanoTime();
		cluster.kill(master);
		// until the campaign on the failed master grants again, and a little longer
		await().atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(50))
			.until(() -> failingAnswers.stream().anyMatch((answer) -> answer[0] > killed && answer[1] != 201)
					&& failingAnswers.stream()
						.anyMatch((failed) -> failed[0] > killed && failed[1] != 201 && failingAnswers.stream()
							.anyMatch((answer) -> answer[0] > failed[0] && answer[1] == 201)));
		long down = failingAnswers.stream()
			.filter((answer) -> answer[0] > killed && answer[1] != 201)
			.mapToLong((answer) -> answer[0])
			.min()
			.orElse(killed);
		long back = failingAnswers.stream()
			.filter((answer) -> answer[0] > down && answer[1] == 201)
			.mapToLong((answer) -> answer[0])
			.min()
			.getAsLong();
		int sizeAtBack = elsewhereAnswers.size();
		await().atMost(Duration.ofSeconds(10)).until(() -> elsewhereAnswers.size() > sizeAtBack + 20);
		probing.set(false);
		probes.get();

		assertThat(elsewhereAnswers).as("claims on campaigns of the other masters through the failover")
			.extracting(Answer::status)
			.containsOnly(201);
		long refused = failingAnswers.stream().filter((answer) -> answer[0] >= down && answer[0] < back).count();
		String statuses = failingAnswers.stream()
			.filter((answer) -> answer[0] >= down && answer[0] < back)
			.map((answer) -> Long.toString(answer[1]))
			.distinct()
			.collect(Collectors.joining(","));
		System.out.printf("[measure] failover: the failed master's campaign stopped granting %d ms after the kill "
				+ "and granted again %d ms after the kill (%d claims not granted in between, statuses %s; 0 = no "
				+ "answer); %d claims on the other masters' campaigns meanwhile, all 201%n",
				Duration.ofNanos(down - killed).toMillis(), Duration.ofNanos(back - killed).toMillis(), refused,
				statuses, elsewhereAnswers.size());

		cluster.restart(master);
		cluster.awaitHealthy();
	}

	private static Answer claimQuietly(String campaign, String user) {
		try {
			return claims.claim(campaign, user);
		}
		catch (Exception ex) {
			return new Answer(campaign, user, 0, ex.toString(), null);
		}
	}

	/**
	 * One campaign on each master (ids tried until their slots land on three different
	 * masters).
	 */
	private static List<String> onEveryMaster(int stock) {
		List<String> campaigns = new ArrayList<>();
		Set<Integer> masters = new HashSet<>();
		while (campaigns.size() < 3) {
			String id = Fixtures.uniqueId("shard");
			int master = cluster.masterOf(CampaignKeys.of(id).settings());
			if (masters.add(master)) {
				campaigns.add(fixtures.campaignWithId(id, stock));
			}
		}
		return campaigns;
	}

}
