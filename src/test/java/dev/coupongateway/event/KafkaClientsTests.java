package dev.coupongateway.event;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Operators configure Kafka with Boot's own {@code spring.kafka.*} keys; they reach every
 * client, and the settings the promises rest on stay what the gateway sets.
 */
class KafkaClientsTests {

	private final KafkaClients clients = new KafkaClients(bound(
			Map.of("spring.kafka.bootstrap-servers", "broker-1:9093,broker-2:9093", "spring.kafka.security.protocol",
					"SSL", "spring.kafka.properties.client.dns.lookup", "use_all_dns_ips", "spring.kafka.producer.acks",
					"1", "spring.kafka.producer.compression-type", "zstd", "spring.kafka.consumer.enable-auto-commit",
					"true", "spring.kafka.consumer.properties.fetch.max.wait.ms", "50")));

	@Test
	void theCommonKeysReachEveryClient() {
		for (Map<String, Object> client : List.of(this.clients.producer(Map.of()), this.clients.consumer(Map.of()),
				this.clients.admin(Map.of()))) {
			assertThat(client)
				.containsEntry(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, List.of("broker-1:9093", "broker-2:9093"))
				.containsEntry(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL")
				.containsEntry(CommonClientConfigs.CLIENT_DNS_LOOKUP_CONFIG, "use_all_dns_ips");
		}
	}

	@Test
	void eachClientsOwnSectionReachesItAndTheGatewaysSettingsWin() {
		Map<String, Object> producer = this.clients.producer(Map.of(ProducerConfig.ACKS_CONFIG, "all"));
		Map<String, Object> consumer = this.clients.consumer(Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));

		assertThat(producer).containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")
			.containsEntry(ProducerConfig.ACKS_CONFIG, "all");
		assertThat(consumer).containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50")
			.containsEntry(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)
			.doesNotContainKey(ProducerConfig.COMPRESSION_TYPE_CONFIG);
	}

	private static KafkaProperties bound(Map<String, String> settings) {
		return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("spring.kafka",
				Bindable.of(KafkaProperties.class));
	}

}
