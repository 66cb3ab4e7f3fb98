package dev.coupongateway.writer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.event.CouponPublisher;
import dev.coupongateway.system.Paths;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The database as the last guard, and nothing dropped silently: records the guards refuse
 * and records that cannot be read are kept in {@code coupon_conflict}, sent to the DLT
 * with their reason, counted, and their offsets committed so the writer moves on.
 */
@CouponGatewayTest
class CouponConflictTests {

	@Autowired
	private CouponPublisher publisher;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private DatabaseClient db;

	@Autowired
	private MeterRegistry meters;

	@Autowired
	private WebTestClient http;

	@Test
	void whenAnEventIsOutsideTheCapThenItIsRefusedKeptAndDeadLettered() {
		String campaign = this.fixtures.campaign(2);
		double conflictsBefore = this.meters.counter("coupon.writer.conflicts").count();
		CouponIssued fine = Fixtures.event(campaign, "alice", 1, 1);
		CouponIssued beyondStock = Fixtures.event(campaign, "bob", 3, 1);
		CouponIssued beyondLimit = Fixtures.event(campaign, "carol", 2, 2);
		CouponIssued sequenceTaken = Fixtures.event(campaign, "dave", 1, 1);
		// stored first: the events' keys spread them over partitions, so in one batch
		// either could win sequence 1
		publish(List.of(fine));
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.fixtures.storedCouponIds(campaign).contains(fine.couponId()));
		publish(List.of(beyondStock, beyondLimit, sequenceTaken));

		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.conflictReasons(campaign).size() == 3);
		assertThat(this.fixtures.storedCouponIds(campaign)).containsExactly(fine.couponId());
		assertThat(this.fixtures.conflictReasons(campaign)).containsOnly(
				Map.entry(beyondStock.couponId().toString(), "sequence outside the stock"),
				Map.entry(beyondLimit.couponId().toString(), "user slot outside the per-user limit"),
				Map.entry(sequenceTaken.couponId().toString(), "sequence already stored for another coupon"));
		// the rows are committed by the insert; the writer counts each refusal just
		// after, as it dead-letters it
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.meters.counter("coupon.writer.conflicts").count() >= conflictsBefore + 3);

		List<ConsumerRecord<String, byte[]>> dlt = deadLetters(3, campaign);
		assertThat(dlt).extracting((r) -> header(r, "coupon-dlt-reason"))
			.containsExactlyInAnyOrder("sequence outside the stock", "user slot outside the per-user limit",
					"sequence already stored for another coupon");
		assertThat(dlt).allSatisfy((r) -> assertThat(header(r, "coupon-dlt-source")).startsWith("coupon.issued-"));

		this.http.get()
			.uri(Paths.RECONCILIATION, campaign)
			.headers((h) -> h.setBearerAuth(DevServices.ADMIN_TOKEN))
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.jsonPath("$.stored")
			.isEqualTo(1)
			.jsonPath("$.conflicts")
			.isEqualTo(3)
			.jsonPath("$.agree")
			.isEqualTo(false);
	}

	@Test
	void whenARecordCannotBeReadThenItIsKeptWithItsPayloadAndDeadLettered() throws Exception {
		String payload = "{not json at all " + UUID.randomUUID();
		try (KafkaProducer<String, byte[]> producer = producer()) {
			producer.send(new ProducerRecord<>("coupon.issued", "poison:key", payload.getBytes(StandardCharsets.UTF_8)))
				.get();
		}
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.db
				.sql("SELECT count(*) AS n FROM coupon_conflict WHERE payload = :p AND reason LIKE 'unreadable%'")
				.bind("p", payload)
				.map((row) -> row.get("n", Long.class))
				.one()
				.block(Duration.ofSeconds(5)) == 1);
		// the writer moved past it: a later good event is stored
		String campaign = this.fixtures.campaign(1);
		CouponIssued after = Fixtures.event(campaign, "erin", 1, 1);
		publish(List.of(after));
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) == 1);
	}

	@Test
	void whenARowIsInsertedOutsideTheWriterThenTheTriggerStillGuardsTheCap() {
		String campaign = this.fixtures.campaign(1);
		assertThatThrownBy(() -> this.db
			.sql("INSERT INTO coupon (coupon_id, campaign_id, user_id, sequence, user_slot, issued_at) "
					+ "VALUES (:id, :campaign, 'mallory', 2, 1, now())")
			.bind("id", UUID.randomUUID())
			.bind("campaign", campaign)
			.then()
			.block(Duration.ofSeconds(5))).isInstanceOf(DataIntegrityViolationException.class)
			.hasMessageContaining("outside its stock");
		assertThat(this.fixtures.storedRows(campaign)).isZero();
	}

	private void publish(List<CouponIssued> events) {
		Flux.fromIterable(events).concatMap(this.publisher::publish).then().block(Duration.ofSeconds(30));
	}

	private List<ConsumerRecord<String, byte[]>> deadLetters(int expected, String campaign) {
		Properties config = new Properties();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, "dlt-reader-" + UUID.randomUUID());
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
		try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new ByteArrayDeserializer())) {
			consumer.subscribe(List.of("coupon.issued.DLT"));
			await().atMost(Duration.ofSeconds(30)).until(() -> {
				consumer.poll(Duration.ofMillis(200)).forEach((record) -> {
					if (record.key() != null && record.key().startsWith(campaign + ":")) {
						found.add(record);
					}
				});
				return found.size() >= expected;
			});
		}
		return found;
	}

	private static KafkaProducer<String, byte[]> producer() {
		Properties config = new Properties();
		config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
		return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
	}

	private static String bootstrap() {
		return (String) DevServices.properties().get("spring.kafka.bootstrap-servers");
	}

	private static String header(ConsumerRecord<String, byte[]> record, String name) {
		return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
	}

}
