package dev.coupongateway.event;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.coupongateway.system.CouponProperties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * How far the writer's consumer group is behind the grants topic: events on their way to
 * PostgreSQL.
 */
@Component
public class WriterLag {

	private static final Duration TIMEOUT = Duration.ofSeconds(5);

	private final Admin admin;

	private final CouponProperties.Kafka kafka;

	WriterLag(KafkaAdminClient client, CouponProperties properties) {
		this.admin = client.admin;
		this.kafka = properties.kafka();
	}

	/**
	 * Records on the grants topic that the writer's group has not committed yet; errors
	 * when Kafka does not answer. A partition the group never committed counts from its
	 * first offset still in the log.
	 */
	public Mono<Long> get() {
		return mark().flatMap((mark) -> committed(mark.ends().keySet()).map((done) -> mark.ends()
			.entrySet()
			.stream()
			.mapToLong((end) -> Math.max(0, end.getValue() - done.get(end.getKey())))
			.sum()));
	}

	/**
	 * Where every partition of the grants topic ends now. Whatever was in Kafka at this
	 * moment is stored once the writer has committed past the mark ({@link #reached});
	 * what arrives later does not hold the mark back, so a busy sale on another campaign
	 * cannot keep a rebuild waiting.
	 */
	public Mono<Mark> mark() {
		String topic = this.kafka.topic();
		return Mono
			.fromCompletionStage(() -> this.admin.describeTopics(List.of(topic)).allTopicNames().toCompletionStage())
			.flatMap((topics) -> {
				Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
				topics.get(topic)
					.partitions()
					.forEach((p) -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
				return Mono.fromCompletionStage(() -> this.admin.listOffsets(latest).all().toCompletionStage());
			})
			.map((ends) -> {
				Map<TopicPartition, Long> mark = new HashMap<>();
				ends.forEach((partition, end) -> mark.put(partition, end.offset()));
				return new Mark(Map.copyOf(mark));
			})
			.timeout(TIMEOUT);
	}

	/** Whether the writer's group has committed up to the mark on every partition. */
	public Mono<Boolean> reached(Mark mark) {
		return committed(mark.ends().keySet())
			.map((done) -> mark.ends().entrySet().stream().allMatch((end) -> done.get(end.getKey()) >= end.getValue()));
	}

	/**
	 * The group's committed offset of each partition; the log's first offset where it
	 * never committed.
	 */
	private Mono<Map<TopicPartition, Long>> committed(Set<TopicPartition> partitions) {
		return Mono
			.fromCompletionStage(() -> this.admin.listConsumerGroupOffsets(this.kafka.consumerGroup())
				.partitionsToOffsetAndMetadata()
				.toCompletionStage())
			.flatMap((offsets) -> {
				Map<TopicPartition, Long> done = new HashMap<>();
				Map<TopicPartition, OffsetSpec> never = new HashMap<>();
				for (TopicPartition partition : partitions) {
					OffsetAndMetadata committed = offsets.get(partition);
					if (committed != null) {
						done.put(partition, committed.offset());
					}
					else {
						never.put(partition, OffsetSpec.earliest());
					}
				}
				if (never.isEmpty()) {
					return Mono.just(done);
				}
				return Mono.fromCompletionStage(() -> this.admin.listOffsets(never).all().toCompletionStage())
					.map((firsts) -> {
						firsts.forEach((partition, first) -> done.put(partition, first.offset()));
						return done;
					});
			})
			.timeout(TIMEOUT);
	}

	/** The end offsets of the grants topic's partitions at one moment. */
	public record Mark(Map<TopicPartition, Long> ends) {
	}

}
