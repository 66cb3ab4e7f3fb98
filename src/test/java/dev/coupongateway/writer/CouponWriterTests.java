package dev.coupongateway.writer;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.Fixtures;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.event.CouponPublisher;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The writer on the real Kafka and PostgreSQL: idempotent on redelivery, resumes after a
 * restart, loses and duplicates nothing when stopped mid-stream. On a topic and consumer
 * group of its own, so this context's writer is the only consumer and stopping it really
 * stops the stream.
 */
@CouponGatewayTest(properties = { "coupon.kafka.topic=coupon.issued.writer-tests",
		"coupon.kafka.consumer-group=coupon-writer-tests", "coupon.kafka.batch-size=100" })
class CouponWriterTests {

	@Autowired
	private CouponPublisher publisher;

	@Autowired
	private CouponWriter writer;

	@Autowired
	private Fixtures fixtures;

	@Test
	void whenTheSameEventIsDeliveredTwiceThenOneRow() {
		String campaign = this.fixtures.campaign(10, 2);
		CouponIssued event = Fixtures.event(campaign, "alice", 1, 1);
		// same key, so same partition: once the later event is stored, both copies have
		// been consumed
		CouponIssued later = new CouponIssued(UUID.randomUUID(), campaign, "alice", 2, 2, event.issuedAt());
		publish(List.of(event, event, later));
		await().atMost(Duration.ofSeconds(30))
			.until(() -> this.fixtures.storedCouponIds(campaign).contains(later.couponId()));
		assertThat(this.fixtures.storedCouponIds(campaign)).containsExactlyInAnyOrder(event.couponId(),
				later.couponId());
	}

	@Test
	void whenWriterRestartsThenItResumesWithoutLossOrDuplicates() {
		String campaign = this.fixtures.campaign(600);
		List<CouponIssued> events = IntStream.rangeClosed(1, 600)
			.mapToObj((i) -> Fixtures.event(campaign, "user-" + i, i, 1))
			.toList();
		publish(events.subList(0, 200));
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixtures.storedRows(campaign) == 200);

		this.writer.stop();
		publish(events.subList(200, 400));
		this.writer.start();
		publish(events.subList(400, 600));

		await().atMost(Duration.ofSeconds(60)).until(() -> this.fixtures.storedRows(campaign) >= 600);
		assertThat(this.fixtures.storedCouponIds(campaign))
			.containsExactlyInAnyOrderElementsOf(events.stream().map(CouponIssued::couponId).toList());
	}

	@Test
	void whenWriterStopsMidStreamThenEveryEventIsStoredExactlyOnce() {
		String campaign = this.fixtures.campaign(5000);
		List<CouponIssued> events = IntStream.rangeClosed(1, 5000)
			.mapToObj((i) -> Fixtures.event(campaign, "user-" + i, i, 1))
			.toList();
		// queued first, so the writer has a long stream (50 batches) in hand when it is
		// stopped
		this.writer.stop();
		Flux.fromIterable(events).flatMap(this.publisher::publish, 64).then().block(Duration.ofSeconds(60));
		this.writer.start();
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(10))
			.until(() -> this.fixtures.storedRows(campaign) > 0);
		this.writer.stop();

		long atStop = this.fixtures.storedRows(campaign);
		assertThat(atStop).as("the stop cut the stream").isLessThan(5000);
		await("nothing stored while stopped").during(Duration.ofSeconds(1))
			.atMost(Duration.ofSeconds(3))
			.until(() -> this.fixtures.storedRows(campaign) == atStop);
		this.writer.start();
		await().atMost(Duration.ofSeconds(60)).until(() -> this.fixtures.storedRows(campaign) >= 5000);
		assertThat(this.fixtures.storedCouponIds(campaign))
			.containsExactlyInAnyOrderElementsOf(events.stream().map(CouponIssued::couponId).toList());
	}

	private void publish(List<CouponIssued> events) {
		Flux.fromIterable(events).concatMap(this.publisher::publish).then().block(Duration.ofSeconds(30));
	}

}
