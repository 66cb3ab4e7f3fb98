package dev.coupongateway.system;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.coupongateway.Fixtures;
import dev.coupongateway.GatewayInstance;
import dev.coupongateway.Tokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * {@code jwt} mode with the issuer's keys from a JWK set URI (served here by a tiny HTTP
 * server, as an identity provider publishes them): an RS256 token signed with the
 * published key claims; one signed with another key is refused.
 */
class JwkSetIdentityTests {

	private static HttpServer issuer;

	private static RSAKey published;

	private static ConfigurableApplicationContext instance;

	private static WebTestClient http;

	@BeforeAll
	static void start() throws Exception {
		published = new RSAKeyGenerator(2048).keyID("published").generate();
		byte[] jwks = new JWKSet(published.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
		issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		issuer.createContext("/jwks", (exchange) -> {
			exchange.getResponseHeaders().add("Content-Type", "application/json");
			exchange.sendResponseHeaders(200, jwks.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(jwks);
			}
		});
		issuer.start();
		instance = GatewayInstance.start("coupon.identity=jwt", "coupon.roles=gateway",
				"coupon.jwt.jwk-set-uri=http://127.0.0.1:" + issuer.getAddress().getPort() + "/jwks",
				"coupon.jwt.issuer=" + Tokens.ISSUER, "coupon.jwt.audience=" + Tokens.AUDIENCE);
		int port = ((WebServerApplicationContext) instance).getWebServer().getPort();
		http = WebTestClient.bindToServer()
			.baseUrl("http://127.0.0.1:" + port)
			.responseTimeout(Duration.ofSeconds(20))
			.build();
	}

	@AfterAll
	static void stop() {
		instance.close();
		issuer.stop(0);
	}

	@Test
	void whenTheTokenIsSignedWithThePublishedKeyThenItClaimsElseItIsRefused() throws Exception {
		String campaign = Fixtures.uniqueId("jwks");
		http.post()
			.uri(Paths.ADMIN_CAMPAIGNS)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + rs256(published, "ops", "coupon-admin"))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue("{\"id\":\"" + campaign + "\",\"name\":\"Jwks\",\"totalStock\":3}")
			.exchange()
			.expectStatus()
			.isCreated();
		http.post()
			.uri(Paths.COUPONS, campaign)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + rs256(published, "jwks-alice", null))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectBody()
			.jsonPath("$.userId")
			.isEqualTo("jwks-alice");
		RSAKey other = new RSAKeyGenerator(2048).keyID("published").generate();
		http.post()
			.uri(Paths.COUPONS, campaign)
			.header(HttpHeaders.AUTHORIZATION, "Bearer " + rs256(other, "jwks-mallory", null))
			.exchange()
			.expectStatus()
			.isUnauthorized()
			.expectHeader()
			.valueMatches(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\".*");
		http.get().uri(Paths.CAMPAIGN_STOCK, campaign).exchange().expectBody().jsonPath("$.issued").isEqualTo(1);
	}

	private static String rs256(RSAKey key, String subject, String scope) throws JOSEException {
		var claims = Tokens.valid(subject);
		if (scope != null) {
			claims.claim("scope", scope);
		}
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
				claims.build());
		jwt.sign(new RSASSASigner(key));
		return jwt.serialize();
	}

}
