package dev.coupongateway.system;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.netty.channel.AbortedException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.MismatchedInputException;

import org.springframework.core.annotation.Order;
import org.springframework.core.codec.DecodingException;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerStrategies;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.NotAcceptableStatusException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Turns every error that leaves a route (ours, WebFlux's, Redis's) into a problem
 * response. Ordered before Boot's error handler so functional routes answer RFC 9457 too;
 * expected outcomes log nothing.
 */
@Component
@Order(-2)
public class ProblemExceptionHandler implements WebExceptionHandler {

	private static final Log logger = LogFactory.getLog(ProblemExceptionHandler.class);

	private static final LogThrottle outages = new LogThrottle(Duration.ofSeconds(10));

	private final ServerResponse.Context context;

	public ProblemExceptionHandler(ServerCodecConfigurer codecs) {
		List<HttpMessageWriter<?>> writers = codecs.getWriters();
		this.context = new ServerResponse.Context() {
			@Override
			public List<HttpMessageWriter<?>> messageWriters() {
				return writers;
			}

			@Override
			public List<ViewResolver> viewResolvers() {
				return HandlerStrategies.withDefaults().viewResolvers();
			}
		};
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
		if (exchange.getResponse().isCommitted()) {
			return Mono.error(error);
		}
		if (error instanceof AbortedException) {
			// the client closed the connection before its request was read: no one to
			// answer, nothing to log
			return Mono.empty();
		}
		Problem problem = problemFor(error);
		return problem.respond(exchange.getRequest().getURI())
			.flatMap((response) -> response.writeTo(exchange, this.context));
	}

	/**
	 * The problem an error is answered with; the one place that decides it (and logs what
	 * an operator must see).
	 */
	public static Problem problemFor(Throwable error) {
		if (error instanceof ProblemException problemException) {
			return problemException.problem();
		}
		if (isPayloadTooLarge(error)) {
			return Problem.of(ProblemCode.PAYLOAD_TOO_LARGE, "The request body is too large.");
		}
		if (error instanceof UnsupportedMediaTypeStatusException) {
			return Problem.of(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json.");
		}
		if (error instanceof MethodNotAllowedException) {
			return Problem.of(ProblemCode.METHOD_NOT_ALLOWED, "This method is not allowed on this resource.");
		}
		if (error instanceof NotAcceptableStatusException) {
			return Problem.of(ProblemCode.NOT_ACCEPTABLE, "Accept application/json.");
		}
		if (error instanceof ServerWebInputException || error instanceof DecodingException) {
			return Problem.invalid(List.of(whatIsWrongWithTheBody(error)));
		}
		if (error instanceof ResponseStatusException status && status.getStatusCode().value() == 404) {
			return Problem.of(ProblemCode.NOT_FOUND, "No such resource.");
		}
		if (RedisFailures.isUnavailable(error)) {
			if (outages.due("redis")) {
				logger.warn("Redis unavailable, answering 503 (logged once every 10 s): " + error);
			}
			return Problem.unavailable(
					"The coupon store did not answer; retry later. If your claim reached it, a retry returns your coupon.");
		}
		if (error instanceof DataAccessResourceFailureException || error instanceof TransientDataAccessException) {
			if (outages.due("database")) {
				logger.warn("Database unavailable, answering 503 (logged once every 10 s): " + error.getMessage());
			}
			return Problem.unavailable("The coupon database is unavailable; retry later.");
		}
		if (error instanceof ResponseStatusException status && status.getStatusCode().is4xxClientError()) {
			// any other refusal of the framework's: the codes stay the closed list
			// clients switch on
			return Problem.invalid(List.of("request: refused (" + status.getStatusCode().value() + ")"));
		}
		logger.error("Unexpected error, answered 500: " + error, error);
		return Problem.of(ProblemCode.INTERNAL, "Something went wrong on our side.");
	}

	/**
	 * {@code field: reason} for a body Jackson refused, as precise as its exception
	 * allows.
	 */
	private static String whatIsWrongWithTheBody(Throwable error) {
		for (Throwable cause = error; cause != null; cause = cause.getCause()) {
			if (cause instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
				return field(mismatch) + ": " + expected(mismatch.getTargetType());
			}
			if (cause instanceof JacksonException jackson) {
				String message = jackson.getOriginalMessage();
				if (message != null && message.startsWith("Duplicate")) {
					return "body: a key is given twice (" + message.replaceAll("\\s*\\n.*", "") + ")";
				}
				return (jackson.getPath().isEmpty() ? "body" : field(jackson))
						+ ": malformed JSON or a value of the wrong type";
			}
		}
		return "body: malformed JSON or a field of the wrong type";
	}

	private static String field(JacksonException ex) {
		return ex.getPath()
			.stream()
			.map((reference) -> (reference.getPropertyName() != null) ? reference.getPropertyName()
					: "[" + reference.getIndex() + "]")
			.collect(Collectors.joining("."));
	}

	private static String expected(Class<?> type) {
		if (type == null) {
			return "a value of the wrong type";
		}
		if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
			return "must be a whole number (a JSON integer such as 5, not 5.7 or \"5\")";
		}
		if (type == String.class) {
			return "must be a JSON string";
		}
		if (type == Instant.class) {
			return "must be an instant such as \"2026-12-01T10:00:00Z\"";
		}
		return "a value of the wrong type";
	}

	private static boolean isPayloadTooLarge(Throwable error) {
		for (Throwable cause = error; cause != null; cause = cause.getCause()) {
			if (cause instanceof DataBufferLimitException
					|| (cause instanceof ResponseStatusException status && status.getStatusCode().value() == 413)) {
				return true;
			}
		}
		return false;
	}

}
