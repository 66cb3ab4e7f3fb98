package dev.coupongateway.stock;

import java.util.Set;

import dev.coupongateway.system.MethodNotAllowed;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/** Routes of the live stock feature. */
@Configuration(proxyBeanMethods = false)
class StockRoutes {

	@Bean
	RouterFunction<ServerResponse> stockRouter(StockStreamHandler handler) {
		return route().GET("/api/campaigns/{id}/stock/stream", handler::stream)
			.build()
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), "/api/campaigns/{id}/stock/stream"));
	}

}
