package dev.coupongateway.system;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Kafka administration: creates the grants topic and its DLT at startup when missing, and reports the
 * cluster in {@code /actuator/health} (as {@code kafka}).
 */
@Component("kafka")
public class KafkaAdmin implements InitializingBean, DisposableBean, ReactiveHealthIndicator {

	private static final Log logger = LogFactory.getLog(KafkaAdmin.class);

	private final Admin admin;

	private final CouponProperties.Kafka kafka;

	public KafkaAdmin(CouponProperties properties) {
		this.kafka = properties.kafka();
		this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, this.kafka.bootstrapServers(),
				AdminClientConfig.CLIENT_ID_CONFIG, "coupon-admin", AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
				AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
	}

	/** Runs once on the startup thread, before any claim is taken; never on an event loop. */
	@Override
	public void afterPropertiesSet() throws InterruptedException {
		List<NewTopic> topics = List.of(
				new NewTopic(this.kafka.topic(), this.kafka.partitions(), this.kafka.replicationFactor()),
				new NewTopic(this.kafka.topic() + ".DLT", this.kafka.partitions(), this.kafka.replicationFactor()));
		for (NewTopic topic : topics) {
			try {
				this.admin.createTopics(List.of(topic)).all().get(this.kafka.startupTimeout().toMillis(), TimeUnit.MILLISECONDS);
				logger.info("Created topic " + topic.name() + " with " + topic.numPartitions() + " partitions");
			}
			catch (ExecutionException ex) {
				if (!(ex.getCause() instanceof TopicExistsException)) {
					logger.warn("Could not create topic " + topic.name() + ": " + ex.getCause());
				}
			}
			catch (java.util.concurrent.TimeoutException ex) {
				logger.warn("Kafka did not answer within " + this.kafka.startupTimeout() + " to create topic " + topic.name()
						+ "; continuing, the producer retries");
			}
		}
	}

	/**
	 * Records on the grants topic that the writer's group has not committed yet: events on their way
	 * to PostgreSQL. Errors when Kafka does not answer.
	 */
	public Mono<Long> writerLag() {
		String group = this.kafka.consumerGroup();
		return Mono
			.fromCompletionStage(() -> this.admin.listConsumerGroupOffsets(group)
				.partitionsToOffsetAndMetadata()
				.toCompletionStage())
			.zipWith(Mono.fromCompletionStage(() -> this.admin.describeTopics(List.of(this.kafka.topic()))
				.allTopicNames()
				.toCompletionStage()))
			.flatMap((both) -> {
				Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
				both.getT2()
					.get(this.kafka.topic())
					.partitions()
					.forEach((p) -> latest.put(new TopicPartition(this.kafka.topic(), p.partition()), OffsetSpec.latest()));
				return Mono.fromCompletionStage(() -> this.admin.listOffsets(latest).all().toCompletionStage())
					.map((ends) -> ends.entrySet().stream().mapToLong((end) -> {
						OffsetAndMetadata committed = both.getT1().get(end.getKey());
						long from = (committed != null) ? committed.offset() : 0;
						return Math.max(0, end.getValue().offset() - from);
					}).sum());
			})
			.timeout(Duration.ofSeconds(5));
	}

	@Override
	public Mono<Health> health() {
		return Mono.fromCompletionStage(() -> this.admin.describeCluster().nodes().toCompletionStage())
			.map((nodes) -> Health.up().withDetail("brokers", nodes.size()).build())
			.timeout(Duration.ofSeconds(5))
			.onErrorResume((ex) -> Mono.just(Health.down().withDetail("error", ex.toString()).build()));
	}

	@Override
	public void destroy() {
		this.admin.close(Duration.ofSeconds(5));
	}

}
