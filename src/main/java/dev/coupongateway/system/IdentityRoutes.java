package dev.coupongateway.system;

import java.util.Set;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * {@code GET /api/identity}: how to say who you are here (a bearer token, or the proxy's
 * user id header), public in either mode, so the page asks for the right thing before the
 * first claim is refused.
 */
@Configuration(proxyBeanMethods = false)
class IdentityRoutes {

	@Bean
	RouterFunction<ServerResponse> identityRouter(CurrentUser currentUser) {
		CurrentUser.Scheme scheme = currentUser.scheme();
		return route().GET(Paths.IDENTITY, (request) -> ServerResponse.ok().bodyValue(scheme))
			.build()
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), Paths.IDENTITY));
	}

}
