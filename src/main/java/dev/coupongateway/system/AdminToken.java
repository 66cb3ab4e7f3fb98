package dev.coupongateway.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/** Guards the admin routes with the configured bearer token (compared in constant time). */
@Component
public class AdminToken {

	private final byte[] expected;

	public AdminToken(CouponProperties properties) {
		this.expected = ("Bearer " + properties.admin().token()).getBytes(StandardCharsets.UTF_8);
	}

	public HandlerFilterFunction<ServerResponse, ServerResponse> filter() {
		return (request, next) -> {
			String presented = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
			if (presented == null
					|| !MessageDigest.isEqual(this.expected, presented.getBytes(StandardCharsets.UTF_8))) {
				return Problem.of(HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED", "Send Authorization: Bearer <admin token>.")
					.respond(request.uri());
			}
			return next.handle(request);
		};
	}

}
