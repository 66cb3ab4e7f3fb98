package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.CouponGatewayTest;
import dev.coupongateway.DevServices;
import dev.coupongateway.Fixtures;
import dev.coupongateway.event.CouponIssued;
import dev.coupongateway.system.CouponProperties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A campaign whose Redis state must be checked while another campaign's sale keeps the
 * writer busy (its lag never reaches 0): the check waits for the writer to pass a mark
 * taken when it starts, not for the whole topic to drain, so the campaign takes claims
 * again while the other sale is still going on.
 */
@CouponGatewayTest
class BusySaleElsewhereTests {

	private static final Duration SALE = Duration.ofSeconds(25);

	@LocalServerPort
	private int port;

	@Autowired
	private Fixtures fixtures;

	@Autowired
	private ReactiveStringRedisTemplate redis;

	@Autowired
	private CouponProperties properties;

	@Autowired
	private JsonMapper json;

	@Test
	void whenAnotherSaleKeepsTheWriterBusyThenACheckStillCompletesDuringIt() throws Exception {
		String quiet = this.fixtures.campaign(10);
		String busy = this.fixtures.campaign(500_000);
		AtomicBoolean selling = new AtomicBoolean(true);
		AtomicInteger sent = new AtomicInteger();
		CompletableFuture<Void> sale = CompletableFuture.runAsync(() -> sell(busy, selling, sent));
		try {
			await().atMost(Duration.ofSeconds(10)).until(() -> sent.get() > 5_000);
			CampaignKeys keys = CampaignKeys.of(quiet);
			this.redis.delete(keys.settings(), keys.grants(), keys.free()).block(Duration.ofSeconds(5));

			Answer[] answer = new Answer[1];
			await().atMost(SALE.minusSeconds(5)).pollInterval(Duration.ofMillis(200)).until(() -> {
				answer[0] = new Claims(this.port).claim(quiet, "during-the-sale");
				return answer[0].status() != 503;
			});
			assertThat(answer[0].status()).isEqualTo(201);
			assertThat(selling.get()).as("the other sale still going on").isTrue();
		}
		finally {
			selling.set(false);
			sale.get();
		}
		await().atMost(Duration.ofSeconds(120)).until(() -> this.fixtures.storedRows(busy) == sent.get());
	}

	/**
	 * About 4,000 grants' events a second for {@link #SALE}, each a valid coupon of
	 * {@code campaign}.
	 */
	private void sell(String campaign, AtomicBoolean selling, AtomicInteger sent) {
		Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
				DevServices.properties().get("spring.kafka.bootstrap-servers"), ProducerConfig.LINGER_MS_CONFIG, 5);
		long end = System.nanoTime() + SALE.toNanos();
		try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
				new ByteArraySerializer())) {
			while (selling.get() && System.nanoTime() < end) {
				for (int i = 0; i < 200; i++) {
					int n = sent.incrementAndGet();
					CouponIssued event = Fixtures.event(campaign, "buyer-" + n, n, 1);
					producer.send(new ProducerRecord<>(this.properties.kafka().topic(), event.key(),
							this.json.writeValueAsBytes(event)));
				}
				Thread.sleep(50);
			}
			producer.flush();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			selling.set(false);
		}
	}

}
