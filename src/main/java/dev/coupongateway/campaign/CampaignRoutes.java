package dev.coupongateway.campaign;

import java.util.Set;

import dev.coupongateway.system.AdminToken;
import dev.coupongateway.system.MethodNotAllowed;
import dev.coupongateway.system.Paths;

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
		return route().POST(Paths.ADMIN_CAMPAIGNS, handler::create)
			.GET(Paths.RECONCILIATION, handler::reconciliation)
			.POST(Paths.PAUSE, handler::pause)
			.POST(Paths.RESUME, handler::resume)
			.POST(Paths.END, handler::end)
			.PUT(Paths.WAITING_ROOM, handler::setWaitingRoom)
			.DELETE(Paths.WAITING_ROOM, handler::removeWaitingRoom)
			.filter(adminToken.filter())
			.build()
			.and(route().GET(Paths.CAMPAIGNS, handler::list)
				.GET(Paths.CAMPAIGN, handler::show)
				.GET(Paths.CAMPAIGN_STOCK, handler::stock)
				.build())
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), Paths.ADMIN_CAMPAIGNS))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), Paths.RECONCILIATION))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), Paths.PAUSE, Paths.RESUME, Paths.END))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.PUT, HttpMethod.DELETE), Paths.WAITING_ROOM))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), Paths.CAMPAIGNS, Paths.CAMPAIGN, Paths.CAMPAIGN_STOCK));
	}

}
