package dev.coupongateway.system;

import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * The seam that says who is calling. Today: the {@code X-User-Id} header set by an upstream
 * authenticating gateway; signed bearer tokens can come later behind the same method.
 */
public final class CurrentUser {

	public static final String HEADER = "X-User-Id";

	private static final Pattern USER_ID = Pattern.compile("[\\x21-\\x7E]([\\x20-\\x7E]{0,62}[\\x21-\\x7E])?");

	private CurrentUser() {
	}

	/** The caller's user id; a {@link ProblemException} 401 when there is no usable identity. */
	public static String of(ServerRequest request) {
		String userId = request.headers().firstHeader(HEADER);
		if (userId == null || !USER_ID.matcher(userId).matches()) {
			throw new ProblemException(Problem.of(HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED",
					"Send X-User-Id: 1 to 64 printable ASCII characters."));
		}
		return userId;
	}

}
