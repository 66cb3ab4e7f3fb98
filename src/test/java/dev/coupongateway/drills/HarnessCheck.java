package dev.coupongateway.drills;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Not a drill: a quick check of the harness itself (every process starts, dies and comes
 * back; one gateway claims end to end). Not part of {@code -Pdrills verify}; run it on
 * its own with {@code ./mvnw -Pdrills verify -Dit.test=HarnessCheck}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HarnessCheck {

	private final DrillStack stack = new DrillStack("HarnessCheck", List.of("--coupon.kafka.ack-timeout=1s"));

	@AfterAll
	void stop() {
		this.stack.close();
	}

	@Test
	void everyProcessStartsDiesAndComesBack() {
		this.stack.startServers();
		GatewayProcess both = this.stack.instance("gateway-1", "gateway,writer");
		this.stack.start(both);
		String campaign = this.stack.createCampaign("harness", 10, 1);

		try (LoadDriver load = new LoadDriver(campaign, 4)) {
			load.fire(users("a", 8), this.stack.gatewayUris(), this.stack::gatewayUris).await(Duration.ofSeconds(60));
			assertThat(load.granted()).isEqualTo(8);

			this.stack.kafka.kill();
			this.stack.kafka.restart();
			this.stack.redis.kill();
			this.stack.redis.start();
			this.stack.postgres.stop();
			this.stack.postgres.start();
			both.kill();
			this.stack.start(both);
			this.stack.kafka.stall();
			this.stack.kafka.resume();

			load.fire(users("b", 6), this.stack.gatewayUris(), this.stack::gatewayUris).await(Duration.ofSeconds(60));
			Convergence.Verdict verdict = Convergence.check(this.stack, campaign, 10, 1, load, System.nanoTime(),
					"harness self-check");
			assertThat(verdict.converged()).isTrue();
			assertThat(verdict.last().rows()).isEqualTo(10);
		}
	}

	private static List<String> users(String prefix, int n) {
		return IntStream.range(0, n).mapToObj((i) -> prefix + "-" + i).toList();
	}

}
