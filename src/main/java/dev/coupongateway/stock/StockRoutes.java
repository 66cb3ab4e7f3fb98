package dev.coupongateway.stock;

import java.util.Set;

import dev.coupongateway.system.MethodNotAllowed;
import dev.coupongateway.system.Paths;

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
		return route().GET(Paths.STOCK_STREAM, handler::stream)
			.build()
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), Paths.STOCK_STREAM));
	}

}
