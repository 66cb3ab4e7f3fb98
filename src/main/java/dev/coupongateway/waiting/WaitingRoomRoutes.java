package dev.coupongateway.waiting;

import java.util.Set;

import dev.coupongateway.system.MethodNotAllowed;
import dev.coupongateway.system.Paths;

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
		return route().POST(Paths.QUEUE, handler::join)
			.GET(Paths.QUEUE_STREAM, handler::stream)
			.build()
			.and(MethodNotAllowed.on(Set.of(HttpMethod.POST), Paths.QUEUE))
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), Paths.QUEUE_STREAM));
	}

}
