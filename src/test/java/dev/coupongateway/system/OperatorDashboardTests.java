package dev.coupongateway.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Claim;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator's dashboard and scrape config in {@code docker/} hold together: the
 * dashboard has the shape Grafana's classic JSON model gives a dashboard (the full type
 * check against Grafana's own schema is {@code docker/grafana/check-dashboard.sh}), its
 * panels query the data source Grafana is provisioned with, Prometheus scrapes the path
 * the gateway serves, and every metric a query names is one the gateway really exports:
 * scraped from {@code /actuator/prometheus} after a burst of claims of every kind.
 */
@CouponGatewayTest
class OperatorDashboardTests {

	private static final Path DOCKER = Path.of("docker");

	/** Metric names in PromQL: ours, the JVM's, the process's and the R2DBC pool's. */
	private static final Pattern METRIC = Pattern.compile("\\b((?:coupon|jvm|process|r2dbc)_[a-z0-9_]+)\\b");

	private static final Set<String> PANEL_TYPES = Set.of("row", "timeseries", "stat");

	@LocalServerPort
	private int port;

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	private final JsonMapper json = JsonMapper.builder().build();

	@Test
	void theDashboardHasGrafanasShapeAndQueriesTheProvisionedDataSource() throws IOException {
		JsonNode dashboard = this.json
			.readTree(Files.readString(DOCKER.resolve("grafana/dashboards/coupon-gateway.json")));
		assertThat(dashboard.path("title").asString()).isNotBlank();
		assertThat(dashboard.path("uid").asString()).matches("[a-zA-Z0-9_-]{1,40}");
		assertThat(dashboard.path("schemaVersion").isInt()).isTrue();
		String dataSource = dataSourceUid();
		Set<Integer> ids = new HashSet<>();
		for (JsonNode panel : dashboard.path("panels")) {
			assertThat(ids.add(panel.path("id").asInt())).as("panel ids are unique").isTrue();
			assertThat(panel.path("type").asString()).isIn(PANEL_TYPES);
			JsonNode grid = panel.path("gridPos");
			for (String field : List.of("h", "w", "x", "y")) {
				assertThat(grid.path(field).isInt()).as(panel.path("title") + " gridPos." + field).isTrue();
			}
			assertThat(grid.path("x").asInt() + grid.path("w").asInt()).as("inside Grafana's 24 columns")
				.isLessThanOrEqualTo(24);
			if (!"row".equals(panel.path("type").asString())) {
				assertThat(panel.path("targets").size()).as(panel.path("title") + " has queries").isPositive();
				Set<String> refIds = new HashSet<>();
				for (JsonNode target : panel.path("targets")) {
					assertThat(refIds.add(target.path("refId").asString())).isTrue();
					assertThat(target.path("expr").asString()).isNotBlank();
					assertThat(target.path("datasource").path("uid").asString()).isEqualTo(dataSource);
				}
			}
		}
		assertThat(ids).hasSizeGreaterThan(10);
	}

	@SuppressWarnings("unchecked")
	@Test
	void prometheusScrapesEveryInstanceWhereTheGatewayServesItsMetrics() throws IOException {
		Map<String, Object> config = new Yaml().load(Files.readString(DOCKER.resolve("prometheus/prometheus.yml")));
		List<Map<String, Object>> jobs = (List<Map<String, Object>>) config.get("scrape_configs");
		assertThat(jobs).extracting((job) -> job.get("job_name")).contains("coupon-gateway", "coupon-writer");
		for (Map<String, Object> job : jobs) {
			assertThat(job.get("metrics_path")).isEqualTo("/actuator/prometheus");
			Map<String, Object> discovery = ((List<Map<String, Object>>) job.get("dns_sd_configs")).get(0);
			// the compose services' names, on the port every instance listens on there
			assertThat((List<String>) discovery.get("names")).containsAnyOf("gateway", "writer");
			assertThat(discovery.get("port")).isEqualTo(8080);
		}
		this.http.get().uri("/actuator/prometheus").exchange().expectStatus().isOk();
	}

	@Test
	void everyMetricTheDashboardQueriesIsOneTheGatewayExports() throws Exception {
		// a burst of every kind of answer, a waiting room that admits, a stock stream
		// open
		String campaign = this.fixtures.campaign(3);
		new Claims(this.port)
			.concurrently(IntStream.range(0, 6).mapToObj((i) -> new Claim(campaign, "burst-" + (i % 5))).toList(), 6);
		String line = this.fixtures.withWaitingRoom(3, 100, "PT1M");
		this.http.post().uri(Paths.QUEUE, line).header("X-User-Id", "in-line").exchange().expectStatus().isOk();
		await().atMost(Duration.ofSeconds(10)).until(() -> scrape().contains("coupon_queue_admitted_total{"));
		this.http.get().uri(Paths.STOCK_STREAM, campaign).exchange().expectStatus().isOk();

		String exported = scrape();
		Set<String> queried = new TreeSet<>();
		JsonNode dashboard = this.json
			.readTree(Files.readString(DOCKER.resolve("grafana/dashboards/coupon-gateway.json")));
		for (JsonNode panel : dashboard.path("panels")) {
			for (JsonNode target : panel.path("targets")) {
				Matcher names = METRIC.matcher(target.path("expr").asString());
				while (names.find()) {
					queried.add(names.group(1));
				}
			}
		}
		assertThat(queried).hasSizeGreaterThan(20);
		Set<String> missing = new TreeSet<>();
		for (String name : queried) {
			if (!Pattern.compile("(?m)^" + name + "[{ ]").matcher(exported).find()) {
				missing.add(name);
			}
		}
		assertThat(missing).as("metrics the dashboard queries that /actuator/prometheus does not export").isEmpty();
	}

	/**
	 * The whole exposition (the test client's buffer is the gateway's 16 KB codec limit:
	 * too small for it).
	 */
	private String scrape() throws IOException, InterruptedException {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/prometheus")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
	}

	@SuppressWarnings("unchecked")
	private static String dataSourceUid() throws IOException {
		Map<String, Object> provisioning = new Yaml()
			.load(Files.readString(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yaml")));
		return (String) ((List<Map<String, Object>>) provisioning.get("datasources")).get(0).get("uid");
	}

}
