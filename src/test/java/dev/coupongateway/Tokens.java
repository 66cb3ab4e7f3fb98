package dev.coupongateway;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

/**
 * Bearer tokens for tests of {@code jwt} mode, minted with Nimbus as an identity provider
 * would.
 */
public final class Tokens {

	public static final String SECRET = "test-secret-of-at-least-thirty-two-bytes!";

	public static final String ISSUER = "https://id.example.test";

	public static final String AUDIENCE = "coupon-gateway";

	/**
	 * The settings of an instance in {@code jwt} mode that accepts what {@link #valid}
	 * mints.
	 */
	public static final String[] JWT_MODE = { "coupon.identity=jwt", "coupon.jwt.secret=" + SECRET,
			"coupon.jwt.issuer=" + ISSUER, "coupon.jwt.audience=" + AUDIENCE };

	private Tokens() {
	}

	/** Claims a good token carries: issuer, audience, subject, five minutes to live. */
	public static JWTClaimsSet.Builder valid(String subject) {
		Instant now = Instant.now();
		return new JWTClaimsSet.Builder().issuer(ISSUER)
			.audience(AUDIENCE)
			.subject(subject)
			.issueTime(Date.from(now))
			.expirationTime(Date.from(now.plusSeconds(300)));
	}

	public static String signed(JWTClaimsSet.Builder claims) {
		return signed(claims, SECRET);
	}

	public static String signed(JWTClaimsSet.Builder claims, String secret) {
		try {
			SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
			jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
			return jwt.serialize();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The same claims with {@code alg: none} and no signature. */
	public static String unsigned(JWTClaimsSet.Builder claims) {
		return new PlainJWT(claims.build()).serialize();
	}

}
