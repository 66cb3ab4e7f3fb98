package dev.coupongateway.writer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.event.CouponPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;

/**
 * A DLT send that fails makes the writer retry the whole batch. Keeping a refusal is
 * idempotent: the retry neither keeps, counts nor dead-letters again what the first
 * attempt already handled. Runs on a topic of its own, so only this context's writer
 * (with its failing DLT) consumes the records.
 */
@CouponGatewayTest(properties = { "coupon.kafka.topic=coupon.issued.dlt-retry",
		"coupon.kafka.consumer-group=coupon-writer-dlt-retry" })
class DeadLetterRetryTests {

	private static final String TOPIC = "coupon.issued.dlt-retry";

	@MockitoSpyBean
	private CouponPublisher publisher;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private DatabaseClient db;

	@Autowired
	private MeterRegistry meters;

	@Test
	void whenADeadLetterSendFailsThenTheRetryKeepsCountsAndSendsEachRefusalOnce() {
		AtomicInteger failures = new AtomicInteger();
		// the second DLT send fails once (the broker refused it), after the first went
		// out; the writer retries the batch
		doAnswer((call) -> (failures.getAndIncrement() == 1) ? Mono.error(new IllegalStateException("DLT send failed"))
				: call.callRealMethod())
			.when(this.publisher)
			.deadLetter(anyString(), any(), anyString(), anyString());
		String campaign = this.fixtures.campaign(2);
		double conflictsBefore = this.meters.counter("coupon.writer.conflicts").count();
		CouponIssued fine = Fixtures.event(campaign, "alice", 1, 1);
		CouponIssued beyondStock = Fixtures.event(campaign, "bob", 3, 1);
		CouponIssued beyondLimit = Fixtures.event(campaign, "carol", 2, 2);
		CouponIssued sequenceTaken = Fixtures.event(campaign, "dave", 1, 1);
		// stored first: the events' keys spread them over partitions, so in one batch
		// either could win sequence 1
		this.publisher.publish(fine).block(Duration.ofSeconds(30));
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.fixtures.storedCouponIds(campaign).contains(fine.couponId()));
		Flux.just(beyondStock, beyondLimit, sequenceTaken)
			.concatMap(this.publisher::publish)
			.then()
			.block(Duration.ofSeconds(30));

		// the batch is done once the writer committed its offsets: stored, kept,
		// dead-lettered
		await().atMost(Duration.ofSeconds(30)).until(DeadLetterRetryTests::batchCommitted);
		assertThat(failures).as("the failing send happened and was retried").hasValueGreaterThan(3);
		assertThat(this.fixtures.storedCouponIds(campaign)).containsExactly(fine.couponId());
		assertThat(this.meters.counter("coupon.writer.conflicts").count()).isEqualTo(conflictsBefore + 3);
		assertThat(deadLetters(campaign)).extracting(ConsumerRecord::value)
			.extracting(String::new)
			.hasSize(3)
			.doesNotHaveDuplicates();
		assertThat(deadLettered(campaign)).isEqualTo(3);
	}

	private long deadLettered(String campaign) {
		return this.db
			.sql("SELECT count(*) AS n FROM coupon_conflict WHERE campaign_id = :c AND dead_lettered_at IS NOT NULL")
			.bind("c", campaign)
			.map((row) -> row.get("n", Long.class))
			.one()
			.block(Duration.ofSeconds(5));
	}

	private static boolean batchCommitted() throws Exception {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
			Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("coupon-writer-dlt-retry")
				.partitionsToOffsetAndMetadata()
				.get();
			// every partition of the topic: one the writer never committed on counts from
			// offset 0
			int partitions = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().size();
			Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
			for (int partition = 0; partition < partitions; partition++) {
				latest.put(new TopicPartition(TOPIC, partition), OffsetSpec.latest());
			}
			var ends = admin.listOffsets(latest).all().get();
			return ends.entrySet().stream().allMatch((end) -> {
				OffsetAndMetadata done = committed.get(end.getKey());
				return ((done != null) ? done.offset() : 0) >= end.getValue().offset();
			});
		}
	}

	private static Object bootstrap() {
		return DevServices.properties().get("spring.kafka.bootstrap-servers");
	}

	/** Every record of the campaign on the DLT, read to the end of the topic. */
	private static List<ConsumerRecord<String, byte[]>> deadLetters(String campaign) {
		Properties config = new Properties();
		config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
		config.put(ConsumerConfig.GROUP_ID_CONFIG, "dlt-reader-" + UUID.randomUUID());
		config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
		try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
				new ByteArrayDeserializer())) {
			List<TopicPartition> partitions = consumer.partitionsFor(TOPIC + ".DLT")
				.stream()
				.map((p) -> new TopicPartition(p.topic(), p.partition()))
				.toList();
			consumer.assign(partitions);
			consumer.seekToBeginning(partitions);
			Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
			await().atMost(Duration.ofSeconds(30)).until(() -> {
				consumer.poll(Duration.ofMillis(200)).forEach((record) -> {
					if (record.key() != null && record.key().startsWith(campaign + ":")) {
						found.add(record);
					}
				});
				return partitions.stream().allMatch((p) -> consumer.position(p) >= ends.get(p));
			});
		}
		return found;
	}

}
