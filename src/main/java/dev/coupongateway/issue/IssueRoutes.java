package dev.coupongateway.issue;

import java.util.Set;

import dev.coupongateway.system.MethodNotAllowed;
import dev.coupongateway.system.Paths;
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

	@Bean
	RouterFunction<ServerResponse> issueRouter(IssueHandler handler, ClaimTimer timer) {
		return route().POST(Paths.COUPONS, handler::claim)
			.filter(timer)
			.build()
			.and(route().GET(Paths.MY_COUPONS, handler::mine).build())
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), Paths.COUPONS))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), Paths.MY_COUPONS));
	}

	@Bean
	ObservationPredicate claimsUnobserved() {
		return ClaimTimer.claimsUnobserved();
	}

}
