package dev.coupongateway.campaign;

import java.util.Set;

import dev.coupongateway.system.AdminToken;
import dev.coupongateway.system.MethodNotAllowed;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/** Routes of the campaign feature: the admin API and the public read side. */
@Configuration(proxyBeanMethods = false)
class CampaignRoutes {

	@Bean
	RouterFunction<ServerResponse> campaignRouter(CampaignHandler handler, AdminToken adminToken) {
		return route().POST("/api/admin/campaigns", handler::create)
			.GET("/api/admin/campaigns/{id}/reconciliation", handler::reconciliation)
			.POST("/api/admin/campaigns/{id}/pause", handler::pause)
			.POST("/api/admin/campaigns/{id}/resume", handler::resume)
			.POST("/api/admin/campaigns/{id}/end", handler::end)
			.PUT("/api/admin/campaigns/{id}/waiting-room", handler::setWaitingRoom)
			.DELETE("/api/admin/campaigns/{id}/waiting-room", handler::removeWaitingRoom)
			.filter(adminToken.filter())
			.build()
			.and(route().GET("/api/campaigns", handler::list)
				.GET("/api/campaigns/{id}", handler::show)
				.GET("/api/campaigns/{id}/stock", handler::stock)
				.build())
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), "/api/admin/campaigns"))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), "/api/admin/campaigns/{id}/reconciliation"))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), "/api/admin/campaigns/{id}/pause",
					"/api/admin/campaigns/{id}/resume", "/api/admin/campaigns/{id}/end"))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.PUT, HttpMethod.DELETE), "/api/admin/campaigns/{id}/waiting-room"))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), "/api/campaigns", "/api/campaigns/{id}",
					"/api/campaigns/{id}/stock"));
	}

}
