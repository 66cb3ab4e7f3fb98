package dev.coupongateway.event;

import java.time.Duration;

import org.apache.kafka.clients.admin.Admin;
import reactor.core.publisher.Mono;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.ReactiveHealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Kafka in {@code /actuator/health} (as {@code kafka}): up with the number of brokers
 * that answered.
 */
@Component("kafka")
class KafkaHealthIndicator implements ReactiveHealthIndicator {

	private final Admin admin;

	KafkaHealthIndicator(KafkaAdminClient client) {
		this.admin = client.admin;
	}

	@Override
	public Mono<Health> health() {
		return Mono.fromCompletionStage(() -> this.admin.describeCluster().nodes().toCompletionStage())
			.map((nodes) -> Health.up().withDetail("brokers", nodes.size()).build())
			.timeout(Duration.ofSeconds(5))
			.onErrorResume((ex) -> Mono.just(Health.down().withDetail("error", ex.toString()).build()));
	}

}
