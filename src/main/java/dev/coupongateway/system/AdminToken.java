package dev.coupongateway.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import dev.coupongateway.system.CouponProperties.Identity;

import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Guards the admin routes in {@code header} mode with the configured bearer token
 * (compared in constant time). In {@code jwt} mode {@link EdgeSecurity} asks for the
 * admin scope instead, and this passes.
 */
@Component
public class AdminToken {

	private final byte[] expected;

	public AdminToken(CouponProperties properties) {
		this.expected = (properties.identity() == Identity.HEADER)
				? ("Bearer " + properties.admin().token()).getBytes(StandardCharsets.UTF_8) : null;
	}

	public HandlerFilterFunction<ServerResponse, ServerResponse> filter() {
		if (this.expected == null) {
			return (request, next) -> next.handle(request);
		}
		return (request, next) -> {
			String presented = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
			if (presented == null
					|| !MessageDigest.isEqual(this.expected, presented.getBytes(StandardCharsets.UTF_8))) {
				return Problem.of(ProblemCode.UNAUTHENTICATED, "Send Authorization: Bearer <admin token>.")
					.respond(request.uri());
			}
			return next.handle(request);
		};
	}

}
