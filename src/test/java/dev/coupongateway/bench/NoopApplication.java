package dev.coupongateway.bench;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.http.codec.autoconfigure.CodecsAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.HttpHandlerAutoConfiguration;
import org.springframework.boot.webflux.autoconfigure.WebFluxAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The ceiling the claim path is measured against: a minimal Boot WebFlux app (Netty, a
 * functional route, nothing else) whose {@code POST /noop} answers 201. Benchmark code
 * only; never part of the product.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@ImportAutoConfiguration({ NettyReactiveWebServerAutoConfiguration.class, HttpHandlerAutoConfiguration.class,
		WebFluxAutoConfiguration.class, CodecsAutoConfiguration.class, JacksonAutoConfiguration.class })
public class NoopApplication {

	@Bean
	RouterFunction<ServerResponse> noop() {
		return RouterFunctions.route()
			.POST("/noop", (request) -> ServerResponse.status(HttpStatus.CREATED).build())
			.build();
	}

	public static void main(String[] args) {
		SpringApplication.run(NoopApplication.class, args);
	}

}
