package dev.coupongateway.system;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The one place that builds RFC 9457 problem responses; every answer outside 2xx goes
 * through here.
 *
 * @param code the stable machine-readable code of the contract, which decides the HTTP
 * status
 * @param detail a sentence for a person
 * @param extra further members ({@code errors}, {@code couponIds})
 * @param retryAfter the {@code Retry-After} to send, or {@code null}
 */
public record Problem(ProblemCode code, String detail, Map<String, Object> extra, Duration retryAfter) {

	/**
	 * When a client should try again after a 503: every {@code UNAVAILABLE} answer says
	 * the same.
	 */
	static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	public static Problem of(ProblemCode code, String detail) {
		return new Problem(code, detail, Map.of(), null);
	}

	public static Problem invalid(List<String> errors) {
		return new Problem(ProblemCode.INVALID_REQUEST, "The request is not valid.", Map.of("errors", errors), null);
	}

	/**
	 * 503 {@code UNAVAILABLE}: nothing was changed, or a retry returns what was; says
	 * when to retry.
	 */
	public static Problem unavailable(String detail) {
		return new Problem(ProblemCode.UNAVAILABLE, detail, Map.of(), RETRY_AFTER);
	}

	public Problem with(String member, Object value) {
		var members = new LinkedHashMap<>(this.extra);
		members.put(member, value);
		return new Problem(this.code, this.detail, Map.copyOf(members), this.retryAfter);
	}

	public HttpStatus status() {
		return this.code.status();
	}

	public ProblemDetail toDetail(URI instance) {
		ProblemDetail detail = ProblemDetail.forStatusAndDetail(status(), this.detail);
		detail.setInstance(instance);
		detail.setProperty("code", this.code.name());
		this.extra.forEach(detail::setProperty);
		return detail;
	}

	/**
	 * The RFC 9457 members as {@code respond} writes them, for a body rendered once and
	 * sent many times.
	 */
	public Map<String, Object> toMap(URI instance) {
		Map<String, Object> members = new LinkedHashMap<>();
		members.put("type", "about:blank");
		members.put("title", status().getReasonPhrase());
		members.put("status", status().value());
		members.put("detail", this.detail);
		members.put("instance", instance.toString());
		members.put("code", this.code.name());
		members.putAll(this.extra);
		return members;
	}

	public Mono<ServerResponse> respond(URI instance) {
		ServerResponse.BodyBuilder builder = ServerResponse.status(status())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (this.retryAfter != null) {
			// whole seconds, rounded up: a client that waits exactly this long is not
			// turned away again
			builder.header(HttpHeaders.RETRY_AFTER,
					Long.toString(Math.max(1, (this.retryAfter.toMillis() + 999) / 1000)));
		}
		return builder.bodyValue(toDetail(instance));
	}

}
