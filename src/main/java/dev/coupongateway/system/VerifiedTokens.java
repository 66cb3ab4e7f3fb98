package dev.coupongateway.system;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * A {@link ReactiveJwtDecoder} that verifies a token once and then answers from memory
 * until the token's {@code exp} (or {@code maxTtl}, whichever comes first).
 * <p>
 * The key is the whole token, compared by {@code equals}: one changed character (another
 * signature, another claim) is another token that the verifier sees. A hash of the token
 * would save no memory ({@link Jwt} keeps the token anyway) and a short one could
 * collide; a cryptographic one costs as much per request as the lookup saves. Only
 * accepted tokens are kept: a refused one is verified again each time, so the same
 * problem answers it, and a token refused for its {@code nbf}, or for a key the JWK set
 * did not have yet, is accepted once it becomes valid. A token kept is one that was
 * valid, {@code nbf} included, when verified; time only moves towards its {@code exp},
 * which is checked on every hit against the same clock the verifier's validators use
 * (Caffeine's own expiry only frees the memory).
 */
final class VerifiedTokens implements ReactiveJwtDecoder {

	private final ReactiveJwtDecoder verifier;

	private final Clock clock;

	private final Duration maxTtl;

	private final Cache<String, Verified> verified;

	private final Counter accepted;

	private final Counter refused;

	VerifiedTokens(ReactiveJwtDecoder verifier, long maxTokens, Duration maxTtl, Clock clock, MeterRegistry meters) {
		this.verifier = verifier;
		this.clock = clock;
		this.maxTtl = maxTtl;
		this.verified = Caffeine.newBuilder()
			.maximumSize(maxTokens)
			.expireAfter(Expiry.writing((String token, Verified known) -> known.timeToLive(this.clock.instant())))
			// the upkeep (eviction, expiry) is a few pointer moves: no hop to another
			// thread for it
			.executor(Runnable::run)
			.build();
		this.accepted = verifications(meters, "accepted");
		this.refused = verifications(meters, "refused");
	}

	@Override
	public Mono<Jwt> decode(String token) {
		Verified known = this.verified.getIfPresent(token);
		if (known != null && this.clock.instant().isBefore(known.until())) {
			return Mono.just(known.jwt());
		}
		return this.verifier.decode(token).doOnNext((jwt) -> {
			this.accepted.increment();
			Instant now = this.clock.instant();
			Verified verified = new Verified(jwt, until(jwt, now));
			if (now.isBefore(verified.until())) {
				this.verified.put(token, verified);
			}
		}).doOnError((ex) -> this.refused.increment());
	}

	/** Tokens kept now (for tests and metrics). */
	long size() {
		this.verified.cleanUp();
		return this.verified.estimatedSize();
	}

	/**
	 * Until {@code exp}, {@code maxTtl} at most. Past its {@code exp} a token goes back
	 * to the verifier, whose clock skew then decides, as it would without this cache.
	 */
	private Instant until(Jwt jwt, Instant now) {
		Instant latest = now.plus(this.maxTtl);
		Instant expiresAt = jwt.getExpiresAt();
		return (expiresAt != null && expiresAt.isBefore(latest)) ? expiresAt : latest;
	}

	private static Counter verifications(MeterRegistry meters, String outcome) {
		return Counter.builder("coupon.jwt.verifications")
			.description(
					"Bearer tokens verified (signature and claims), not answered from the cache of verified tokens")
			.tag("outcome", outcome)
			.register(meters);
	}

	/**
	 * A verified token and the instant it stops being trusted without verifying it again.
	 */
	private record Verified(Jwt jwt, Instant until) {

		Duration timeToLive(Instant now) {
			return Duration.between(now, this.until);
		}

	}

}
