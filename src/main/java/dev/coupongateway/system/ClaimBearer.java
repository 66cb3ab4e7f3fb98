package dev.coupongateway.system;

import java.security.Principal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.security.authentication.AuthenticationCredentialsNotFoundException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.server.resource.BearerTokenErrors;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.web.server.header.CacheControlServerHttpHeadersWriter;
import org.springframework.security.web.server.header.CompositeServerHttpHeadersWriter;
import org.springframework.security.web.server.header.ContentTypeOptionsServerHttpHeadersWriter;
import org.springframework.security.web.server.header.ReferrerPolicyServerHttpHeadersWriter;
import org.springframework.security.web.server.header.ServerHttpHeadersWriter;
import org.springframework.security.web.server.header.StrictTransportSecurityServerHttpHeadersWriter;
import org.springframework.security.web.server.header.XFrameOptionsServerHttpHeadersWriter;
import org.springframework.security.web.server.header.XXssProtectionServerHttpHeadersWriter;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * In {@code jwt} mode, the claim's own authentication: the one route of a sale's peak
 * skips Spring Security's chain of filters (a reactor context, a session's and a request
 * cache's lookups, an authorization manager's path matchers and an observation of each
 * step cost as much per claim as the claim's Redis script) and is authenticated here with
 * what the chain would use: the same {@link VerifiedTokens} (signature, {@code exp}/
 * {@code nbf}, issuer, audience, {@code sub}), the same bearer syntax, the same refusals
 * ({@link EdgeSecurity#refuse}) and the same security headers. It runs right after Spring
 * Security's {@code WebFilterChainProxy}, whose firewall still turns away a claim with
 * {@code //}, {@code ..} or an encoded slash in its path; the chain's own matcher leaves
 * the claim to this filter ({@link #isClaim}).
 */
final class ClaimBearer implements WebFilter, Ordered {

	/** The claim's pattern, as the router parses it. */
	private static final PathPattern CLAIM = PathPatternParser.defaultInstance.parse(Paths.COUPONS);

	/**
	 * Spring Security's {@code WebFilterChainProxy} (its firewall) runs at -100
	 * ({@code WebFluxSecurityConfiguration}, not public).
	 */
	private static final int AFTER_THE_FIREWALL = -100 + 1;

	/** RFC 6750's {@code b64token}, as Spring Security's bearer converter reads it. */
	private static final Pattern BEARER = Pattern.compile("^Bearer (?<token>[a-zA-Z0-9-._~+/]+=*)$",
			Pattern.CASE_INSENSITIVE);

	/** What Spring Security's header writer adds by default, in its order. */
	private static final ServerHttpHeadersWriter SECURITY_HEADERS = new CompositeServerHttpHeadersWriter(
			new CacheControlServerHttpHeadersWriter(), new ContentTypeOptionsServerHttpHeadersWriter(),
			new StrictTransportSecurityServerHttpHeadersWriter(), new XFrameOptionsServerHttpHeadersWriter(),
			new XXssProtectionServerHttpHeadersWriter(), new ReferrerPolicyServerHttpHeadersWriter());

	private final VerifiedTokens tokens;

	private final JsonMapper json;

	ClaimBearer(VerifiedTokens tokens, JsonMapper json) {
		this.tokens = tokens;
		this.json = json;
	}

	/** The decoder the chain verifies the other routes' tokens with: the same cache. */
	VerifiedTokens tokens() {
		return this.tokens;
	}

	/** A claim: {@code POST /api/campaigns/{id}/coupons}. */
	static boolean isClaim(ServerHttpRequest request) {
		return request.getMethod() == HttpMethod.POST && CLAIM.matches(request.getPath().pathWithinApplication());
	}

	@Override
	public int getOrder() {
		// after the firewall, before every route
		return AFTER_THE_FIREWALL;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		if (!isClaim(exchange.getRequest())) {
			return chain.filter(exchange);
		}
		exchange.getResponse().beforeCommit(() -> SECURITY_HEADERS.writeHttpHeaders(exchange));
		String token;
		try {
			token = token(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
		}
		catch (AuthenticationException ex) {
			return refuse(exchange, ex);
		}
		return this.tokens.decode(token)
			.onErrorMap(JwtException.class, ClaimBearer::refused)
			.flatMap((jwt) -> chain.filter(exchange.mutate().principal(Mono.just(new Subject(jwt))).build()))
			.onErrorResume(OAuth2AuthenticationException.class, (ex) -> refuse(exchange, ex));
	}

	/**
	 * The bearer token, as Spring Security's converter finds it: none without an
	 * {@code Authorization: Bearer}, refused when malformed.
	 */
	private static String token(String authorization) {
		if (authorization == null || !authorization.regionMatches(true, 0, "bearer", 0, 6)) {
			throw new AuthenticationCredentialsNotFoundException("Not Authenticated");
		}
		Matcher matcher = BEARER.matcher(authorization);
		if (!matcher.matches()) {
			throw new OAuth2AuthenticationException(BearerTokenErrors.invalidToken("Bearer token is malformed"));
		}
		return matcher.group("token");
	}

	/**
	 * As Spring Security's JWT authentication manager: a refused token is an invalid one,
	 * anything else (a JWK set that could not be read) an error of the service.
	 */
	private static AuthenticationException refused(Throwable ex) {
		return (ex instanceof BadJwtException) ? new InvalidBearerTokenException(ex.getMessage(), ex)
				: new AuthenticationServiceException(ex.getMessage(), ex);
	}

	private Mono<Void> refuse(ServerWebExchange exchange, AuthenticationException ex) {
		return EdgeSecurity.refuse(exchange, this.json, ProblemCode.UNAUTHENTICATED, EdgeSecurity.detail(ex),
				EdgeSecurity.challenge(ex));
	}

	/** The token's subject, the caller {@link CurrentUser} names. */
	private record Subject(Jwt jwt) implements Principal {

		@Override
		public String getName() {
			return this.jwt.getSubject();
		}

	}

}
