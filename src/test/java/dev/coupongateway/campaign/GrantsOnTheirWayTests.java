package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.coupongateway.Claims;
import dev.coupongateway.Claims.Answer;
import dev.coupongateway.GatewayOnOwnRedis;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A grant still inside a Kafka producer (sent, not yet in Kafka: the broker slow, the
 * producer retrying) when Redis loses it: the check that follows must not count its
 * number as free, or the number is handed to a second user and PostgreSQL refuses one of
 * the two rows, though both were answered. The check waits out the producer's delivery
 * timeout (after it, such a record is either in Kafka, where the writer's mark covers it,
 * or given up). Reproduced on the real servers by freezing the network thread of one
 * instance's producer (JDK 17's {@code Thread.suspend}: the record stays in the producer,
 * as with a broker that does not answer).
 */
class GrantsOnTheirWayTests {

	@Test
	@SuppressWarnings("removal")
	void whenRedisLosesAGrantStillInAProducerThenItsNumberIsNotHandedOutAgain() throws Exception {
		// the fleet's producers give a record up after 5 s; the record below stays in one
		// for about 3.5 s
		try (GatewayOnOwnRedis checker = new GatewayOnOwnRedis("coupon.kafka.delivery-timeout=5s")) {
			Set<Thread> before = producerThreads();
			try (GatewayOnOwnRedis sender = new GatewayOnOwnRedis(checker.redis, "coupon.roles=gateway",
					"coupon.kafka.ack-timeout=500ms", "coupon.kafka.delivery-timeout=5s")) {
				Set<Thread> senders = producerThreads();
				senders.removeAll(before);
				assertThat(senders).as("the second instance's producer thread").hasSize(1);
				Thread network = senders.iterator().next();
				String campaign = checker.fixtures.campaign(1);
				Answer second;
				Answer first;
				network.suspend();
				try {
					first = new Claims(sender.port).claim(campaign, "first");
					assertThat(first.status()).as("granted, its event still in the producer").isEqualTo(202);
					checker.redis.stop();
					checker.redis.start();
					// Redis lost the grant and its outbox entry; the event is still on
					// its way (for less than the
					// delivery timeout, 5 s, from its send): another user claims
					// meanwhile
					long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
					do {
						second = new Claims(checker.port).claim(campaign, "second");
					}
					while (second.status() == 503 && System.nanoTime() < until);
				}
				finally {
					network.resume();
				}
				if (second.status() == 503) {
					second = new Claims(checker.port).untilDecided(campaign, "second", Duration.ofSeconds(60));
				}
				String firstCoupon = couponId(first);
				await().atMost(Duration.ofSeconds(30))
					.until(() -> checker.fixtures.storedCouponIds(campaign)
						.stream()
						.map(UUID::toString)
						.collect(Collectors.toSet())
						.contains(firstCoupon) || checker.fixtures.conflicts(campaign) > 0);
				assertThat(checker.fixtures.conflicts(campaign))
					.as("coupons refused by PostgreSQL (a number handed out twice)")
					.isZero();
				assertThat(second.status()).as("the only coupon is on its way to the first user").isEqualTo(410);
				assertThat(checker.fixtures.storedRows(campaign)).isEqualTo(1);
			}
		}
	}

	private static Set<Thread> producerThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().startsWith("kafka-producer-network-thread | coupon-gateway"))
			.collect(Collectors.toSet());
	}

	private static String couponId(Answer answer) {
		return answer.body().replaceAll(".*\"couponId\":\"([^\"]+)\".*", "$1");
	}

}
