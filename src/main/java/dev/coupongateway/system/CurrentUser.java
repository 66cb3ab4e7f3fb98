package dev.coupongateway.system;

import java.security.Principal;
import java.util.List;
import java.util.regex.Pattern;

import dev.coupongateway.system.CouponProperties.Identity;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * The seam that says who is calling, by {@code coupon.identity}: {@code jwt}, the subject
 * of the bearer token verified at the edge ({@link EdgeSecurity}, {@link ClaimBearer});
 * {@code header}, the {@code X-User-Id} header an authenticating proxy in front set (sent
 * once, never twice).
 */
@Component
public class CurrentUser {

	public static final String HEADER = "X-User-Id";

	/** 1 to 64 printable ASCII characters, no space at either end. */
	static final Pattern USER_ID = Pattern.compile("[\\x21-\\x7E]([\\x20-\\x7E]{0,62}[\\x21-\\x7E])?");

	private final boolean fromToken;

	public CurrentUser(CouponProperties properties) {
		this.fromToken = properties.identity() == Identity.JWT;
	}

	/**
	 * How a caller says who they are here, for a page or a client to ask before it
	 * claims.
	 */
	public Scheme scheme() {
		return this.fromToken ? new Scheme("jwt", "Authorization: Bearer <token>")
				: new Scheme("header", HEADER + ": <user id>");
	}

	/**
	 * The caller's user id; a {@link ProblemException} (401, or 400 for two ids) when
	 * there is no usable one.
	 */
	public Mono<String> of(ServerRequest request) {
		if (this.fromToken) {
			return request.principal()
				.map(Principal::getName)
				.switchIfEmpty(Mono.error(() -> unauthenticated("Send Authorization: Bearer <token>.")));
		}
		List<String> ids = request.headers().header(HEADER);
		// two ids, or two joined by a comma as a proxy may join repeated headers: whose
		// claim would it be?
		if (ids.size() > 1 || (ids.size() == 1 && ids.get(0).indexOf(',') >= 0)) {
			return Mono.error(new ProblemException(
					Problem.invalid(List.of(HEADER + ": more than one user id; send exactly one, without commas"))));
		}
		if (ids.isEmpty() || !USER_ID.matcher(ids.get(0)).matches()) {
			return Mono.error(unauthenticated("Send " + HEADER + ": 1 to 64 printable ASCII characters."));
		}
		return Mono.just(ids.get(0));
	}

	/**
	 * The answer of {@code GET /api/identity}.
	 *
	 * @param identity {@code jwt} or {@code header}, as {@code coupon.identity}
	 * @param send what a claim must carry
	 */
	public record Scheme(String identity, String send) {
	}

	private static ProblemException unauthenticated(String detail) {
		return new ProblemException(Problem.of(ProblemCode.UNAUTHENTICATED, detail));
	}

}
