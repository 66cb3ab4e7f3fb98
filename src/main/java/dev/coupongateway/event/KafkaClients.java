package dev.coupongateway.event;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.stereotype.Component;

/**
 * The settings every Kafka client of the gateway starts from: Boot's own
 * {@code spring.kafka.*} keys (bootstrap servers, security and SSL,
 * {@code spring.kafka.properties.*}, and the producer's, consumer's and admin's own
 * sections), under the few settings the promises rest on, which each client sets last and
 * no key overrides (acks, idempotence, the delivery timeout, manual offset commits).
 * Boot's Kafka auto-configuration itself (Spring for Apache Kafka's template and
 * listeners) stays off: the clients are reactor-kafka's.
 */
@Component
@EnableConfigurationProperties(KafkaProperties.class)
public class KafkaClients {

	private final KafkaProperties kafka;

	KafkaClients(KafkaProperties kafka) {
		this.kafka = kafka;
	}

	/**
	 * The producer's settings: {@code spring.kafka.producer.*} and the common ones, then
	 * {@code fixed}.
	 */
	public Map<String, Object> producer(Map<String, Object> fixed) {
		return merged(this.kafka.buildProducerProperties(), fixed);
	}

	/**
	 * The consumer's settings: {@code spring.kafka.consumer.*} and the common ones, then
	 * {@code fixed}.
	 */
	public Map<String, Object> consumer(Map<String, Object> fixed) {
		return merged(this.kafka.buildConsumerProperties(), fixed);
	}

	/**
	 * The admin client's settings: {@code spring.kafka.admin.*} and the common ones, then
	 * {@code fixed}.
	 */
	public Map<String, Object> admin(Map<String, Object> fixed) {
		return merged(this.kafka.buildAdminProperties(), fixed);
	}

	private static Map<String, Object> merged(Map<String, Object> configured, Map<String, Object> fixed) {
		Map<String, Object> settings = new HashMap<>(configured);
		settings.putAll(fixed);
		return settings;
	}

}
