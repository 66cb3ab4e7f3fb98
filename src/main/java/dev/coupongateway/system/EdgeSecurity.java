package dev.coupongateway.system;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import javax.crypto.spec.SecretKeySpec;

import dev.coupongateway.system.CouponProperties.Identity;
import dev.coupongateway.system.CouponProperties.Jwt;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.config.web.server.SecurityWebFiltersOrder;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.web.authentication.preauth.PreAuthenticatedAuthenticationToken;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.AuthenticationWebFilter;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.firewall.ServerExchangeRejectedHandler;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatcher;
import org.springframework.security.web.server.util.matcher.ServerWebExchangeMatchers;
import org.springframework.web.server.ServerWebExchange;

/**
 * Who may do what, at the edge. In {@code jwt} mode Spring Security's reactive resource
 * server verifies bearer tokens (signature, {@code exp}/{@code nbf}, issuer, audience, a
 * usable {@code sub}): claims and the caller's coupons need a token, the admin API its
 * scope, reads are public; every refusal is a problem response with RFC 6750's
 * {@code WWW-Authenticate}. A token verified once is kept until its {@code exp}
 * ({@link VerifiedTokens}), so a caller's next requests skip the verification. The claim
 * route, most of a spike's requests, is not walked through the chain: {@link ClaimBearer}
 * verifies its token with the same decoder and cache, and refuses as the chain does. In
 * {@code header} mode the chain matches only the actuator, where the admin token makes
 * the operator: the proxy in front authenticates, {@link CurrentUser} reads its header
 * and {@link AdminToken} guards the admin API. Either way, health's details are the
 * operator's alone ({@code management.endpoint.health.roles}); the status is anyone's.
 */
@Configuration(proxyBeanMethods = false)
class EdgeSecurity {

	@Bean
	SecurityWebFilterChain edge(ServerHttpSecurity http, CouponProperties properties, JsonMapper json,
			ObjectProvider<ClaimBearer> claims) {
		http.csrf(ServerHttpSecurity.CsrfSpec::disable)
			.httpBasic(ServerHttpSecurity.HttpBasicSpec::disable)
			.formLogin(ServerHttpSecurity.FormLoginSpec::disable)
			.logout(ServerHttpSecurity.LogoutSpec::disable)
			.anonymous(ServerHttpSecurity.AnonymousSpec::disable);
		Jwt jwt = properties.jwt();
		if (properties.identity() == Identity.HEADER) {
			// only the actuator: the admin token makes its caller the operator, who sees
			// health's details
			// (management.endpoint.health.roles); everything else is the proxy's,
			// AdminToken's and CurrentUser's
			return http.securityMatcher(ServerWebExchangeMatchers.pathMatchers(Paths.ACTUATOR_ANY))
				.addFilterAt(operator(properties.admin().token(), jwt.adminScope()),
						SecurityWebFiltersOrder.AUTHENTICATION)
				.build();
		}
		// the claim is ClaimBearer's, with the same verified tokens; the firewall is the
		// proxy's, for every request
		ClaimBearer claim = claims.getObject();
		return http
			.securityMatcher((exchange) -> ClaimBearer.isClaim(exchange.getRequest())
					? ServerWebExchangeMatcher.MatchResult.notMatch() : ServerWebExchangeMatcher.MatchResult.match())
			// stateless: the token says who calls, every time; no WebSession to look up
			// on each request, no refused request to remember for after a login. The
			// security headers stay (nosniff, no-cache, no framing): they guard the page,
			// Swagger UI and a caller's own coupons for the price of a few header writes
			.securityContextRepository(NoOpServerSecurityContextRepository.getInstance())
			// (the request cache's filter stays in the chain, asking a cache that keeps
			// nothing)
			.requestCache(ServerHttpSecurity.RequestCacheSpec::disable)
			.authorizeExchange((exchanges) -> exchanges.pathMatchers(Paths.ADMIN_ANY)
				.hasAuthority("SCOPE_" + jwt.adminScope())
				.pathMatchers(HttpMethod.POST, Paths.anyId(Paths.COUPONS), Paths.anyId(Paths.QUEUE))
				.authenticated()
				.pathMatchers(Paths.anyId(Paths.MY_COUPONS))
				.authenticated()
				.anyExchange()
				.permitAll())
			.oauth2ResourceServer((server) -> server.jwt((token) -> token.jwtDecoder(claim.tokens()))
				.authenticationEntryPoint((exchange, ex) -> refuse(exchange, json, ProblemCode.UNAUTHENTICATED,
						detail(ex), challenge(ex)))
				.accessDeniedHandler((exchange, denied) -> refuse(exchange, json, ProblemCode.FORBIDDEN,
						"This needs the scope " + jwt.adminScope() + ".",
						"Bearer error=\"insufficient_scope\", scope=\"" + jwt.adminScope() + "\"")))
			.build();
	}

	/**
	 * In {@code jwt} mode the claim's authentication, on its own lean path
	 * ({@link ClaimBearer}); the verified tokens are the chain's too.
	 */
	@Bean
	@ConditionalOnProperty(name = "coupon.identity", havingValue = "jwt", matchIfMissing = true)
	ClaimBearer claimBearer(CouponProperties properties, JsonMapper json, Clock clock, MeterRegistry meters) {
		Jwt jwt = properties.jwt();
		return new ClaimBearer(
				new VerifiedTokens(decoder(jwt, clock), jwt.cache().maxTokens(), jwt.cache().maxTtl(), clock, meters),
				json);
	}

	/**
	 * Spring Security's firewall turns away requests no route should see (a path with
	 * {@code //}, {@code ..}, encoded slashes or control characters, in either mode);
	 * this answers them as problems.
	 */
	@Bean
	ServerExchangeRejectedHandler rejectedAsProblem(JsonMapper json) {
		return (exchange, rejected) -> refuse(exchange, json, ProblemCode.INVALID_REQUEST,
				"The request was refused: " + rejected.getMessage(), null);
	}

	/**
	 * In {@code header} mode: {@code Authorization: Bearer <coupon.admin.token>}
	 * (compared in constant time) is the operator, with the admin scope's authority, as
	 * an admin-scoped token is in {@code jwt} mode. Anything else passes as no one in
	 * particular (an actuator read is never refused for a wrong token).
	 */
	private static AuthenticationWebFilter operator(String token, String adminScope) {
		byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
		Authentication operator = new PreAuthenticatedAuthenticationToken("operator", null,
				List.of(new SimpleGrantedAuthority("SCOPE_" + adminScope)));
		AuthenticationWebFilter filter = new AuthenticationWebFilter((ReactiveAuthenticationManager) Mono::just);
		filter.setServerAuthenticationConverter((exchange) -> {
			String presented = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
			return (presented != null && MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8)))
					? Mono.just(operator) : Mono.empty();
		});
		return filter;
	}

	/**
	 * HS256 with the shared secret, or the issuer's keys from its JWK set; never
	 * {@code alg: none}.
	 */
	static ReactiveJwtDecoder decoder(Jwt jwt, Clock clock) {
		NimbusReactiveJwtDecoder decoder = (jwt.jwkSetUri() != null && !jwt.jwkSetUri().isBlank())
				? NimbusReactiveJwtDecoder.withJwkSetUri(jwt.jwkSetUri()).build()
				: NimbusReactiveJwtDecoder
					.withSecretKey(new SecretKeySpec(jwt.secret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"))
					.macAlgorithm(MacAlgorithm.HS256)
					.build();
		// exp and nbf on the clock VerifiedTokens checks exp on
		JwtTimestampValidator timestamps = new JwtTimestampValidator();
		timestamps.setClock(clock);
		List<OAuth2TokenValidator<org.springframework.security.oauth2.jwt.Jwt>> checks = new ArrayList<>();
		checks.add(timestamps);
		if (jwt.issuer() != null && !jwt.issuer().isBlank()) {
			checks.add(new JwtIssuerValidator(jwt.issuer()));
		}
		if (jwt.audience() != null && !jwt.audience().isBlank()) {
			checks.add(new JwtClaimValidator<List<String>>(JwtClaimNames.AUD,
					(audience) -> audience != null && audience.contains(jwt.audience())));
		}
		checks.add(new JwtClaimValidator<String>(JwtClaimNames.SUB,
				(subject) -> subject != null && CurrentUser.USER_ID.matcher(subject).matches()));
		// Spring's defaults besides (typ, a certificate-bound token's thumbprint)
		decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(checks));
		return decoder;
	}

	static String detail(AuthenticationException ex) {
		if (ex instanceof OAuth2AuthenticationException invalid && invalid.getError().getDescription() != null) {
			return "The bearer token was refused: " + invalid.getError().getDescription();
		}
		return "Send Authorization: Bearer <token>.";
	}

	/**
	 * RFC 6750 section 3: {@code Bearer}, with the error when a token was sent and
	 * refused.
	 */
	static String challenge(AuthenticationException ex) {
		if (!(ex instanceof OAuth2AuthenticationException invalid)) {
			return "Bearer";
		}
		OAuth2Error error = invalid.getError();
		StringBuilder header = new StringBuilder("Bearer error=\"").append(error.getErrorCode()).append('"');
		if (error.getDescription() != null) {
			header.append(", error_description=\"").append(error.getDescription().replace("\"", "'")).append('"');
		}
		return header.toString();
	}

	static Mono<Void> refuse(ServerWebExchange exchange, JsonMapper json, ProblemCode code, String detail,
			String challenge) {
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(code.status());
		if (challenge != null) {
			response.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge);
		}
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		URI instance = URI.create(exchange.getRequest().getPath().value());
		byte[] body = json.writeValueAsBytes(Problem.of(code, detail).toMap(instance));
		DataBuffer buffer = response.bufferFactory().wrap(body);
		return response.writeWith(Mono.just(buffer));
	}

}
