package dev.coupongateway.system;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.FluxExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document ({@code openapi/coupon-gateway.yaml}, served at
 * {@code /v3/api-docs}) against the running gateway: a real OpenAPI 3.1 parser finds
 * nothing wrong with it; its operations are exactly the routes the {@code RouterFunction}
 * beans expose; its problem codes are exactly {@link ProblemCode}, each with its status,
 * and every such status is documented; every documented path answers other methods 405
 * with the documented ones in {@code Allow}; and every operation, driven on the real
 * servers to its success and its key refusals, answers a documented status with a body
 * its documented schema accepts.
 */
@CouponGatewayTest
class ApiDocumentTests {

	private static final Pattern TEMPLATE = Pattern.compile("\\{[^}]+}");

	private static OpenAPI document;

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private ApplicationContext context;

	private final JsonMapper json = JsonMapper.builder().build();

	/** {@code METHOD path} of each operation driven, with the statuses seen. */
	private final Map<String, Set<Integer>> driven = new TreeMap<>();

	@BeforeEach
	void readTheDocumentWhole() {
		// the document and Swagger UI's files are larger than the 16 KB the gateway's
		// codecs (which this
		// client shares) buffer
		this.http = this.http.mutate().codecs((codecs) -> codecs.defaultCodecs().maxInMemorySize(4 << 20)).build();
	}

	@BeforeAll
	static void parse() throws IOException {
		document = parsed(new ClassPathResource(ApiDocument.LOCATION).getContentAsString(StandardCharsets.UTF_8));
	}

	private static OpenAPI parsed(String text) {
		ParseOptions options = new ParseOptions();
		options.setResolve(true);
		SwaggerParseResult result = new OpenAPIV3Parser().readContents(text, null, options);
		assertThat(result.getMessages()).as("what the OpenAPI parser found wrong").isEmpty();
		assertThat(result.getOpenAPI()).isNotNull();
		return result.getOpenAPI();
	}

	@Test
	void whenParsedThenAValidOpenApi31DocumentAndTheGatewayServesItAsJsonAndYaml() throws IOException {
		assertThat(document.getSpecVersion()).isEqualTo(SpecVersion.V31);
		assertThat(document.getOpenapi()).isEqualTo("3.1.0");
		String asJson = this.http.get()
			.uri(Paths.API_DOCUMENT)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(org.springframework.http.MediaType.APPLICATION_JSON)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(parsed(asJson)).isEqualTo(document);
		String asYaml = this.http.get()
			.uri(Paths.API_DOCUMENT)
			.accept(org.springframework.http.MediaType.APPLICATION_YAML)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(org.springframework.http.MediaType.APPLICATION_YAML)
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(asYaml)
			.isEqualTo(new ClassPathResource(ApiDocument.LOCATION).getContentAsString(StandardCharsets.UTF_8));
	}

	@Test
	void whenTheRoutesAreWalkedThenEachIsADocumentedOperationAndEachOperationARoute() {
		Set<String> routes = new TreeSet<>();
		ConfigurableListableBeanFactory beans = ((ConfigurableApplicationContext) this.context).getBeanFactory();
		URL main = ApiDocument.class.getProtectionDomain().getCodeSource().getLocation();
		this.context.getBeansOfType(RouterFunction.class).forEach((name, router) -> {
			// the gateway's routes, not a test tool's (bench/NoopApplication is scanned
			// in tests)
			Class<?> definedBy = beans.getType(beans.getBeanDefinition(name).getFactoryBeanName());
			if (definedBy.getProtectionDomain().getCodeSource().getLocation().equals(main)) {
				router.accept(new RouteCollector(routes));
			}
		});
		assertThat(routes).as("routes of the RouterFunction beans").isNotEmpty();
		assertThat(routes).as("operations in the document")
			.containsExactlyInAnyOrderElementsOf(documentedOperations().keySet());
	}

	@Test
	void whenProblemCodesAreComparedThenTheDocumentListsExactlyTheCodesOfTheGatewayWithTheirStatuses() {
		Schema<?> codes = document.getComponents().getSchemas().get("ProblemCode");
		Set<String> inCode = Arrays.stream(ProblemCode.values()).map(Enum::name).collect(Collectors.toSet());
		Set<String> inDocument = codes.getEnum().stream().map(String::valueOf).collect(Collectors.toSet());
		assertThat(inDocument).as("ProblemCode's enum in the document").containsExactlyInAnyOrderElementsOf(inCode);
		Map<String, Integer> statuses = Arrays.stream(ProblemCode.values())
			.collect(Collectors.toMap(Enum::name, (code) -> code.status().value()));
		assertThat(codes.getExtensions().get("x-problem-status")).as("x-problem-status in the document")
			.isEqualTo(statuses);
		// the Problem's code member is this enum, so a generated client switches on it
		assertThat(schema(document.getComponents().getSchemas().get("Problem")).getProperties().get("code").get$ref())
			.isEqualTo("#/components/schemas/ProblemCode");
	}

	@Test
	void whenTheStatusesOfProblemCodesAreLookedForThenEachIsADocumentedProblemResponse() {
		Set<Integer> problemStatuses = new TreeSet<>();
		documentedOperations().values().forEach((operation) -> operation.getResponses().forEach((status, response) -> {
			if (response(response).getContent() != null
					&& response(response).getContent().containsKey("application/problem+json")) {
				problemStatuses.add(Integer.valueOf(status));
			}
		}));
		for (ProblemCode code : ProblemCode.values()) {
			if (code != ProblemCode.METHOD_NOT_ALLOWED) {
				// 405 belongs to no operation (it is the answer to a method the path
				// lacks): checked path by path below
				assertThat(problemStatuses).as(code + " answers " + code.status().value())
					.contains(code.status().value());
			}
		}
		// and no operation documents a problem status no code comes with
		Set<Integer> codeStatuses = Arrays.stream(ProblemCode.values())
			.map((code) -> code.status().value())
			.collect(Collectors.toSet());
		assertThat(codeStatuses).containsAll(problemStatuses);
	}

	@Test
	void whenADocumentedPathIsCalledWithAnotherMethodThenMethodNotAllowedWithTheDocumentedMethods() {
		document.getPaths().forEach((path, item) -> {
			String allowed = item.readOperationsMap()
				.keySet()
				.stream()
				.map(Enum::name)
				.sorted()
				.collect(Collectors.joining(", "));
			String concrete = TEMPLATE.matcher(path).replaceAll("some-campaign");
			this.http.method(HttpMethod.PATCH)
				.uri(concrete)
				.exchange()
				.expectStatus()
				.isEqualTo(405)
				.expectHeader()
				.valueEquals(HttpHeaders.ALLOW, allowed)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo(ProblemCode.METHOD_NOT_ALLOWED.name());
		});
	}

	@Test
	void whenEachOperationIsDrivenThenItAnswersDocumentedStatusesWithDocumentedBodies() {
		String open = this.fixtures.campaign(5);
		String one = this.fixtures.campaign(1);
		String lined = this.fixtures.withWaitingRoom(5, 1000, "PT2M");
		Consumer<HttpHeaders> admin = (headers) -> headers.setBearerAuth(DevServices.ADMIN_TOKEN);
		Consumer<HttpHeaders> ann = (headers) -> headers.set("X-User-Id", "ann");
		Consumer<HttpHeaders> none = (headers) -> {
		};

		// the read side
		call(HttpMethod.GET, "/api/campaigns", none, null, 200);
		call(HttpMethod.GET, "/api/campaigns/{id}", none, null, 200, open);
		call(HttpMethod.GET, "/api/campaigns/{id}", none, null, 400, "Not_An_Id");
		call(HttpMethod.GET, "/api/campaigns/{id}", none, null, 404, "no-such-campaign");
		call(HttpMethod.GET, "/api/campaigns/{id}/stock", none, null, 200, open);
		call(HttpMethod.GET, "/api/campaigns/{id}/stock", none, null, 404, "no-such-campaign");
		// the API's routes send JSON whatever Accept says (no 406, none documented); only
		// the document negotiates
		call(HttpMethod.GET, "/api/campaigns/{id}/stock",
				(headers) -> headers.setAccept(List.of(org.springframework.http.MediaType.TEXT_HTML)), null, 200, open);
		stream("/api/campaigns/{id}/stock/stream", "Stock", open);
		call(HttpMethod.GET, "/api/campaigns/{id}/stock/stream", none, null, 404, "no-such-campaign");

		// claims
		int granted = call(HttpMethod.POST, "/api/campaigns/{id}/coupons", ann, null, -1, open);
		assertThat(granted).isIn(201, 202);
		call(HttpMethod.POST, "/api/campaigns/{id}/coupons", ann, null, 409, open);
		call(HttpMethod.POST, "/api/campaigns/{id}/coupons", none, null, 401, open);
		call(HttpMethod.POST, "/api/campaigns/{id}/coupons", ann, null, 404, "no-such-campaign");
		call(HttpMethod.POST, "/api/campaigns/{id}/coupons", ann, null, 400, "Not_An_Id");
		call(HttpMethod.POST, "/api/campaigns/{id}/coupons", ann, null, -1, one);
		call(HttpMethod.POST, "/api/campaigns/{id}/coupons", (headers) -> headers.set("X-User-Id", "bob"), null, 410,
				one);
		call(HttpMethod.POST, "/api/campaigns/{id}/coupons", ann, null, 403, lined);
		call(HttpMethod.GET, "/api/campaigns/{id}/coupons/mine", ann, null, 200, open);
		call(HttpMethod.GET, "/api/campaigns/{id}/coupons/mine", none, null, 401, open);
		// a reconnect to a finished (sold out) campaign's stream: 204
		call(HttpMethod.GET, "/api/campaigns/{id}/stock/stream", (headers) -> headers.set("Last-Event-ID", "1"), null,
				204, one);

		// the waiting room
		call(HttpMethod.POST, "/api/campaigns/{id}/queue", ann, null, 200, lined);
		call(HttpMethod.POST, "/api/campaigns/{id}/queue", ann, null, 409, open);
		call(HttpMethod.POST, "/api/campaigns/{id}/queue", none, null, 401, lined);
		Map<String, Object> place = this.json.readValue(this.http.post()
			.uri("/api/campaigns/{id}/queue", lined)
			.headers(ann)
			.exchange()
			.expectBody()
			.returnResult()
			.getResponseBody(), Map.class);
		stream("/api/campaigns/{id}/queue/stream?user=ann&token=" + place.get("lineToken"), "Place", lined);
		call(HttpMethod.GET, "/api/campaigns/{id}/queue/stream?user=ann&token=forged", none, null, 401, lined);

		// the admin API
		String created = Fixtures.uniqueId("doc");
		call(HttpMethod.POST, "/api/admin/campaigns", admin,
				Map.of("id", created, "name", "Documented", "totalStock", 3), 201);
		call(HttpMethod.POST, "/api/admin/campaigns", admin,
				Map.of("id", created, "name", "Documented", "totalStock", 3), 409);
		call(HttpMethod.POST, "/api/admin/campaigns", admin, Map.of("name", "", "totalStock", 0), 400);
		call(HttpMethod.POST, "/api/admin/campaigns", none, Map.of("name", "x", "totalStock", 3), 401);
		call(HttpMethod.POST, "/api/admin/campaigns", admin, "x".repeat(20_000), 413);
		this.driven.computeIfAbsent("POST /api/admin/campaigns", (key) -> new TreeSet<>())
			.add(answer(this.http.post()
				.uri("/api/admin/campaigns")
				.headers(admin)
				.contentType(org.springframework.http.MediaType.TEXT_PLAIN)
				.bodyValue("name=x"), HttpMethod.POST, "/api/admin/campaigns", 415));
		call(HttpMethod.GET, "/api/admin/campaigns/{id}/reconciliation", admin, null, 200, open);
		call(HttpMethod.GET, "/api/admin/campaigns/{id}/reconciliation", admin, null, 404, "no-such-campaign");
		call(HttpMethod.GET, "/api/admin/campaigns/{id}/reconciliation", none, null, 401, open);
		call(HttpMethod.POST, "/api/admin/campaigns/{id}/pause", admin, null, 200, created);
		call(HttpMethod.POST, "/api/admin/campaigns/{id}/pause", none, null, 401, created);
		call(HttpMethod.POST, "/api/admin/campaigns/{id}/resume", admin, null, 200, created);
		call(HttpMethod.PUT, "/api/admin/campaigns/{id}/waiting-room", admin,
				Map.of("admitPerSecond", 10, "ticketTtl", "PT2M"), 200, created);
		call(HttpMethod.PUT, "/api/admin/campaigns/{id}/waiting-room", admin,
				Map.of("admitPerSecond", 0, "ticketTtl", "two minutes"), 400, created);
		call(HttpMethod.DELETE, "/api/admin/campaigns/{id}/waiting-room", admin, null, 200, created);
		call(HttpMethod.POST, "/api/admin/campaigns/{id}/end", admin, null, 200, created);
		call(HttpMethod.POST, "/api/admin/campaigns/{id}/end", admin, null, 404, "no-such-campaign");
		call(HttpMethod.POST, "/api/campaigns/{id}/coupons", ann, null, 409, created);

		// the document itself
		call(HttpMethod.GET, Paths.API_DOCUMENT, none, null, 200);
		call(HttpMethod.GET, Paths.IDENTITY, none, null, 200);
		call(HttpMethod.GET, Paths.API_DOCUMENT,
				(headers) -> headers.setAccept(List.of(org.springframework.http.MediaType.TEXT_HTML)), null, 406);

		// every operation answered at least once with a success it documents
		Map<String, Set<Integer>> successes = new TreeMap<>();
		this.driven.forEach((operation, statuses) -> successes.put(operation,
				statuses.stream().filter((status) -> status < 300).collect(Collectors.toCollection(TreeSet::new))));
		assertThat(successes.keySet()).containsExactlyInAnyOrderElementsOf(documentedOperations().keySet());
		assertThat(successes).allSatisfy((operation, statuses) -> assertThat(statuses).as(operation).isNotEmpty());
	}

	@Test
	void whenTheFrameworkRefusesARequestThenItsCodeIsStillADocumentedOne() {
		// the actuator refuses a malformed tag with a ResponseStatusException of its own:
		// the code must stay
		// in the closed list a generated client knows (it used to be the status' name,
		// BAD_REQUEST)
		this.http.get()
			.uri("/actuator/metrics/jvm.memory.used?tag=no-colon")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo(ProblemCode.INVALID_REQUEST.name());
	}

	@Test
	void whenTheApiPageIsAskedForThenItAndEverythingItLoadsAreServedHereWithoutCredentials() {
		assertServedWithoutCredentials(this.http);
	}

	/**
	 * The page, each file it loads (all from this gateway: no CDN) and the document: 200
	 * to anyone.
	 */
	static void assertServedWithoutCredentials(WebTestClient http) {
		String page = http.get()
			.uri("/swagger-ui.html")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		Matcher references = Pattern.compile("(?:src|href)=\"([^\"]+)\"").matcher(page);
		List<String> loaded = new ArrayList<>();
		while (references.find()) {
			loaded.add(references.group(1));
		}
		assertThat(loaded).isNotEmpty().allSatisfy((reference) -> assertThat(reference).startsWith("/"));
		for (String reference : loaded) {
			// read whole, so no response is cut off when the instance stops
			assertThat(http.get()
				.uri(reference)
				.exchange()
				.expectStatus()
				.isOk()
				.expectBody()
				.returnResult()
				.getResponseBody()).as(reference).isNotEmpty();
		}
		String init = http.get()
			.uri("/swagger-ui-init.js")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		assertThat(init).contains("url: '" + Paths.API_DOCUMENT + "'");
		http.get()
			.uri(Paths.API_DOCUMENT)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.openapi")
			.isEqualTo("3.1.0");
	}

	/**
	 * Calls a documented operation and checks the answer against the document: a
	 * documented status, a documented content type, a body its schema accepts, and a
	 * problem's code whose status it is. {@code expected} -1 takes any status (the
	 * claim's 201 or 202); returns the status.
	 */
	private int call(HttpMethod method, String template, Consumer<HttpHeaders> headers, Object body, int expected,
			Object... variables) {
		WebTestClient.RequestBodySpec request = this.http.method(method).uri(template, variables).headers(headers);
		WebTestClient.RequestHeadersSpec<?> ready = (body != null)
				? request.contentType(org.springframework.http.MediaType.APPLICATION_JSON).bodyValue(body) : request;
		int status = answer(ready, method, template, expected);
		this.driven.computeIfAbsent(method.name() + " " + pathOf(template), (key) -> new TreeSet<>()).add(status);
		return status;
	}

	private int answer(WebTestClient.RequestHeadersSpec<?> request, HttpMethod method, String template, int expected) {
		EntityExchangeResult<byte[]> result = request.exchange().expectBody().returnResult();
		int status = result.getStatus().value();
		String what = method + " " + template + " answered " + status + ": " + ((result.getResponseBody() != null)
				? new String(result.getResponseBody(), StandardCharsets.UTF_8) : "");
		if (expected != -1) {
			assertThat(status).as(what).isEqualTo(expected);
		}
		Operation operation = operation(method, pathOf(template));
		ApiResponse documented = response(operation.getResponses().get(Integer.toString(status)));
		assertThat(documented).as(what + ": the document lists this status").isNotNull();
		org.springframework.http.MediaType type = result.getResponseHeaders().getContentType();
		if (documented.getContent() == null || documented.getContent().isEmpty()) {
			assertThat(result.getResponseBody()).as(what + ": no body documented").isNullOrEmpty();
			return status;
		}
		assertThat(type).as(what).isNotNull();
		MediaType content = documented.getContent().get(type.getType() + "/" + type.getSubtype());
		assertThat(content).as(what + ": content type " + type + " documented").isNotNull();
		if (type.getSubtype().endsWith("json")) {
			Object parsed = this.json.readValue(result.getResponseBody(), Object.class);
			List<String> errors = new ArrayList<>();
			validate(parsed, content.getSchema(), "$", errors);
			assertThat(errors).as(what).isEmpty();
			if (type.getSubtype().equals("problem+json")) {
				String code = (String) ((Map<?, ?>) parsed).get("code");
				assertThat(ProblemCode.valueOf(code).status().value()).as(what + ": the code's status")
					.isEqualTo(status);
			}
		}
		return status;
	}

	/**
	 * Opens a documented stream, checks its first event's data against the schema, and
	 * closes it.
	 */
	private void stream(String template, String schema, Object... variables) {
		FluxExchangeResult<ServerSentEvent<String>> result = this.http.get()
			.uri(template, variables)
			.accept(org.springframework.http.MediaType.TEXT_EVENT_STREAM)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(org.springframework.http.MediaType.TEXT_EVENT_STREAM)
			.returnResult(new ParameterizedTypeReference<>() {
			});
		ServerSentEvent<String> first = result.getResponseBody()
			.filter((event) -> event.data() != null)
			.next()
			.block(Duration.ofSeconds(20));
		assertThat(first).isNotNull();
		Operation operation = operation(HttpMethod.GET, pathOf(template));
		assertThat(response(operation.getResponses().get("200")).getContent()).containsKey("text/event-stream");
		List<String> errors = new ArrayList<>();
		validate(this.json.readValue(first.data(), Object.class), document.getComponents().getSchemas().get(schema),
				"$", errors);
		assertThat(errors).as(template + " " + first).isEmpty();
		this.driven.computeIfAbsent("GET " + pathOf(template), (key) -> new TreeSet<>()).add(200);
	}

	/**
	 * The small part of JSON Schema the document uses: type (with null), required,
	 * properties, items, enum, oneOf.
	 */
	@SuppressWarnings("unchecked")
	private static void validate(Object value, Schema<?> declared, String where, List<String> errors) {
		Schema<?> schema = schema(declared);
		if (schema.getOneOf() != null) {
			long matching = schema.getOneOf().stream().filter((option) -> {
				List<String> none = new ArrayList<>();
				validate(value, option, where, none);
				return none.isEmpty();
			}).count();
			if (matching != 1) {
				errors.add(where + ": matches " + matching + " of oneOf");
			}
			return;
		}
		Set<String> types = types(schema);
		if (value == null) {
			if (!types.contains("null")) {
				errors.add(where + ": null");
			}
			return;
		}
		if (types.contains("object")) {
			if (!(value instanceof Map<?, ?> object)) {
				errors.add(where + ": not an object");
				return;
			}
			if (schema.getRequired() != null) {
				schema.getRequired()
					.stream()
					.filter((name) -> !object.containsKey(name))
					.forEach((name) -> errors.add(where + "." + name + ": required"));
			}
			if (schema.getProperties() != null) {
				((Map<String, Object>) object).forEach((name, member) -> {
					Schema<?> property = schema.getProperties().get(name);
					if (property == null) {
						errors.add(where + "." + name + ": not in the document");
					}
					else {
						validate(member, property, where + "." + name, errors);
					}
				});
			}
		}
		else if (types.contains("array")) {
			if (!(value instanceof List<?> list)) {
				errors.add(where + ": not an array");
				return;
			}
			for (int i = 0; i < list.size(); i++) {
				validate(list.get(i), schema.getItems(), where + "[" + i + "]", errors);
			}
		}
		else if (types.contains("string")) {
			if (!(value instanceof String text)) {
				errors.add(where + ": not a string: " + value);
				return;
			}
			if (schema.getPattern() != null && !Pattern.compile(schema.getPattern()).matcher(text).find()) {
				errors.add(where + ": " + text + " does not match " + schema.getPattern());
			}
		}
		else if (types.contains("integer")) {
			if (!(value instanceof Integer || value instanceof Long || value instanceof BigInteger)) {
				errors.add(where + ": not an integer: " + value);
			}
		}
		else if (types.contains("boolean")) {
			if (!(value instanceof Boolean)) {
				errors.add(where + ": not a boolean: " + value);
			}
		}
		else {
			errors.add(where + ": a schema without a type this check knows: " + types);
		}
		if (schema.getEnum() != null
				&& !schema.getEnum().stream().map(String::valueOf).toList().contains(String.valueOf(value))) {
			errors.add(where + ": " + value + " not in " + schema.getEnum());
		}
	}

	private static Set<String> types(Schema<?> schema) {
		Set<String> types = new HashSet<>();
		if (schema.getTypes() != null) {
			types.addAll(schema.getTypes());
		}
		if (schema.getType() != null) {
			types.add(schema.getType());
		}
		return types;
	}

	private static Schema<?> schema(Schema<?> schema) {
		return (schema.get$ref() != null) ? schema(document.getComponents().getSchemas().get(name(schema.get$ref())))
				: schema;
	}

	private static ApiResponse response(ApiResponse response) {
		return (response != null && response.get$ref() != null)
				? document.getComponents().getResponses().get(name(response.get$ref())) : response;
	}

	private static String name(String reference) {
		return reference.substring(reference.lastIndexOf('/') + 1);
	}

	private static String pathOf(String template) {
		int query = template.indexOf('?');
		return (query >= 0) ? template.substring(0, query) : template;
	}

	private static Operation operation(HttpMethod method, String path) {
		PathItem item = document.getPaths().get(path);
		assertThat(item).as(path + " documented").isNotNull();
		Operation operation = item.readOperationsMap().get(PathItem.HttpMethod.valueOf(method.name()));
		assertThat(operation).as(method + " " + path + " documented").isNotNull();
		return operation;
	}

	/** {@code METHOD path} of every operation in the document. */
	private static Map<String, Operation> documentedOperations() {
		Map<String, Operation> operations = new LinkedHashMap<>();
		document.getPaths()
			.forEach((path, item) -> item.readOperationsMap()
				.forEach((method, operation) -> operations.put(method.name() + " " + path, operation)));
		return operations;
	}

	/**
	 * {@code METHOD path} of every route with a method; a route with none is a
	 * {@link MethodNotAllowed} fallback (405 for the path's other methods), checked path
	 * by path above.
	 */
	private record RouteCollector(Set<String> routes) implements RouterFunctions.Visitor {

		@Override
		public void route(RequestPredicate predicate, HandlerFunction<?> handler) {
			Set<String> methods = new TreeSet<>();
			Set<String> paths = new TreeSet<>();
			predicate.accept(new PredicateParts(methods, paths));
			for (String method : methods) {
				for (String path : paths) {
					this.routes.add(method + " " + path);
				}
			}
		}

		@Override
		public void startNested(RequestPredicate predicate) {
			throw new IllegalStateException("nested routes: teach this walk to join their paths");
		}

		@Override
		public void endNested(RequestPredicate predicate) {
		}

		@Override
		public void resources(Function<ServerRequest, Mono<Resource>> lookupFunction) {
			throw new IllegalStateException("resources in a RouterFunction: document them or teach this walk");
		}

		@Override
		public void attributes(Map<String, Object> attributes) {
		}

		@Override
		public void unknown(RouterFunction<?> routerFunction) {
			throw new IllegalStateException("a router this walk cannot see into: " + routerFunction);
		}

	}

	private record PredicateParts(Set<String> methods, Set<String> paths) implements RequestPredicates.Visitor {

		@Override
		public void method(Set<HttpMethod> methods) {
			methods.forEach((method) -> this.methods.add(method.name()));
		}

		@Override
		public void path(String pattern) {
			this.paths.add(pattern);
		}

		@Override
		public void pathExtension(String extension) {
			throw new IllegalStateException("a path extension predicate: " + extension);
		}

		@Override
		public void header(String name, String value) {
		}

		@Override
		public void queryParam(String name, String value) {
		}

		@Override
		public void version(String version) {
		}

		@Override
		public void startAnd() {
		}

		@Override
		public void and() {
		}

		@Override
		public void endAnd() {
		}

		@Override
		public void startOr() {
		}

		@Override
		public void or() {
		}

		@Override
		public void endOr() {
		}

		@Override
		public void startNegate() {
			throw new IllegalStateException("a negated predicate: teach this walk what it excludes");
		}

		@Override
		public void endNegate() {
		}

		@Override
		public void unknown(RequestPredicate predicate) {
			throw new IllegalStateException("a predicate this walk cannot see into: " + predicate);
		}

	}

}
