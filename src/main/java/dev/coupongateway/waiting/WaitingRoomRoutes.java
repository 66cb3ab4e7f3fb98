package dev.coupongateway.waiting;

import java.util.Set;

import dev.coupongateway.system.MethodNotAllowed;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/** Routes of the waiting room. */
@Configuration(proxyBeanMethods = false)
class WaitingRoomRoutes {

	@Bean
	RouterFunction<ServerResponse> waitingRoomRouter(QueueHandler handler) {
		return route().POST("/api/campaigns/{id}/queue", handler::join)
			.GET("/api/campaigns/{id}/queue/stream", handler::stream)
			.build()
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), "/api/campaigns/{id}/queue"))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), "/api/campaigns/{id}/queue/stream"));
	}

}
