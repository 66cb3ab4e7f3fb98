package dev.coupongateway.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.NotAcceptableStatusException;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

/**
 * Serves the API's OpenAPI 3.1 document at {@value Paths#API_DOCUMENT} (JSON, or YAML
 * when the client asks for it), browsable with Swagger UI at {@code /swagger-ui.html}
 * (static files; Swagger UI's own from its webjar, no CDN).
 * <p>
 * The document is written by hand ({@value #LOCATION}), not generated from the code: the
 * routes are functional {@code RouterFunction}s, which springdoc can only describe
 * through an annotation per route, operation, parameter, body and response, i.e. the same
 * document again, spread over the routes and harder to review. Written once, it says what
 * clients need and code cannot tell (what each status means, which problem {@code code}s
 * come with it, the Server-Sent Events, the two identity modes), and
 * {@code ApiDocumentTests} keeps it true: it fails when a route, a status or a problem
 * code is in the code and not in the document, or the other way round. It is read and
 * rendered once, at startup: a request for it costs a copy of bytes, and the claim path
 * does not know it exists.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocument {

	/** The document on the class path. */
	static final String LOCATION = "openapi/coupon-gateway.yaml";

	private static final List<MediaType> YAML = List.of(MediaType.APPLICATION_YAML,
			MediaType.parseMediaType("application/x-yaml"), MediaType.parseMediaType("text/yaml"),
			MediaType.parseMediaType("application/vnd.oai.openapi"));

	private static final List<MediaType> JSON = List.of(MediaType.APPLICATION_JSON,
			MediaType.parseMediaType("application/vnd.oai.openapi+json"));

	/** Last of the routers: a claim never tests its path first. */
	@Bean
	@Order(Ordered.LOWEST_PRECEDENCE)
	RouterFunction<ServerResponse> apiDocumentRouter(JsonMapper json) {
		byte[] yaml = read();
		// a safe loader: plain maps, lists and scalars, as JSON has them
		Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(new String(yaml, StandardCharsets.UTF_8));
		byte[] asJson = json.writeValueAsBytes(tree);
		return route().GET(Paths.API_DOCUMENT, (request) -> answer(request, yaml, asJson))
			.build()
			.and(MethodNotAllowed.on(Set.of(HttpMethod.GET), Paths.API_DOCUMENT));
	}

	/**
	 * The first type the client accepts that we have wins; JSON for {@code *}{@code /*}
	 * or no {@code Accept}.
	 */
	private static Mono<ServerResponse> answer(ServerRequest request, byte[] yaml, byte[] json) {
		List<MediaType> accepted = request.headers().accept();
		if (accepted.isEmpty()) {
			return send(MediaType.APPLICATION_JSON, json);
		}
		for (MediaType type : accepted) {
			if (YAML.stream().anyMatch(type::equalsTypeAndSubtype)) {
				return send(MediaType.APPLICATION_YAML, yaml);
			}
			if (JSON.stream().anyMatch(type::isCompatibleWith)) {
				return send(MediaType.APPLICATION_JSON, json);
			}
		}
		return Mono
			.error(new NotAcceptableStatusException(List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_YAML)));
	}

	private static Mono<ServerResponse> send(MediaType type, byte[] body) {
		return ServerResponse.ok().contentType(new MediaType(type, StandardCharsets.UTF_8)).bodyValue(body);
	}

	private static byte[] read() {
		try (InputStream in = new ClassPathResource(LOCATION).getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The API document " + LOCATION + " is missing", ex);
		}
	}

}
