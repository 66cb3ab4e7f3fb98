package dev.coupongateway.issue;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.coupongateway.system.ProblemExceptionHandler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.observation.ObservationPredicate;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The claim route's latency by answer status, {@code coupon.claim} (Prometheus
 * {@code coupon_claim_seconds{status}}, with a percentile histogram), from timers looked up once. The
 * generic {@code http.server.requests} observation is switched off for this one route
 * ({@link #claimsUnobserved()}): building its tags and long-task timer per request cost a tenth of the
 * claim path's throughput on the sold-out answer. Errors become problem responses here, so every claim
 * is timed with the status it was answered with.
 */
@Component
class ClaimTimer implements HandlerFilterFunction<ServerResponse, ServerResponse> {

	static final String CLAIM_PATH = "/api/campaigns/{id}/coupons";

	private final MeterRegistry meters;

	private final Map<Integer, Timer> byStatus = new ConcurrentHashMap<>();

	ClaimTimer(MeterRegistry meters) {
		this.meters = meters;
	}

	@Override
	public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
		long started = System.nanoTime();
		Mono<ServerResponse> response;
		try {
			response = next.handle(request);
		}
		catch (RuntimeException ex) {
			response = Mono.error(ex);
		}
		return response
			.onErrorResume((ex) -> ProblemExceptionHandler.problemFor(ex).respond(request.exchange().getRequest().getURI()))
			.doOnNext((answer) -> timer(answer.statusCode().value()).record(System.nanoTime() - started,
					TimeUnit.NANOSECONDS));
	}

	private Timer timer(int status) {
		Timer timer = this.byStatus.get(status);
		if (timer == null) {
			timer = this.byStatus.computeIfAbsent(status, (code) -> Timer.builder("coupon.claim")
				.description("Claims answered, by HTTP status, from the request to the answer")
				.tag("status", Integer.toString(code))
				.publishPercentileHistogram()
				.register(this.meters));
		}
		return timer;
	}

	/** Claims are timed by {@link ClaimTimer}; every other request keeps {@code http.server.requests}. */
	static ObservationPredicate claimsUnobserved() {
		return (name, context) -> !(context instanceof ServerRequestObservationContext server && isClaim(server.getCarrier()));
	}

	private static boolean isClaim(ServerHttpRequest request) {
		String path = request.getPath().value();
		return request.getMethod() == HttpMethod.POST && path.startsWith("/api/campaigns/") && path.endsWith("/coupons");
	}

}
