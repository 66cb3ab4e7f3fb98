package dev.coupongateway.event;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.coupongateway.system.CouponProperties;
import org.apache.commons.logging.LogFactory;
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
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Sends {@link CouponIssued} events to Kafka: idempotent producer, {@code acks=all}. One
 * of the two types that know reactor-kafka (with the writer's event source), so replacing
 * it touches two files.
 */
@Component
public class CouponPublisher implements InitializingBean, DisposableBean {

	private static final int LINGER_MS = 2;

	private final KafkaSender<String, byte[]> sender;

	private final String topic;

	private final JsonMapper json;

	private final Duration startupTimeout;

	/** Takes the {@link Topics} so the topic is created before the producer warms up. */
	CouponPublisher(CouponProperties properties, KafkaClients clients, JsonMapper json, Topics topics) {
		this.topic = properties.kafka().topic();
		this.json = json;
		this.startupTimeout = properties.kafka().startupTimeout();
		long deliveryTimeout = properties.kafka().deliveryTimeout().toMillis();
		Map<String, Object> config = clients
			.producer(Map.of(ProducerConfig.CLIENT_ID_CONFIG, "coupon-gateway", ProducerConfig.ACKS_CONFIG, "all",
					ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, LINGER_MS,
					ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) deliveryTimeout - LINGER_MS,
					// a record the broker never acknowledged is given up after this (the
					// outbox relay re-sends it),
					// so a rebuild knows how long a grant of a state Redis lost may still
					// be on its way
					ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout,
					// sends run on reactor-kafka's own thread, never on an event loop;
					// bound its wait for metadata
					ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000));
		// results arrive on Kafka's I/O thread (nothing downstream blocks); close does
		// not wait forever
		this.sender = KafkaSender.create(SenderOptions.<String, byte[]>create(config)
			.withKeySerializer(new StringSerializer())
			.withValueSerializer(new ByteArraySerializer())
			.stopOnError(false)
			.closeTimeout(Duration.ofSeconds(10)));
	}

	/**
	 * Creates the producer and fetches the topic's metadata on the startup thread, so the
	 * first claim does not build a producer on an event loop. A broker that is down does
	 * not stop the startup.
	 */
	@Override
	public void afterPropertiesSet() throws Exception {
		try {
			this.sender.doOnProducer((producer) -> producer.partitionsFor(this.topic))
				.toFuture()
				.get(this.startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException | TimeoutException ex) {
			LogFactory.getLog(CouponPublisher.class).warn("Kafka producer warm-up failed, sends will retry: " + ex);
		}
	}

	/**
	 * Completes when the broker has acknowledged the event; errors when the send failed.
	 */
	public Mono<Void> publish(CouponIssued event) {
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(this.topic, event.key(),
				this.json.writeValueAsBytes(event));
		return send(record);
	}

	/**
	 * Sends a record the writer could not store to the dead-letter topic, as it was, with
	 * the reason and its original coordinates in headers.
	 */
	public Mono<Void> deadLetter(String key, byte[] value, String reason, String source) {
		ProducerRecord<String, byte[]> record = new ProducerRecord<>(this.topic + ".DLT", key, value);
		record.headers()
			.add("coupon-dlt-reason", reason.getBytes(StandardCharsets.UTF_8))
			.add("coupon-dlt-source", source.getBytes(StandardCharsets.UTF_8));
		return send(record);
	}

	private Mono<Void> send(ProducerRecord<String, byte[]> record) {
		return this.sender.send(Mono.just(SenderRecord.create(record, null)))
			.next()
			.flatMap((result) -> (result.exception() != null) ? Mono.error(result.exception()) : Mono.empty());
	}

	@Override
	public void destroy() {
		this.sender.close();
	}

}
