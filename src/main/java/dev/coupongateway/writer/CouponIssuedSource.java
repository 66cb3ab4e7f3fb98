package dev.coupongateway.writer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.event.KafkaClients;
import dev.coupongateway.system.CouponProperties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.kafka.receiver.KafkaReceiver;
import reactor.kafka.receiver.ReceiverOptions;
import reactor.kafka.receiver.ReceiverRecord;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

/**
 * Batches of {@link CouponIssued} from Kafka, each with the commit of its offsets. The
 * other type that knows reactor-kafka (with the publisher). Each subscription is a fresh
 * consumer of the writer's group, resuming from the committed offsets.
 */
@Component
class CouponIssuedSource {

	private final ReceiverOptions<String, byte[]> options;

	private final CouponProperties.Kafka kafka;

	private final JsonMapper json;

	CouponIssuedSource(CouponProperties properties, KafkaClients clients, JsonMapper json) {
		this.kafka = properties.kafka();
		this.json = json;
		Map<String, Object> config = clients.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, this.kafka.consumerGroup(),
				ConsumerConfig.CLIENT_ID_CONFIG, "coupon-writer", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
				ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
				this.kafka.batchSize(),
				// a writer that died hands its partitions over in seconds, not the
				// default 45 s
				ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000, ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000));
		this.options = ReceiverOptions.<String, byte[]>create(config)
			.withKeyDeserializer(new StringDeserializer())
			.withValueDeserializer(new ByteArrayDeserializer())
			// offsets are acknowledged only inside a batch's commit, which runs on the
			// consumer thread; a
			// rebalance that waited for them would wait its full delay (60 s by default)
			// for nothing.
			// Records of an unfinished batch are delivered again, which the insert makes
			// harmless.
			.maxDelayRebalance(Duration.ZERO)
			.subscription(List.of(this.kafka.topic()));
	}

	/**
	 * Batches as they come; call {@link Batch#commit()} only once the batch is stored.
	 */
	Flux<Batch> batches() {
		return KafkaReceiver.create(this.options)
			.receive()
			.bufferTimeout(this.kafka.batchSize(), this.kafka.batchWait(), true)
			.map(this::batch);
	}

	private Batch batch(List<ReceiverRecord<String, byte[]>> records) {
		List<Received> received = new ArrayList<>(records.size());
		List<Poison> poison = new ArrayList<>();
		for (ReceiverRecord<String, byte[]> record : records) {
			String source = record.topic() + "-" + record.partition() + "@" + record.offset();
			try {
				CouponIssued event = this.json.readValue(record.value(), CouponIssued.class);
				String missing = missingField(event);
				if (missing != null) {
					poison.add(new Poison(record.key(), record.value(), source, "missing field " + missing));
				}
				else {
					received.add(new Received(event, record.key(), record.value(), source));
				}
			}
			catch (JacksonException | IllegalArgumentException ex) {
				poison.add(new Poison(record.key(), record.value(), source, "unreadable: " + ex.getMessage()));
			}
		}
		Mono<Void> commit = Mono.defer(() -> {
			records.forEach((record) -> record.receiverOffset().acknowledge());
			return records.get(records.size() - 1).receiverOffset().commit();
		});
		return new Batch(received, poison, commit);
	}

	private static String missingField(CouponIssued event) {
		if (event == null || event.couponId() == null) {
			return "couponId";
		}
		if (event.campaignId() == null) {
			return "campaignId";
		}
		if (event.userId() == null) {
			return "userId";
		}
		return (event.issuedAt() == null) ? "issuedAt" : null;
	}

	/**
	 * Events read together, the records that could not be read, and the commit of all
	 * their offsets.
	 */
	record Batch(List<Received> received, List<Poison> poison, Mono<Void> commit) {

		int size() {
			return this.received.size() + this.poison.size();
		}

	}

	/**
	 * An event as read, with its record's key, raw value and coordinates
	 * ({@code topic-partition@offset}).
	 */
	record Received(CouponIssued event, String key, byte[] value, String source) {
	}

	/** A record that is not a usable event. */
	record Poison(String key, byte[] value, String source, String reason) {

		String payloadText() {
			return (this.value != null) ? new String(this.value, StandardCharsets.UTF_8) : null;
		}

	}

}
