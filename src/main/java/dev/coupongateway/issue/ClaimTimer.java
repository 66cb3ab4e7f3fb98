package dev.coupongateway.issue;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.system.Paths;
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
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The claim route's latency by answer status, {@code coupon.claim} (Prometheus
 * {@code coupon_claim_seconds{status}}, with a percentile histogram), from timers looked
 * up once. The generic {@code http.server.requests} observation is switched off for this
 * one route ({@link #claimsUnobserved()}): building its tags and long-task timer per
 * request cost a tenth of the claim path's throughput on the sold-out answer. Errors
 * become problem responses here, so every claim is timed with the status it was answered
 * with.
 */
@Component
class ClaimTimer implements HandlerFilterFunction<ServerResponse, ServerResponse> {

	/** The claim route's own pattern, parsed as the router parses it. */
	private static final PathPattern CLAIM = PathPatternParser.defaultInstance.parse(Paths.COUPONS);

	private final MeterRegistry meters;

	private final Map<Integer, Timer> byStatus = new ConcurrentHashMap<>();

	/** The warm-up's claims ({@link ClaimPathWarmup}), kept out of the users' timers. */
	private final Map<Integer, Timer> warmUpByStatus = new ConcurrentHashMap<>();

	ClaimTimer(MeterRegistry meters) {
		this.meters = meters;
	}

	@Override
	public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
		boolean warmUp = CampaignId.isScratch(request.pathVariables().get("id"));
		return timed(() -> next.handle(request), request.exchange().getRequest().getURI(), warmUp);
	}

	/**
	 * The claim's answer, timed ({@code warmUp}: a claim of the warm-up's scratch
	 * campaign, timed as {@code coupon.warmup.claims}); an error becomes its problem
	 * response, {@code requested} its instance.
	 */
	Mono<ServerResponse> timed(Supplier<Mono<ServerResponse>> claim, URI requested, boolean warmUp) {
		long started = System.nanoTime();
		Mono<ServerResponse> response;
		try {
			response = claim.get();
		}
		catch (RuntimeException ex) {
			response = Mono.error(ex);
		}
		return response.onErrorResume((ex) -> ProblemExceptionHandler.problemFor(ex).respond(requested))
			.doOnNext((answer) -> timer(answer.statusCode().value(), warmUp).record(System.nanoTime() - started,
					TimeUnit.NANOSECONDS));
	}

	private Timer timer(int status, boolean warmUp) {
		Map<Integer, Timer> timers = warmUp ? this.warmUpByStatus : this.byStatus;
		Timer timer = timers.get(status);
		if (timer == null) {
			timer = timers
				.computeIfAbsent(status,
						(code) -> warmUp
								? Timer.builder("coupon.warmup.claims")
									.description(
											"The claim-path warm-up's claims, by HTTP status (never users' claims)")
									.tag("status", Integer.toString(code))
									.register(this.meters)
								: Timer.builder("coupon.claim")
									.description("Claims answered, by HTTP status, from the request to the answer")
									.tag("status", Integer.toString(code))
									.publishPercentileHistogram()
									.register(this.meters));
		}
		return timer;
	}

	/**
	 * Claims are timed by {@link ClaimTimer}; every other request keeps
	 * {@code http.server.requests}.
	 */
	static ObservationPredicate claimsUnobserved() {
		return (name, context) -> !(context instanceof ServerRequestObservationContext server
				&& isClaim(server.getCarrier()));
	}

	private static boolean isClaim(ServerHttpRequest request) {
		return request.getMethod() == HttpMethod.POST && CLAIM.matches(request.getPath().pathWithinApplication());
	}

}
