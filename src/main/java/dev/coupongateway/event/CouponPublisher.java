package dev.coupongateway.event;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.coupongateway.system.CouponProperties;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.kafka.sender.KafkaSender;
import reactor.kafka.sender.SenderOptions;
import reactor.kafka.sender.SenderRecord;
import reactor.kafka.sender.SenderResult;
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

	private static final Log logger = LogFactory.getLog(CouponPublisher.class);

	private static final int LINGER_MS = 2;

	private static final Duration REOPEN_AFTER = Duration.ofSeconds(1);

	private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

	private final KafkaSender<String, byte[]> sender;

	private final String topic;

	private final JsonMapper json;

	private final Duration startupTimeout;

	/**
	 * Every record goes through this one subscription to the sender: a subscription per
	 * record (its operators, its queue, its hop to the sender's thread) cost more than
	 * the send.
	 */
	private volatile Pipeline pipeline;

	private volatile boolean closing;

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
			.closeTimeout(CLOSE_TIMEOUT));
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
			logger.warn("Kafka producer warm-up failed, sends will retry: " + ex);
		}
		open();
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

	/** Sends when subscribed, and again on each subscription (a caller's retry). */
	private Mono<Void> send(ProducerRecord<String, byte[]> record) {
		return Mono.defer(() -> {
			if (this.closing) {
				return Mono.error(new IllegalStateException("Kafka publisher is closed"));
			}
			return Mono.fromFuture(this.pipeline.send(record), true);
		});
	}

	/**
	 * Opens the pipeline every record goes through, and opens it again when it ends
	 * before the application does (a fatal producer error): records in it when it ended
	 * fail to their callers.
	 */
	private void open() {
		Pipeline opened = new Pipeline();
		this.pipeline = opened;
		Flux<SenderRecord<String, byte[], CompletableFuture<Void>>> records = Flux.create((sink) -> opened.sink = sink,
				FluxSink.OverflowStrategy.BUFFER);
		this.sender.send(records).subscribe(opened::delivered, (error) -> {
			opened.ended(error);
			if (!this.closing) {
				logger.warn("Kafka send pipeline failed, opening it again in a second: " + error);
				// not at once: a producer that cannot be made would fail again at
				// once
				Mono.delay(REOPEN_AFTER).subscribe((tick) -> open());
			}
		}, () -> opened.ended(new IllegalStateException("Kafka publisher is closed")));
	}

	/**
	 * Lets the records in the pipeline be acknowledged (up to the close timeout), then
	 * closes the producer.
	 */
	@Override
	public void destroy() {
		this.closing = true;
		Pipeline current = this.pipeline;
		if (current == null || current.sink == null) {
			this.sender.close();
			return;
		}
		current.sink.complete();
		try {
			current.ended.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("Kafka send pipeline not drained on close: " + ex);
		}
		this.sender.close();
	}

	/**
	 * One subscription to the sender, fed by a sink that many threads may feed at once;
	 * each record carries the future its caller waits on.
	 */
	private static final class Pipeline {

		private volatile FluxSink<SenderRecord<String, byte[], CompletableFuture<Void>>> sink;

		/** Records sent and not yet answered, failed when the pipeline ends. */
		private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();

		private final CompletableFuture<Void> ended = new CompletableFuture<>();

		CompletableFuture<Void> send(ProducerRecord<String, byte[]> record) {
			CompletableFuture<Void> delivery = new CompletableFuture<>();
			FluxSink<SenderRecord<String, byte[], CompletableFuture<Void>>> sink = this.sink;
			if (sink == null) {
				delivery.completeExceptionally(new IllegalStateException("Kafka send pipeline not open"));
				return delivery;
			}
			this.pending.add(delivery);
			sink.next(SenderRecord.create(record, delivery));
			// ended while this record went in: nobody would answer it
			if (this.ended.isDone()) {
				fail(delivery, new IllegalStateException("Kafka send pipeline ended"));
			}
			return delivery;
		}

		void delivered(SenderResult<CompletableFuture<Void>> result) {
			CompletableFuture<Void> delivery = result.correlationMetadata();
			this.pending.remove(delivery);
			if (result.exception() != null) {
				delivery.completeExceptionally(result.exception());
			}
			else {
				delivery.complete(null);
			}
		}

		void ended(Throwable error) {
			this.ended.complete(null);
			this.pending.forEach((delivery) -> fail(delivery, error));
		}

		private void fail(CompletableFuture<Void> delivery, Throwable error) {
			delivery.completeExceptionally(error);
			this.pending.remove(delivery);
		}

	}

}
