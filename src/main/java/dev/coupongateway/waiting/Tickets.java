package dev.coupongateway.waiting;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.LogThrottle;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Admission tickets and line tokens, signed with HMAC-SHA256. A ticket says "this user
 * may claim in this campaign until then" ({@code <expiresAtMs>.<mac>}); a line token lets
 * a browser's EventSource, which cannot send headers, watch its own place. Both are bound
 * to the campaign and the user, so one cannot be used for another; checking one needs no
 * Redis round trip, in any slot. The key is {@code coupon.waiting-room.secret} when set,
 * else one made by the first instance and shared through Redis, so every instance checks
 * what any instance signed; each instance reads it again every
 * {@code coupon.waiting-room.secret-refresh}, so all agree again soon after Redis lost it
 * (see below).
 */
@Component
public class Tickets {

	private static final String SHARED_SECRET = "coupon:waiting-room:secret";

	private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

	private static final SecureRandom RANDOM = new SecureRandom();

	private static final Log logger = LogFactory.getLog(Tickets.class);

	private static final LogThrottle warnings = new LogThrottle(Duration.ofSeconds(10));

	/*
	 * Without a configured secret the key lives in Redis, which may lose it (a restart
	 * without persistence, a flush). Instances must then agree on one new key, soon,
	 * without a Redis call per ticket: - the key read is used for
	 * coupon.waiting-room.secret-refresh (1 s), then read again: one GET a second per
	 * instance, and instances disagree for at most that long after Redis lost it; - when
	 * Redis has none, an instance makes one with SET NX and reads back what Redis holds:
	 * if two instances race, one SET wins and both use its key (a plain SET would let the
	 * last writer win while the first already signed with its own); - a ticket (or line
	 * token) that does not verify has the key read again at once (at most every tenth of
	 * the refresh, so forgeries cannot turn into a GET each) and is checked against the
	 * key Redis holds: an instance that still has the old key accepts what one that made
	 * the new key signed, without waiting for its refresh. Only the key Redis holds
	 * counts: what was signed with a lost key is refused everywhere once instances caught
	 * up (Redis losing its data loses the line too: people join again); - reads are
	 * shared (one GET in flight per instance) and bounded by coupon.redis.timeout; while
	 * Redis does not answer, the key last read stays in use (and is tried again a refresh
	 * later), so tickets keep being signed and checked through an outage of the key's
	 * shard, as before.
	 */
	private final Mono<String> secret;

	private final Duration refresh;

	private final Duration recheck;

	private final Duration timeout;

	private final AtomicReference<Known> known = new AtomicReference<>();

	private final AtomicReference<Mono<Known>> reading = new AtomicReference<>();

	private final Clock clock;

	Tickets(ReactiveStringRedisTemplate redis, CouponProperties properties, Clock clock) {
		this.clock = clock;
		String configured = properties.waitingRoom().secret();
		this.refresh = properties.waitingRoom().secretRefresh();
		this.recheck = this.refresh.dividedBy(10);
		this.timeout = properties.redis().timeout();
		if (configured != null && !configured.isBlank()) {
			this.secret = Mono.empty();
			this.known.set(new Known(spec(configured), Long.MAX_VALUE));
		}
		else {
			this.secret = redis.opsForValue()
				.get(SHARED_SECRET)
				.switchIfEmpty(Mono.defer(() -> redis.opsForValue()
					.setIfAbsent(SHARED_SECRET, BASE64.encodeToString(random()))
					.doOnNext((made) -> {
						if (made) {
							logger.info("Waiting-room ticket key: none in Redis, made a new one");
						}
					})
					.then(redis.opsForValue().get(SHARED_SECRET))));
		}
	}

	/**
	 * A ticket for {@code userId} in {@code campaignId}, valid until {@code expiresAt}.
	 */
	Mono<String> ticket(String campaignId, String userId, Instant expiresAt) {
		long expires = expiresAt.toEpochMilli();
		return key().map((key) -> expires + "." + mac(key, "ticket\n" + campaignId + "\n" + userId + "\n" + expires));
	}

	/**
	 * Whether {@code ticket} admits {@code userId} to claim in {@code campaignId} now:
	 * signed by us, for this campaign and user, not expired.
	 */
	public Mono<Boolean> admits(String ticket, String campaignId, String userId) {
		if (ticket == null) {
			return Mono.just(false);
		}
		int dot = ticket.indexOf('.');
		long expires;
		try {
			expires = Long.parseLong(ticket.substring(0, Math.max(dot, 0)));
		}
		catch (NumberFormatException ex) {
			return Mono.just(false);
		}
		if (expires <= this.clock.millis()) {
			return Mono.just(false);
		}
		String signature = ticket.substring(dot + 1);
		return check((key) -> same(signature, mac(key, "ticket\n" + campaignId + "\n" + userId + "\n" + expires)));
	}

	/**
	 * A token with which {@code userId} may watch their place in {@code campaignId}'s
	 * line.
	 */
	Mono<String> lineToken(String campaignId, String userId) {
		return key().map((key) -> mac(key, "line\n" + campaignId + "\n" + userId));
	}

	/** Whether {@code token} is {@code userId}'s line token for {@code campaignId}. */
	Mono<Boolean> watches(String token, String campaignId, String userId) {
		if (token == null) {
			return Mono.just(false);
		}
		return check((key) -> same(token, mac(key, "line\n" + campaignId + "\n" + userId)));
	}

	/**
	 * The key to sign and check with: the one read last, read again once it is older than
	 * the refresh.
	 */
	private Mono<SecretKeySpec> key() {
		return known().map(Known::key);
	}

	private Mono<Known> known() {
		Known last = this.known.get();
		return (last != null && !last.olderThan(this.refresh)) ? Mono.just(last) : read();
	}

	/**
	 * Whether {@code valid} holds for the key; when not, for the key Redis holds now, if
	 * that is another.
	 */
	private Mono<Boolean> check(Predicate<SecretKeySpec> valid) {
		return known().flatMap((used) -> {
			if (valid.test(used.key())) {
				return Mono.just(true);
			}
			Known latest = this.known.get();
			Mono<Known> now = latest.olderThan(this.recheck) ? read() : Mono.just(latest);
			return now.map((current) -> !current.key().equals(used.key()) && valid.test(current.key()));
		});
	}

	/**
	 * The key as Redis holds it (made there if it has none), one read in flight at a
	 * time; when Redis does not answer, the key read before (kept for another refresh),
	 * or the error if there is none yet.
	 */
	private Mono<Known> read() {
		return Mono.defer(() -> {
			while (true) {
				Mono<Known> running = this.reading.get();
				if (running != null) {
					return running;
				}
				Sinks.One<Known> result = Sinks.one();
				Mono<Known> shared = result.asMono();
				if (this.reading.compareAndSet(null, shared)) {
					this.secret
						.switchIfEmpty(Mono.error(() -> new IllegalStateException("the key vanished as it was made")))
						.timeout(this.timeout)
						.map((text) -> new Known(spec(text), System.nanoTime()))
						.onErrorResume((ex) -> {
							Known last = this.known.get();
							if (last == null) {
								return Mono.error(ex);
							}
							if (warnings.due(SHARED_SECRET)) {
								logger.warn(
										"Waiting-room ticket key not read from Redis, the one read before stays in use: "
												+ ex);
							}
							return Mono.just(new Known(last.key(), System.nanoTime()));
						})
						.subscribe((read) -> {
							this.known.set(read);
							this.reading.set(null);
							result.tryEmitValue(read);
						}, (ex) -> {
							this.reading.set(null);
							result.tryEmitError(ex);
						});
					return shared;
				}
			}
		});
	}

	private static SecretKeySpec spec(String text) {
		return new SecretKeySpec(text.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
	}

	private static String mac(SecretKeySpec key, String text) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(key);
			return BASE64.encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is part of every JDK", ex);
		}
	}

	/**
	 * Compared in constant time: how long a comparison takes must not tell how much of a
	 * forgery was right.
	 */
	private static boolean same(String given, String expected) {
		return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
	}

	private static byte[] random() {
		byte[] secret = new byte[32];
		RANDOM.nextBytes(secret);
		return secret;
	}

	/**
	 * A key, and when it was read ({@link System#nanoTime}; {@link Long#MAX_VALUE}:
	 * configured, never stale).
	 */
	private record Known(SecretKeySpec key, long readAt) {

		boolean olderThan(Duration age) {
			return this.readAt != Long.MAX_VALUE && System.nanoTime() - this.readAt >= age.toNanos();
		}

	}

}
