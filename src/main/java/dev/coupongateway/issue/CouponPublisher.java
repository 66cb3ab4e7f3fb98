package dev.coupongateway.issue;

import java.util.Map;

import dev.coupongateway.system.CouponProperties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import reactor.core.publisher.Mono;
import reactor.kafka.sender.KafkaSender;
import reactor.kafka.sender.SenderOptions;
import reactor.kafka.sender.SenderRecord;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Sends {@link CouponIssued} events to Kafka: idempotent producer, {@code acks=all}. One of the two
 * types that know reactor-kafka (with the writer's event source), so replacing it touches two files.
 */
@Component
public class CouponPublisher implements DisposableBean {

	private final KafkaSender<String, byte[]> sender;

	private final String topic;

	private final JsonMapper json;

	public CouponPublisher(CouponProperties properties, JsonMapper json) {
		this.topic = properties.kafka().topic();
		this.json = json;
		Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
				properties.kafka().bootstrapServers(), ProducerConfig.CLIENT_ID_CONFIG, "coupon-gateway",
				ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
				ProducerConfig.LINGER_MS_CONFIG, 2,
				// sends run on reactor-kafka's own thread, never on an event loop; bound its wait for metadata
				ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
		this.sender = KafkaSender.create(SenderOptions.<String, byte[]>create(config)
			.withKeySerializer(new StringSerializer())
			.withValueSerializer(new ByteArraySerializer())
			.stopOnError(false));
	}

	/** Completes when the broker has acknowledged the event; errors when the send failed. */
	public Mono<Void> publish(CouponIssued event) {
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(this.topic, event.key(),
				this.json.writeValueAsBytes(event));
		return this.sender.send(Mono.just(SenderRecord.create(record, event.couponId())))
			.next()
			.flatMap((result) -> (result.exception() != null) ? Mono.error(result.exception()) : Mono.empty());
	}

	@Override
	public void destroy() {
		this.sender.close();
	}

}
