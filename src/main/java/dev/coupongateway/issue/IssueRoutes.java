package dev.coupongateway.issue;

import java.util.Set;

import dev.coupongateway.system.MethodNotAllowed;
import io.micrometer.observation.ObservationPredicate;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/** Routes of the claim feature. */
@Configuration(proxyBeanMethods = false)
class IssueRoutes {

	/** The claim route; also the {@code instance} of its problems. */
	static final String CLAIM_PATH = "/api/campaigns/{id}/coupons";

	/** The caller's coupons of a campaign; also where a grant's {@code Location} points. */
	static final String MINE_PATH = CLAIM_PATH + "/mine";

	@Bean
	RouterFunction<ServerResponse> issueRouter(IssueHandler handler, ClaimTimer timer) {
		return route().POST(CLAIM_PATH, handler::claim)
			.filter(timer)
			.build()
			.and(route().GET(MINE_PATH, handler::mine).build())
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), CLAIM_PATH))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), MINE_PATH));
	}

	@Bean
	ObservationPredicate claimsUnobserved() {
		return ClaimTimer.claimsUnobserved();
	}

}
