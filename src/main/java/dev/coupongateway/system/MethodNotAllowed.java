package dev.coupongateway.system;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Functional routes answer 404 for a known path with another method; this route, added
 * after a feature's routes, answers 405 with {@code Allow} instead, as the contract asks.
 */
public final class MethodNotAllowed {

	private MethodNotAllowed() {
	}

	public static RouterFunction<ServerResponse> on(Set<HttpMethod> allowed, String... patterns) {
		RequestPredicate paths = Arrays.stream(patterns)
			.map(RequestPredicates::path)
			.reduce(RequestPredicate::or)
			.orElseThrow();
		String allow = allowed.stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
		Problem problem = Problem.of(ProblemCode.METHOD_NOT_ALLOWED, "This resource allows " + allow + ".");
		return RouterFunctions.route(paths,
				(request) -> ServerResponse.status(problem.status())
					.header("Allow", allow)
					.contentType(MediaType.APPLICATION_PROBLEM_JSON)
					.bodyValue(problem.toDetail(request.uri())));
	}

}
