package dev.coupongateway.system;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * The one place that builds RFC 9457 problem responses; every answer outside 2xx goes through here.
 *
 * @param status the HTTP status
 * @param code the stable machine-readable code of the contract
 * @param detail a sentence for a person
 * @param extra further members ({@code errors}, {@code couponIds})
 * @param retryAfter the {@code Retry-After} to send, or {@code null}
 */
public record Problem(HttpStatus status, String code, String detail, Map<String, Object> extra, Duration retryAfter) {

	/** When a client should try again after a 503: every {@code UNAVAILABLE} answer says the same. */
	static final Duration RETRY_AFTER = Duration.ofSeconds(1);

	public static Problem of(HttpStatus status, String code, String detail) {
		return new Problem(status, code, detail, Map.of(), null);
	}

	public static Problem invalid(List<String> errors) {
		return new Problem(HttpStatus.BAD_REQUEST, "INVALID_REQUEST", "The request is not valid.",
				Map.of("errors", errors), null);
	}

	/** 503 {@code UNAVAILABLE}: nothing was changed, or a retry returns what was; says when to retry. */
	public static Problem unavailable(String detail) {
		return new Problem(HttpStatus.SERVICE_UNAVAILABLE, "UNAVAILABLE", detail, Map.of(), RETRY_AFTER);
	}

	public Problem with(String member, Object value) {
		var members = new java.util.LinkedHashMap<>(this.extra);
		members.put(member, value);
		return new Problem(this.status, this.code, this.detail, Map.copyOf(members), this.retryAfter);
	}

	public ProblemDetail toDetail(URI instance) {
		ProblemDetail detail = ProblemDetail.forStatusAndDetail(this.status, this.detail);
		detail.setInstance(instance);
		detail.setProperty("code", this.code);
		this.extra.forEach(detail::setProperty);
		return detail;
	}

	/** The RFC 9457 members as {@code respond} writes them, for a body rendered once and sent many times. */
	public Map<String, Object> toMap(URI instance) {
		Map<String, Object> members = new java.util.LinkedHashMap<>();
		members.put("type", "about:blank");
		members.put("title", this.status.getReasonPhrase());
		members.put("status", this.status.value());
		members.put("detail", this.detail);
		members.put("instance", instance.toString());
		members.put("code", this.code);
		members.putAll(this.extra);
		return members;
	}

	public Mono<ServerResponse> respond(URI instance) {
		ServerResponse.BodyBuilder builder = ServerResponse.status(this.status)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON);
		if (this.retryAfter != null) {
			// whole seconds, rounded up: a client that waits exactly this long is not turned away again
			builder.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (this.retryAfter.toMillis() + 999) / 1000)));
		}
		return builder.bodyValue(toDetail(instance));
	}

}
