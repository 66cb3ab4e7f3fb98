package dev.coupongateway.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import dev.coupongateway.PropertyCheck;
import dev.coupongateway.PropertyCheck.Gen;
import dev.coupongateway.campaign.CampaignKeys;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.r2dbc.core.DatabaseClient;

import static dev.coupongateway.PropertyCheck.integers;
import static dev.coupongateway.PropertyCheck.just;
import static dev.coupongateway.PropertyCheck.of;
import static dev.coupongateway.PropertyCheck.oneOf;
import static dev.coupongateway.PropertyCheck.strings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile input, property-based ({@link PropertyCheck}), over raw HTTP against an
 * instance on the real servers: every input gets a 4xx problem response (or, for broken
 * HTTP, a 4xx or a closed connection) within a bounded time, and after each property
 * Redis, Kafka and PostgreSQL hold what they held before. A fixed seed and 250 tries each
 * in {@code ./mvnw verify}; {@code bench/hostile-input.sh} runs the same properties with
 * 100,000 inputs and more ({@code -Dcoupon.property.tries}).
 */
class HostileInputTests {

	private static final long SEED = 20261130L;

	private static final int TRIES = 250;

	private static final String TOPIC = "coupon.issued.hostile";

	private static final Instant STARTED = Instant.now();

	private static ConfigurableApplicationContext instance;

	private static int port;

	/** A campaign with stock: nothing a hostile input does may take any of it. */
	private static String campaign;

	private static State before;

	@BeforeAll
	static void start() throws Exception {
		// a topic of its own: what this instance sends is all that the topic's end
		// offsets count
		instance = GatewayInstance.start("coupon.roles=gateway", "server.netty.idle-timeout=2s",
				"coupon.kafka.topic=" + TOPIC);
		port = ((WebServerApplicationContext) instance).getWebServer().getPort();
		campaign = Fixtures.uniqueId("hostile");
		String body = "{\"id\":\"" + campaign + "\",\"name\":\"Hostile\",\"totalStock\":5}";
		assertThat(exchange(request("POST", Paths.ADMIN_CAMPAIGNS,
				Map.of("Authorization", "Bearer " + DevServices.ADMIN_TOKEN, "Content-Type", "application/json"),
				body)).status)
			.isEqualTo(201);
		before = State.now();
	}

	@AfterAll
	static void stop() {
		instance.close();
	}

	@AfterEach
	void nothingChanged() throws Exception {
		assertThat(State.now()).as("Redis, Kafka and PostgreSQL after the hostile inputs").isEqualTo(before);
	}

	@Test
	void claimsWithHostileIdsAndUsersAreRefused() {
		Gen<String> campaignIds = hostileCampaignIds();
		Gen<String> userIds = hostileUserIds();
		Gen<Claim> claims = (source) -> new Claim(campaignIds.next(source), userIds.next(source));
		PropertyCheck.check(TRIES, SEED, claims,
				(claim) -> claimWithHostileIdAndUserIsRefused(claim.campaignId(), claim.userId()));
	}

	private static void claimWithHostileIdAndUserIsRefused(String campaignId, String userId) throws IOException {
		String path = "/api/campaigns/" + URLEncoder.encode(campaignId, StandardCharsets.UTF_8) + "/coupons";
		Answer answer = exchange(request("POST", path, Map.of("X-User-Id", userId), null));
		assertThat(answer.status).as(answer.toString()).isBetween(400, 499);
		assertThat(answer.isProblemOrTooLarge()).as(answer.toString()).isTrue();
	}

	@Test
	void claimsOnTheRealCampaignWithHostileUsersAreRefused() {
		PropertyCheck.check(TRIES, SEED, hostileUserIds(), HostileInputTests::claimOnTheRealCampaignIsRefused);
	}

	private static void claimOnTheRealCampaignIsRefused(String userId) throws IOException {
		Answer answer = exchange(
				request("POST", "/api/campaigns/" + campaign + "/coupons", Map.of("X-User-Id", userId), null));
		assertThat(answer.status).as(answer.toString()).isIn(400, 401, 431);
		assertThat(answer.isProblemOrTooLarge()).as(answer.toString()).isTrue();
	}

	@Test
	void hostileCampaignBodiesAreRefused() {
		PropertyCheck.check(TRIES, SEED, hostileBodies(), HostileInputTests::hostileCampaignBodyIsRefused);
	}

	private static void hostileCampaignBodyIsRefused(String body) throws IOException {
		Answer answer = exchange(request("POST", Paths.ADMIN_CAMPAIGNS,
				Map.of("Authorization", "Bearer " + DevServices.ADMIN_TOKEN, "Content-Type", "application/json"),
				body));
		if (body.length() > 16 * 1024 && answer.status == 0) {
			// past the 16 KB limit the server answers 413 and closes while the client is
			// still sending:
			// the client may see only the reset
			return;
		}
		assertThat(answer.status).as(answer.toString()).isIn(400, 413);
		assertThat(answer.isProblem()).as(answer.toString()).isTrue();
	}

	@Test
	void brokenHttpIsRefusedOrClosed() {
		PropertyCheck.check(TRIES, SEED, brokenHttp(), HostileInputTests::brokenRequestIsRefusedOrClosed);
	}

	private static void brokenRequestIsRefusedOrClosed(byte[] bytes) throws IOException {
		Answer answer = exchange(bytes, true);
		assertThat(answer.status).as(answer.toString())
			.satisfiesAnyOf((status) -> assertThat(status).isZero(),
					(status) -> assertThat(status).isBetween(400, 499));
	}

	private static Gen<String> hostileCampaignIds() {
		return oneOf(strings(0, 300), strings(1, 40, '\u0080', '\ud7ff'),
				of("..", "../../etc/passwd", "%2e%2e", "x' OR '1'='1", "x;DROP TABLE campaign", "*", "{x}",
						"coupon:{x}:settings", "a".repeat(65), "A", "-a", "a b", "\u0000"),
				// well-formed ids of campaigns that do not exist: 404, and still nothing
				// changes
				strings(1, 64, "abcdefghijklmnopqrstuvwxyz0123456789-")
					.filter((id) -> Character.isLetterOrDigit(id.charAt(0)))
					.map((id) -> "none-" + id.substring(0, Math.min(id.length(), 58))));
	}

	private static Gen<String> hostileUserIds() {
		return oneOf(just(""), strings(1, 5, " \t"), strings(65, 9_000, '!', '~'),
				// below the surrogates: a lone one has no UTF-8 form and Java's encoder
				// sends "?" for it, a valid id
				strings(1, 64, '\u00a0', '\ud7ff'),
				// leading and trailing blanks are HTTP's optional whitespace, not part of
				// the id; control
				// characters make the request broken HTTP (brokenHttp)
				strings(1, 30, '!', '~').map((id) -> id + "," + id));
	}

	private static Gen<String> hostileBodies() {
		Gen<String> id = strings(12, 12, "abcdefghijklmnopqrstuvwxyz0123456789")
			.map((s) -> "\"id\":\"hostile-" + s + "\"");
		Gen<String> defect = of("\"totalStock\":0", "\"totalStock\":-1", "\"totalStock\":10000001",
				"\"totalStock\":2147483648", "\"totalStock\":1e309", "\"totalStock\":5.7", "\"totalStock\":\"5\"",
				"\"totalStock\":true", "\"totalStock\":null", "\"totalStock\":[5]", "\"totalStock\":{\"n\":5}",
				"\"perUserLimit\":0", "\"perUserLimit\":101", "\"perUserLimit\":1.5", "\"perUserLimit\":\"1\"",
				"\"name\":\"\"", "\"name\":\"   \"", "\"name\":7", "\"name\":\"" + "n".repeat(201) + "\"",
				"\"id\":\"Bad_Id\"", "\"id\":\"../etc\"", "\"id\":\"" + "a".repeat(65) + "\"",
				"\"id\":\"x;DROP TABLE campaign\"", "\"startsAt\":\"yesterday\"", "\"startsAt\":12345",
				"\"endsAt\":\"2030-13-01T00:00:00Z\"",
				"\"startsAt\":\"2030-01-02T00:00:00Z\",\"endsAt\":\"2030-01-01T00:00:00Z\"",
				"\"totalStock\":5,\"totalStock\":6", "\"name\":\"a\",\"name\":\"b\"");
		Gen<String> defective = oneOf(defect.list(1, 3), defect.list(1, 1)).flatMap((defects) -> id
			.map((i) -> "{" + i + ",\"name\":\"Hostile\",\"totalStock\":5," + String.join(",", defects) + "}"));
		Gen<String> malformed = oneOf(strings(0, 200),
				integers(1, 5000).map((depth) -> "[".repeat(depth) + "]".repeat(depth)),
				integers(1, 5000).map((depth) -> "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)),
				integers(17_000, 200_000).map((size) -> "{\"name\":\"" + "x".repeat(size) + "\"}"),
				of("", "null", "[]", "{}", "\"campaign\"", "{\"totalStock\":5", "{'name':'x'}"));
		return oneOf(defective, malformed);
	}

	private static Gen<byte[]> brokenHttp() {
		return oneOf(PropertyCheck.bytes(1, 2000), strings(1, 200).map((line) -> (line + "\r\n\r\n")
			.getBytes(StandardCharsets.UTF_8)), of("POST /api/campaigns/x/coupons HTTP/9.9\r\n\r\n",
					"GET / HTTP/1.1\r\nHost\r\n\r\n",
					"POST /api/admin/campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
					"POST /api/admin/campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
					"POST /api/admin/campaigns HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
					"POST /api/admin/campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 2\r\n\r\n{}",
					"GET /" + "a".repeat(70_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
					"GET / HTTP/1.1\r\nHost: x\r\nX: " + "h".repeat(70_000) + "\r\n\r\n",
					"POST /api/campaigns/x/coupons HTTP/1.1\r\nHost: x\r\nX-User-Id: a\u0001b\r\n\r\n",
					"POST /api/campaigns/x/coupons HTTP/1.1\r\nHost: x\r\nX-User-Id: a\rX-User-Id: b\r\n\r\n")
				.map((text) -> text.getBytes(StandardCharsets.UTF_8)),
				// a body that never arrives: the idle timeout closes the connection
				just("POST /api/admin/campaigns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
						+ "Authorization: Bearer " + DevServices.ADMIN_TOKEN + "\r\nContent-Length: 100\r\n\r\n{\"na")
					.map((text) -> text.getBytes(StandardCharsets.UTF_8)));
	}

	/** A claim's two hostile parts. */
	private record Claim(String campaignId, String userId) {
	}

	private static byte[] request(String method, String path, Map<String, String> headers, String body) {
		StringBuilder head = new StringBuilder(method).append(' ')
			.append(path)
			.append(" HTTP/1.1\r\nHost: localhost\r\n")
			.append("Connection: close\r\n");
		byte[] content = (body != null) ? body.getBytes(StandardCharsets.UTF_8) : new byte[0];
		headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
		head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
		byte[] start = head.toString().getBytes(StandardCharsets.UTF_8);
		byte[] all = new byte[start.length + content.length];
		System.arraycopy(start, 0, all, 0, start.length);
		System.arraycopy(content, 0, all, start.length, content.length);
		return all;
	}

	/**
	 * Sends a well-formed request (it asks the server to close after the answer) and
	 * reads the answer.
	 */
	private static Answer exchange(byte[] bytes) throws IOException {
		return exchange(bytes, false);
	}

	/**
	 * Sends the bytes as they are and reads the answer; status 0 when the server closed
	 * without one. {@code endOfInput}: the client then closes its side, as a client that
	 * sent garbage and left would (the server may answer 400 or just close).
	 */
	private static Answer exchange(byte[] bytes, boolean endOfInput) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			try {
				out.write(bytes);
				out.flush();
				if (endOfInput) {
					socket.shutdownOutput();
				}
			}
			catch (IOException ex) {
				// the server may close while a long request is still being written: a
				// refusal
			}
			InputStream in = socket.getInputStream();
			byte[] answer;
			try {
				answer = in.readNBytes(64 * 1024);
			}
			catch (SocketTimeoutException ex) {
				throw new AssertionError("no answer and no close within 10 s", ex);
			}
			catch (IOException ex) {
				return new Answer(0, "");
			}
			String text = new String(answer, StandardCharsets.ISO_8859_1);
			if (!text.startsWith("HTTP/1.1 ")) {
				return new Answer(0, text);
			}
			return new Answer(Integer.parseInt(text.substring(9, 12)), text);
		}
	}

	private record Answer(int status, String text) {

		boolean isProblem() {
			return this.text.toLowerCase().contains("content-type: application/problem+json");
		}

		/**
		 * A problem; or Netty's bare 431 for headers past its 8 KB limit, refused before
		 * any route runs.
		 */
		boolean isProblemOrTooLarge() {
			return isProblem() || this.status == 431;
		}

		@Override
		public String toString() {
			return this.status + " " + this.text.substring(0, Math.min(this.text.length(), 300));
		}

	}

	/**
	 * What a hostile input must not change: campaigns made since this class started and
	 * their rows, the end offsets of this instance's topic, the campaign's Redis state.
	 * (Other test classes' instances may still be settling their own work on the shared
	 * servers.)
	 */
	private record State(List<Long> rows, long kafkaEnd, Map<Object, Object> settings, long grants) {

		static State now() throws Exception {
			DatabaseClient db = instance.getBean(DatabaseClient.class);
			ReactiveStringRedisTemplate redis = instance.getBean(ReactiveStringRedisTemplate.class);
			String since = "(SELECT id FROM campaign WHERE created_at >= :started)";
			List<Long> rows = db
				.sql("SELECT (SELECT count(*) FROM campaign WHERE created_at >= :started) AS c, "
						+ "(SELECT count(*) FROM coupon WHERE campaign_id IN " + since + ") AS r, "
						+ "(SELECT count(*) FROM coupon_conflict WHERE campaign_id IN " + since + ") AS k")
				.bind("started", STARTED.atOffset(ZoneOffset.UTC))
				.map((row) -> List.of(row.get("c", Long.class), row.get("r", Long.class), row.get("k", Long.class)))
				.one()
				.block(Duration.ofSeconds(10));
			CampaignKeys keys = CampaignKeys.of(campaign);
			Map<Object, Object> settings = redis.opsForHash()
				.entries(keys.settings())
				.collectMap(Map.Entry::getKey, Map.Entry::getValue)
				.block(Duration.ofSeconds(5));
			long grants = redis.opsForHash().size(keys.grants()).block(Duration.ofSeconds(5));
			return new State(rows, endOffsets(), settings, grants);
		}

		private static long endOffsets() throws Exception {
			String bootstrap = (String) DevServices.properties().get("spring.kafka.bootstrap-servers");
			try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
				String topic = TOPIC;
				int partitions = admin.describeTopics(List.of(topic))
					.allTopicNames()
					.get()
					.get(topic)
					.partitions()
					.size();
				Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
				for (int p = 0; p < partitions; p++) {
					latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
				}
				return admin.listOffsets(latest).all().get().values().stream().mapToLong((o) -> o.offset()).sum();
			}
		}

	}

}
