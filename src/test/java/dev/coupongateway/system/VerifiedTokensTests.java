package dev.coupongateway.system;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.coupongateway.Tokens;
import dev.coupongateway.system.CouponProperties.Jwt;
import dev.coupongateway.system.CouponProperties.TokenCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The cache of verified tokens in front of the real verifier ({@link EdgeSecurity}'s
 * Nimbus decoder and validators), on a clock the test moves: a token is verified once,
 * never trusted past its {@code exp} or {@code max-ttl}, a refused one is never kept, and
 * the cache stays within its bound.
 */
class VerifiedTokensTests {

	private static final Instant START = Instant.parse("2026-01-01T12:00:00Z");

	private final MovableClock clock = new MovableClock(START);

	private final AtomicInteger verifications = new AtomicInteger();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	@Test
	void whenTheSameTokenComesAgainThenItIsNotVerifiedAgain() {
		VerifiedTokens tokens = tokens(100, Duration.ofMinutes(5));
		String token = Tokens.signed(claims("alice", Duration.ofMinutes(10)));
		assertThat(tokens.decode(token).block().getSubject()).isEqualTo("alice");
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(tokens.decode(token).block().getSubject()).isEqualTo("alice");
		assertThat(tokens.decode(token).block().getSubject()).isEqualTo("alice");
		assertThat(this.verifications).hasValue(1);
		assertThat(this.meters.get("coupon.jwt.verifications").tag("outcome", "accepted").counter().count())
			.isEqualTo(1);
	}

	@Test
	void whenACachedTokenExpiresThenItIsVerifiedAgainAndRefused() {
		VerifiedTokens tokens = tokens(100, Duration.ofMinutes(5));
		String token = Tokens.signed(claims("alice", Duration.ofSeconds(30)));
		tokens.decode(token).block();
		this.clock.advance(Duration.ofSeconds(29));
		tokens.decode(token).block();
		assertThat(this.verifications).hasValue(1);
		// past exp the verifier decides again (within its 60 s of clock skew it still
		// accepts)
		this.clock.advance(Duration.ofSeconds(2));
		tokens.decode(token).block();
		assertThat(this.verifications).hasValue(2);
		// and past the skew it refuses, though the token was kept
		this.clock.advance(Duration.ofSeconds(60));
		assertThatExceptionOfType(JwtValidationException.class).isThrownBy(() -> tokens.decode(token).block())
			.withMessageContaining("expired");
		assertThat(this.verifications).hasValue(3);
	}

	@Test
	void whenMaxTtlIsShorterThanTheTokensLifeThenTheTokenIsVerifiedAgainAfterIt() {
		VerifiedTokens tokens = tokens(100, Duration.ofMinutes(5));
		String token = Tokens.signed(claims("alice", Duration.ofHours(1)));
		tokens.decode(token).block();
		this.clock.advance(Duration.ofMinutes(4));
		tokens.decode(token).block();
		assertThat(this.verifications).hasValue(1);
		this.clock.advance(Duration.ofMinutes(1));
		tokens.decode(token).block();
		assertThat(this.verifications).hasValue(2);
	}

	@Test
	void whenABadlySignedTokenOfACachedSubjectComesThenItIsRefusedEveryTime() {
		VerifiedTokens tokens = tokens(100, Duration.ofMinutes(5));
		JWTClaimsSet.Builder alice = claims("alice", Duration.ofMinutes(10));
		String good = Tokens.signed(alice);
		tokens.decode(good).block();
		String otherKey = Tokens.signed(alice, "another-secret-of-at-least-thirty-two-bytes");
		String[] parts = good.split("\\.");
		// the cached token's header and claims with another token's signature
		String spliced = parts[0] + "." + parts[1] + "." + otherKey.split("\\.")[2];
		for (String forged : new String[] { otherKey, spliced, otherKey, spliced }) {
			assertThatExceptionOfType(BadJwtException.class).isThrownBy(() -> tokens.decode(forged).block())
				.withStackTraceContaining("Invalid signature");
		}
		assertThat(this.verifications).hasValue(5);
		assertThat(this.meters.get("coupon.jwt.verifications").tag("outcome", "refused").counter().count())
			.isEqualTo(4);
		assertThat(tokens.size()).isEqualTo(1);
	}

	@Test
	void whenATokenIsNotYetValidThenItIsRefusedAndAcceptedOnceItIs() {
		VerifiedTokens tokens = tokens(100, Duration.ofMinutes(5));
		String token = Tokens.signed(
				claims("alice", Duration.ofMinutes(30)).notBeforeTime(Date.from(START.plus(Duration.ofMinutes(10)))));
		assertThatExceptionOfType(JwtValidationException.class).isThrownBy(() -> tokens.decode(token).block());
		assertThat(tokens.size()).isZero();
		this.clock.advance(Duration.ofMinutes(10));
		assertThat(tokens.decode(token).block().getSubject()).isEqualTo("alice");
		assertThat(tokens.size()).isEqualTo(1);
	}

	@Test
	void whenMoreTokensComeThanTheBoundThenAtMostTheBoundAreKept() {
		VerifiedTokens tokens = tokens(10, Duration.ofMinutes(5));
		for (int i = 0; i < 200; i++) {
			tokens.decode(Tokens.signed(claims("user-" + i, Duration.ofMinutes(10)))).block();
		}
		assertThat(tokens.size()).isLessThanOrEqualTo(10);
		assertThat(this.verifications).hasValue(200);
	}

	@Test
	void whenTheBoundIsZeroThenEveryRequestIsVerified() {
		VerifiedTokens tokens = tokens(0, Duration.ofMinutes(5));
		String token = Tokens.signed(claims("alice", Duration.ofMinutes(10)));
		for (int i = 0; i < 3; i++) {
			tokens.decode(token).block();
		}
		assertThat(this.verifications).hasValue(3);
	}

	/**
	 * The gateway's verifier as {@code jwt} mode builds it, on the test's clock, counting
	 * its calls.
	 */
	private VerifiedTokens tokens(long maxTokens, Duration maxTtl) {
		Jwt settings = new Jwt(Tokens.SECRET, null, Tokens.ISSUER, Tokens.AUDIENCE, "coupon-admin",
				new TokenCache(maxTokens, maxTtl));
		ReactiveJwtDecoder verifier = EdgeSecurity.decoder(settings, this.clock);
		ReactiveJwtDecoder counted = (token) -> Mono.defer(() -> {
			this.verifications.incrementAndGet();
			return verifier.decode(token);
		});
		return new VerifiedTokens(counted, maxTokens, maxTtl, this.clock, this.meters);
	}

	/** A good token's claims, issued at the test clock's start. */
	private static JWTClaimsSet.Builder claims(String subject, Duration life) {
		return Tokens.valid(subject).issueTime(Date.from(START)).expirationTime(Date.from(START.plus(life)));
	}

	/** A clock that moves only when told. */
	private static final class MovableClock extends Clock {

		private volatile Instant now;

		MovableClock(Instant now) {
			this.now = now;
		}

		void advance(Duration by) {
			this.now = this.now.plus(by);
		}

		@Override
		public Instant instant() {
			return this.now;
		}

		@Override
		public ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(ZoneId zone) {
			return this;
		}

	}

}
