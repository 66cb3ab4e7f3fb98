package dev.coupongateway.event;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.coupongateway.system.CouponProperties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/** How far the writer's consumer group is behind the grants topic: events on their way to PostgreSQL. */
@Component
public class WriterLag {

	private final Admin admin;

	private final CouponProperties.Kafka kafka;

	WriterLag(KafkaAdminClient client, CouponProperties properties) {
		this.admin = client.admin;
		this.kafka = properties.kafka();
	}

	/** Records on the grants topic that the writer's group has not committed yet; errors when Kafka does not answer. */
	public Mono<Long> get() {
		String topic = this.kafka.topic();
		return Mono
			.fromCompletionStage(() -> this.admin.listConsumerGroupOffsets(this.kafka.consumerGroup())
				.partitionsToOffsetAndMetadata()
				.toCompletionStage())
			.zipWith(Mono.fromCompletionStage(() -> this.admin.describeTopics(List.of(topic))
				.allTopicNames()
				.toCompletionStage()))
			.flatMap((both) -> {
				Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
				both.getT2()
					.get(topic)
					.partitions()
					.forEach((p) -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
				return Mono.fromCompletionStage(() -> this.admin.listOffsets(latest).all().toCompletionStage())
					.map((ends) -> ends.entrySet().stream().mapToLong((end) -> {
						OffsetAndMetadata committed = both.getT1().get(end.getKey());
						long from = (committed != null) ? committed.offset() : 0;
						return Math.max(0, end.getValue().offset() - from);
					}).sum());
			})
			.timeout(Duration.ofSeconds(5));
	}

}
