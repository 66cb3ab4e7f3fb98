package dev.coupongateway.campaign;

import java.time.Instant;
import java.util.Map;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin API and the public read side of campaigns, over HTTP. */
@CouponGatewayTest
class CampaignApiTests {

	@Autowired
	private WebTestClient http;

	@Autowired
	private Fixtures fixtures;

	@Test
	void whenAdminCreatesCampaignThenCreatedWithLocationAndFullStock() {
		String id = Fixtures.uniqueId("new");
		this.http.post()
			.uri("/api/admin/campaigns")
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("id", id, "name", "Black Friday", "totalStock", 500))
			.exchange()
			.expectStatus()
			.isCreated()
			.expectHeader()
			.location("/api/campaigns/" + id)
			.expectBody()
			.jsonPath("$.id")
			.isEqualTo(id)
			.jsonPath("$.perUserLimit")
			.isEqualTo(1)
			.jsonPath("$.issued")
			.isEqualTo(0)
			.jsonPath("$.remaining")
			.isEqualTo(500)
			.jsonPath("$.status")
			.isEqualTo("OPEN");

		this.http.get()
			.uri("/api/campaigns/{id}/stock", id)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.json("{\"campaignId\":\"" + id + "\",\"total\":500,\"issued\":0,\"remaining\":500}");
	}

	@Test
	void whenIdIsAbsentThenOneIsGenerated() {
		String location = this.http.post()
			.uri("/api/admin/campaigns")
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("name", "No id", "totalStock", 5, "perUserLimit", 2))
			.exchange()
			.expectStatus()
			.isCreated()
			.returnResult(Void.class)
			.getResponseHeaders()
			.getLocation()
			.toString();
		assertThat(location).matches("/api/campaigns/[0-9a-f-]{36}");
		this.http.get()
			.uri(location)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.perUserLimit")
			.isEqualTo(2);
	}

	@Test
	void whenStartsInTheFutureThenScheduled() {
		String id = this.fixtures.campaign(5, 1, Instant.now().plusSeconds(3600), null);
		this.http.get()
			.uri("/api/campaigns/{id}", id)
			.exchange()
			.expectBody()
			.jsonPath("$.status")
			.isEqualTo("SCHEDULED");
	}

	@Test
	void whenEndedThenEnded() {
		String id = this.fixtures.campaign(5, 1, Instant.now().minusSeconds(7200), Instant.now().minusSeconds(3600));
		this.http.get().uri("/api/campaigns/{id}", id).exchange().expectBody().jsonPath("$.status").isEqualTo("ENDED");
	}

	@Test
	void whenTokenIsMissingOrWrongThenUnauthenticatedAndNothingCreated() {
		String id = Fixtures.uniqueId("unauth");
		for (String token : new String[] { null, "wrong" }) {
			this.http.post().uri("/api/admin/campaigns").headers((h) -> {
				if (token != null) {
					h.setBearerAuth(token);
				}
			})
				.contentType(MediaType.APPLICATION_JSON)
				.bodyValue(Map.of("id", id, "name", "x", "totalStock", 5))
				.exchange()
				.expectStatus()
				.isUnauthorized()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("UNAUTHENTICATED");
		}
		this.http.get().uri("/api/campaigns/{id}", id).exchange().expectStatus().isNotFound();
	}

	@Test
	void whenFieldsBreakTheContractThenInvalidRequestListsEachAndNothingCreated() {
		String id = Fixtures.uniqueId("bad");
		assertInvalid(Map.of("id", "Bad_Id!", "name", "x", "totalStock", 5), "id:");
		assertInvalid(Map.of("id", id, "totalStock", 5), "name:");
		assertInvalid(Map.of("id", id, "name", "x", "totalStock", 0), "totalStock:");
		assertInvalid(Map.of("id", id, "name", "x", "totalStock", 10_000_001), "totalStock:");
		assertInvalid(Map.of("id", id, "name", "x"), "totalStock:");
		assertInvalid(Map.of("id", id, "name", "x", "totalStock", 5, "perUserLimit", 0), "perUserLimit:");
		assertInvalid(Map.of("id", id, "name", "x", "totalStock", 5, "perUserLimit", 101), "perUserLimit:");
		assertInvalid(Map.of("id", id, "name", "x", "totalStock", 5, "buckets", 0), "buckets:");
		assertInvalid(Map.of("id", id, "name", "x", "totalStock", 100, "buckets", 65), "buckets:");
		assertInvalid(Map.of("id", id, "name", "x", "totalStock", 3, "buckets", 4), "buckets:");
		assertInvalid(Map.of("id", id, "name", "x", "totalStock", 5, "startsAt", "2030-01-02T00:00:00Z", "endsAt",
				"2030-01-01T00:00:00Z"), "endsAt:");
		this.http.get().uri("/api/campaigns/{id}", id).exchange().expectStatus().isNotFound();
	}

	@Test
	void whenBodyIsNotJsonThenInvalidRequest() {
		post("{\"name\": \"x\", \"totalStock\": ", MediaType.APPLICATION_JSON).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INVALID_REQUEST");
		post("{\"name\": \"x\", \"totalStock\": \"many\"}", MediaType.APPLICATION_JSON).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INVALID_REQUEST");
		post("", MediaType.APPLICATION_JSON).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INVALID_REQUEST");
	}

	@Test
	void whenAValueIsNotExactlyWhatTheContractSaysThenInvalidRequestSaysWhyAndNothingCreated() {
		String id = Fixtures.uniqueId("strict");
		Map<String, String> refused = Map.of("{\"id\":\"" + id + "\",\"name\":\"x\",\"totalStock\":5.7}",
				"totalStock: must be a whole number", "{\"id\":\"" + id + "\",\"name\":\"x\",\"totalStock\":\"5\"}",
				"totalStock: must be a whole number",
				"{\"id\":\"" + id + "\",\"name\":\"x\",\"totalStock\":5,\"totalStock\":50}",
				"body: a key is given twice", "{\"id\":\"" + id + "\",\"name\":7,\"totalStock\":5}",
				"name: must be a JSON string", "{\"id\":\"" + id + "\",\"name\":\"x\",\"totalStock\":true}",
				"totalStock: must be a whole number");
		refused.forEach((body, why) -> post(body, MediaType.APPLICATION_JSON).expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INVALID_REQUEST")
			.jsonPath("$.errors[0]")
			.value((error) -> assertThat((String) error).as(body).startsWith(why)));
		this.http.get().uri("/api/campaigns/{id}", id).exchange().expectStatus().isNotFound();
	}

	@Test
	void whenBodyIsNotJsonMediaTypeThenUnsupportedMediaType() {
		post("name=x", MediaType.TEXT_PLAIN).expectStatus()
			.isEqualTo(415)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("UNSUPPORTED_MEDIA_TYPE");
	}

	@Test
	void whenBodyIsOversizedThenPayloadTooLarge() {
		String huge = "{\"name\": \"" + "x".repeat(64 * 1024) + "\", \"totalStock\": 5}";
		post(huge, MediaType.APPLICATION_JSON).expectStatus()
			.isEqualTo(413)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("PAYLOAD_TOO_LARGE");
	}

	@Test
	void whenIdIsTakenThenConflict() {
		String id = this.fixtures.campaign(5);
		this.http.post()
			.uri("/api/admin/campaigns")
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("id", id, "name", "again", "totalStock", 9))
			.exchange()
			.expectStatus()
			.isEqualTo(409)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("CAMPAIGN_EXISTS");
		this.http.get().uri("/api/campaigns/{id}", id).exchange().expectBody().jsonPath("$.totalStock").isEqualTo(5);
	}

	@Test
	void whenCampaignIsUnknownThenCampaignNotFound() {
		for (String path : new String[] { "/api/campaigns/{id}", "/api/campaigns/{id}/stock" }) {
			this.http.get()
				.uri(path, "no-such-campaign")
				.exchange()
				.expectStatus()
				.isNotFound()
				.expectHeader()
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.expectBody()
				.jsonPath("$.code")
				.isEqualTo("CAMPAIGN_NOT_FOUND");
		}
	}

	@Test
	void whenPathIdIsMalformedThenInvalidRequest() {
		this.http.get()
			.uri("/api/campaigns/{id}", "UPPER_case")
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INVALID_REQUEST")
			.jsonPath("$.errors[0]")
			.exists();
	}

	@Test
	void whenRouteIsUnknownOrMethodWrongThenProblem() {
		this.http.get()
			.uri("/api/nothing-here")
			.exchange()
			.expectStatus()
			.isNotFound()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("NOT_FOUND");
		this.http.delete()
			.uri("/api/campaigns/{id}", "demo")
			.exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectHeader()
			.valueEquals("Allow", "GET")
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("METHOD_NOT_ALLOWED");
		this.http.get()
			.uri("/api/admin/campaigns")
			.exchange()
			.expectStatus()
			.isEqualTo(405)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("METHOD_NOT_ALLOWED");
	}

	private void assertInvalid(Map<String, Object> body, String field) {
		this.http.post()
			.uri("/api/admin/campaigns")
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.code")
			.isEqualTo("INVALID_REQUEST")
			.jsonPath("$.errors[?(@ =~ /" + field + ".*/)]")
			.exists();
	}

	private WebTestClient.ResponseSpec post(String body, MediaType type) {
		return this.http.post()
			.uri("/api/admin/campaigns")
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.contentType(type)
			.bodyValue(body)
			.exchange();
	}

}
