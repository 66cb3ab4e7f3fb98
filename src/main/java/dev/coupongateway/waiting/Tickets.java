package dev.coupongateway.waiting;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.coupongateway.system.CouponProperties;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Admission tickets and line tokens, signed with HMAC-SHA256. A ticket says "this user may claim in
 * this campaign until then" ({@code <expiresAtMs>.<mac>}); a line token lets a browser's EventSource,
 * which cannot send headers, watch its own place. Both are bound to the campaign and the user, so one
 * cannot be used for another; checking one needs no Redis round trip, in any slot. The key is
 * {@code coupon.waiting-room.secret} when set, else one made by the first instance and shared through
 * Redis, so every instance checks what any instance signed.
 */
@Component
public class Tickets {

	private static final String SHARED_SECRET = "coupon:waiting-room:secret";

	private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

	private final Mono<SecretKeySpec> key;

	private final Clock clock;

	Tickets(ReactiveStringRedisTemplate redis, CouponProperties properties, Clock clock) {
		this.clock = clock;
		String configured = properties.waitingRoom().secret();
		Mono<String> secret = (configured != null && !configured.isBlank()) ? Mono.just(configured)
				: redis.opsForValue()
					.setIfAbsent(SHARED_SECRET, BASE64.encodeToString(random()))
					.then(redis.opsForValue().get(SHARED_SECRET));
		// read once, kept; a failed read (Redis away) is tried again by the next caller
		this.key = secret.map((text) -> new SecretKeySpec(text.getBytes(StandardCharsets.UTF_8), "HmacSHA256"))
			.cache((value) -> Duration.ofDays(3650), (ex) -> Duration.ZERO, () -> Duration.ZERO);
	}

	/** A ticket for {@code userId} in {@code campaignId}, valid until {@code expiresAt}. */
	Mono<String> ticket(String campaignId, String userId, Instant expiresAt) {
		long expires = expiresAt.toEpochMilli();
		return this.key.map((key) -> expires + "." + mac(key, "ticket\n" + campaignId + "\n" + userId + "\n" + expires));
	}

	/**
	 * Whether {@code ticket} admits {@code userId} to claim in {@code campaignId} now: signed by us, for this
	 * campaign and user, not expired.
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
		return this.key.map((key) -> same(signature, mac(key, "ticket\n" + campaignId + "\n" + userId + "\n" + expires)));
	}

	/** A token with which {@code userId} may watch their place in {@code campaignId}'s line. */
	Mono<String> lineToken(String campaignId, String userId) {
		return this.key.map((key) -> mac(key, "line\n" + campaignId + "\n" + userId));
	}

	/** Whether {@code token} is {@code userId}'s line token for {@code campaignId}. */
	Mono<Boolean> watches(String token, String campaignId, String userId) {
		if (token == null) {
			return Mono.just(false);
		}
		return this.key.map((key) -> same(token, mac(key, "line\n" + campaignId + "\n" + userId)));
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

	/** Compared in constant time: how long a comparison takes must not tell how much of a forgery was right. */
	private static boolean same(String given, String expected) {
		return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
	}

	private static byte[] random() {
		byte[] secret = new byte[32];
		new SecureRandom().nextBytes(secret);
		return secret;
	}

}
