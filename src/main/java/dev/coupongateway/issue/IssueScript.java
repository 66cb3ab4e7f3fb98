package dev.coupongateway.issue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.LuaScripts;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs {@code scripts/issue.lua} (by SHA, loaded when Redis does not know it) and maps
 * its return codes to an {@link IssueOutcome}. The rate limits ({@code coupon.limits})
 * are checked by the same script, in the campaign's slot: no extra round trip, and a
 * limited claim changes nothing.
 * <p>
 * The script runs straight on Lettuce, on a connection of its own made from the
 * application's Redis client (so with its settings, standalone or cluster), with keys and
 * arguments as bytes, the bucket's keys encoded once: the template's serializers, result
 * conversion and per-call connection handling cost a tenth of a claim's CPU. Lettuce
 * sends a command to the slot of its first key; all keys of a claim share the bucket's
 * hash tag.
 */
@Component
class IssueScript implements SmartLifecycle, DisposableBean {

	private static final byte[] ADMITTED = ascii("1");

	private static final byte[] NOT_ADMITTED = ascii("0");

	private final LettuceConnectionFactory factory;

	private final String sha;

	private final byte[] text;

	/** ARGV[3..6]: ms between claims and burst, per user and per address. */
	private final byte[][] limits;

	/**
	 * ARGV[3..6] for a scratch campaign's claims: none. The warm-up sends them all from
	 * this instance's own address; limited, they would be refused before the grant path
	 * they are there to warm, and they would write limiter keys to clean up.
	 */
	private static final byte[][] NO_LIMITS = { ascii("0"), ascii("0"), ascii("0"), ascii("0") };

	/** The bucket keys of the campaigns in use, encoded once. */
	private final Cache<CampaignKeys, Encoded> encoded = Caffeine.newBuilder().maximumSize(10_000).build();

	private volatile Connection connection;

	private volatile boolean running;

	/**
	 * Connects (blocking, so off the event loops) when there is no connection yet, or the
	 * factory was restarted with a new client (a stopped client closed its connections).
	 */
	private final Mono<Connection> connect = Mono.fromCallable(this::connectNow)
		.subscribeOn(Schedulers.boundedElastic());

	IssueScript(LettuceConnectionFactory factory, CouponProperties properties) {
		this.factory = factory;
		var script = LuaScripts.of("issue.lua", List.class);
		this.sha = script.getSha1();
		this.text = script.getScriptAsString().getBytes(StandardCharsets.UTF_8);
		CouponProperties.Limits limits = properties.limits();
		this.limits = new byte[][] { ascii(Long.toString(limits.userInterval().toMillis())),
				ascii(Integer.toString(limits.userBurst())), ascii(Long.toString(limits.addressInterval().toMillis())),
				ascii(Integer.toString(limits.addressBurst())) };
	}

	/**
	 * Runs the script in the bucket {@code keys} (the user's) for {@code userId};
	 * {@code admitted} when the claim carries a valid waiting-room ticket for this user.
	 */
	Mono<IssueOutcome> claim(CampaignKeys keys, String userId, String address, UUID couponId, boolean admitted) {
		Encoded bucket = this.encoded.get(keys, Encoded::of);
		byte[] user = utf8(userId);
		byte[][] scriptKeys = { bucket.settings(), bucket.grants(), bucket.outbox(), bucket.free(),
				concat(bucket.userLimiter(), user), concat(bucket.addressLimiter(), utf8(address)) };
		byte[][] limits = CampaignId.isScratch(keys.campaignId()) ? NO_LIMITS : this.limits;
		byte[][] args = { user, ascii(couponId.toString()), limits[0], limits[1], limits[2], limits[3],
				admitted ? ADMITTED : NOT_ADMITTED };
		return commands()
			.flatMap((redis) -> answer(redis.<List<Object>>evalsha(this.sha, ScriptOutputType.MULTI, scriptKeys, args))
				.onErrorResume(RedisNoScriptException.class,
						(unknown) -> answer(
								redis.<List<Object>>eval(this.text, ScriptOutputType.MULTI, scriptKeys, args))))
			.map((reply) -> outcome(reply, couponId));
	}

	/**
	 * The grants Redis holds for {@code userId} in the bucket {@code keys}, asked on the
	 * script's connection: after a script sent before it, whose answer was lost.
	 */
	Mono<List<Grant>> grants(CampaignKeys keys, String userId) {
		Encoded bucket = this.encoded.get(keys, Encoded::of);
		return commands().flatMap((redis) -> answer(redis.hget(bucket.grants(), utf8(userId))))
			.map((held) -> Grant.parseAll(new String(held, StandardCharsets.UTF_8)))
			.defaultIfEmpty(List.of());
	}

	/**
	 * A command's answer. A claim that gave up waiting does not cancel it: it was sent
	 * and may run all the same, and a look-up sent after it must be answered after it.
	 */
	static <T> Mono<T> answer(RedisFuture<T> command) {
		// a connection reset under a command (a master killed) fails it with the bare
		// I/O error: on this connection that is Redis gone, a 503 or a look-up, never a
		// 500
		return Mono.fromFuture(command.toCompletableFuture(), true)
			.onErrorMap(IOException.class,
					(lost) -> new RedisConnectionException("Redis connection lost under a command: " + lost, lost));
	}

	/**
	 * The connection, kept while the factory's client is the one it was made from:
	 * Lettuce reconnects it by itself.
	 */
	private Mono<RedisClusterAsyncCommands<byte[], byte[]>> commands() {
		return Mono.defer(() -> {
			Connection current = this.connection;
			// throws while the factory is stopped: Redis is unavailable to this instance
			if (current != null && current.client() == this.factory.getRequiredNativeClient()) {
				return Mono.just(current.commands());
			}
			return this.connect.map(Connection::commands);
		});
	}

	private synchronized Connection connectNow() {
		AbstractRedisClient client = this.factory.getRequiredNativeClient();
		Connection current = this.connection;
		if (current != null && current.client() == client) {
			return current;
		}
		if (current != null) {
			current.connection().closeAsync();
		}
		Connection made;
		if (client instanceof RedisClusterClient cluster) {
			StatefulRedisClusterConnection<byte[], byte[]> connection = cluster.connect(ByteArrayCodec.INSTANCE);
			// on every master: a claim's first EVALSHA then finds the script wherever it
			// goes
			connection.sync().upstream().commands().scriptLoad(this.text);
			made = new Connection(client, connection, connection.async());
		}
		else {
			StatefulRedisConnection<byte[], byte[]> connection = ((RedisClient) client)
				.connect(ByteArrayCodec.INSTANCE);
			connection.sync().scriptLoad(this.text);
			made = new Connection(client, connection, connection.async());
		}
		this.connection = made;
		return made;
	}

	/**
	 * Connects in the background once Redis's client has started (and again after a
	 * restart made a new one), so the first claims do not wait for it; a Redis that is
	 * down then is connected to by the first claim.
	 */
	@Override
	public void start() {
		this.running = true;
		this.connect.subscribe((made) -> {
		}, (ex) -> {
		});
	}

	@Override
	public void stop() {
		this.running = false;
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	/** After the connection factory's phase: its client exists when this starts. */
	@Override
	public int getPhase() {
		int factory = this.factory.getPhase();
		return (factory == Integer.MAX_VALUE) ? factory : factory + 1;
	}

	@Override
	public void destroy() {
		Connection current = this.connection;
		if (current != null) {
			current.connection().closeAsync();
		}
	}

	private static IssueOutcome outcome(List<Object> reply, UUID couponId) {
		int code = ((Number) reply.get(0)).intValue();
		return switch (code) {
			case 1 -> new IssueOutcome(Result.GRANTED, List.of(new Grant(couponId, ((Number) reply.get(1)).intValue(),
					((Number) reply.get(2)).intValue(), Instant.ofEpochMilli(((Number) reply.get(3)).longValue()))),
					string(reply.get(4)));
			case 0 -> IssueOutcome.of(Result.UNKNOWN_CAMPAIGN);
			case -1 -> new IssueOutcome(Result.ALREADY_ISSUED, Grant.parseAll(string(reply.get(1))), null);
			case -2 -> IssueOutcome.of(Result.NOT_STARTED);
			case -3 -> IssueOutcome.of(Result.ENDED);
			case -4 -> IssueOutcome.of(Result.SOLD_OUT);
			case -5 -> IssueOutcome.rateLimited(Duration.ofMillis(((Number) reply.get(1)).longValue()));
			case -6 -> IssueOutcome.of(Result.PAUSED);
			case -7 -> IssueOutcome.of(Result.NOT_ADMITTED);
			default -> throw new IllegalStateException("issue.lua returned unknown code " + code);
		};
	}

	private static String string(Object bulk) {
		return (bulk != null) ? new String((byte[]) bulk, StandardCharsets.UTF_8) : null;
	}

	private static byte[] utf8(String value) {
		return value.getBytes(StandardCharsets.UTF_8);
	}

	private static byte[] ascii(String value) {
		return value.getBytes(StandardCharsets.US_ASCII);
	}

	private static byte[] concat(byte[] prefix, byte[] suffix) {
		byte[] joined = new byte[prefix.length + suffix.length];
		System.arraycopy(prefix, 0, joined, 0, prefix.length);
		System.arraycopy(suffix, 0, joined, prefix.length, suffix.length);
		return joined;
	}

	/** The script's connection, the client it was made from, and its commands. */
	private record Connection(AbstractRedisClient client, StatefulConnection<byte[], byte[]> connection,
			RedisClusterAsyncCommands<byte[], byte[]> commands) {
	}

	/** A bucket's keys as the script takes them, as bytes. */
	private record Encoded(byte[] settings, byte[] grants, byte[] outbox, byte[] free, byte[] userLimiter,
			byte[] addressLimiter) {

		static Encoded of(CampaignKeys keys) {
			return new Encoded(utf8(keys.settings()), utf8(keys.grants()), utf8(keys.outbox()), utf8(keys.free()),
					utf8(keys.limiter() + "u:"), utf8(keys.limiter() + "a:"));
		}

	}

}
