package dev.coupongateway.issue;

import java.util.Set;

import dev.coupongateway.system.MethodNotAllowed;

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
	RouterFunction<ServerResponse> issueRouter(IssueHandler handler) {
		return route().POST("/api/campaigns/{id}/coupons", handler::claim)
			.GET("/api/campaigns/{id}/coupons/mine", handler::mine)
			.build()
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), "/api/campaigns/{id}/coupons"))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), "/api/campaigns/{id}/coupons/mine"));
	}

}
