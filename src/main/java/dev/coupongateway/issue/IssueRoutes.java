package dev.coupongateway.issue;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
			.build();
	}

}
