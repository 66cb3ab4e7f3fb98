package dev.coupongateway.writer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.event.CouponPublisher;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * More than one batch in flight: a batch held up in PostgreSQL does not hold up the ones
 * after it, yet no offset is committed until every earlier record is stored. On a topic
 * and consumer group of its own, so this context's writer is the only consumer.
 */
@CouponGatewayTest(properties = { "coupon.kafka.topic=" + BatchesInFlightTests.TOPIC,
		"coupon.kafka.consumer-group=" + BatchesInFlightTests.GROUP, "coupon.writer.batches-in-flight=2" })
class BatchesInFlightTests {

	static final String TOPIC = "coupon.issued.in-flight";

	static final String GROUP = "coupon-writer-in-flight";

	@Autowired
	private CouponPublisher publisher;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private DatabaseClient db;

	@Autowired
	private ConnectionFactory connections;

	@Test
	void whenABatchWaitsOnALockThenTheNextIsStoredButNothingIsCommittedUntilBothAre() {
		String campaign = this.fixtures.campaign(10, 2);
		CouponIssued held = Fixtures.event(campaign, "alice", 1, 1);
		// same user, so same key and partition, at a later offset
		CouponIssued next = new CouponIssued(UUID.randomUUID(), campaign, "alice", 2, 2, held.issuedAt());
		// another transaction inserts the held coupon and keeps it open: the writer's
		// insert of that coupon waits on its row lock until it ends
		Connection holder = Mono.from(this.connections.create()).block(Duration.ofSeconds(10));
		try {
			Mono.from(holder.beginTransaction()).block(Duration.ofSeconds(10));
			Flux.from(holder
				.createStatement("INSERT INTO coupon (coupon_id, campaign_id, user_id, sequence, user_slot, issued_at)"
						+ " VALUES ($1::uuid, $2, 'alice', 1, 1, now())")
				.bind(0, held.couponId().toString())
				.bind(1, campaign)
				.execute()).flatMap(Result::getRowsUpdated).blockLast(Duration.ofSeconds(10));
			this.publisher.publish(held).block(Duration.ofSeconds(30));
			await("the writer waits on the held row").atMost(Duration.ofSeconds(30)).until(this::writerWaitsOnALock);
			this.publisher.publish(next).block(Duration.ofSeconds(30));

			await("the next batch stored meanwhile").atMost(Duration.ofSeconds(20))
				.until(() -> this.fixtures.storedCouponIds(campaign).contains(next.couponId()));
			await("no offset committed past the held record").during(Duration.ofSeconds(1))
				.atMost(Duration.ofSeconds(3))
				.until(() -> !allCommitted());
		}
		finally {
			Mono.from(holder.rollbackTransaction()).then(Mono.from(holder.close())).block(Duration.ofSeconds(10));
		}
		await("both committed once the held one is stored").atMost(Duration.ofSeconds(30))
			.until(BatchesInFlightTests::allCommitted);
		assertThat(this.fixtures.storedCouponIds(campaign)).containsExactlyInAnyOrder(held.couponId(), next.couponId());
	}

	private boolean writerWaitsOnALock() {
		return this.db
			.sql("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
					+ " AND query LIKE '%ON CONFLICT DO NOTHING%'")
			.map((row) -> row.get("n", Long.class))
			.one()
			.block(Duration.ofSeconds(5)) > 0;
	}

	/**
	 * Whether the group committed up to the end of every partition (one never committed
	 * counts from 0).
	 */
	private static boolean allCommitted() throws Exception {
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
				DevServices.properties().get("spring.kafka.bootstrap-servers")))) {
			Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
				.partitionsToOffsetAndMetadata()
				.get();
			int partitions = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().size();
			Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
			for (int partition = 0; partition < partitions; partition++) {
				latest.put(new TopicPartition(TOPIC, partition), OffsetSpec.latest());
			}
			return admin.listOffsets(latest).all().get().entrySet().stream().allMatch((end) -> {
				OffsetAndMetadata done = committed.get(end.getKey());
				return ((done != null) ? done.offset() : 0) >= end.getValue().offset();
			});
		}
	}

}
