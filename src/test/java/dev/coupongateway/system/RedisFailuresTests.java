package dev.coupongateway.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which Redis errors mean "retry later" (503) and which mean "a bug" (500), as Spring
 * hands them over.
 */
class RedisFailuresTests {

	@Test
	void whenRedisIsAwayOrSlowThenUnavailable() {
		assertThat(RedisFailures.isUnavailable(new RedisConnectionFailureException("refused"))).isTrue();
		assertThat(RedisFailures.isUnavailable(new QueryTimeoutException("slow"))).isTrue();
		assertThat(RedisFailures.isUnavailable(new TimeoutException("claim timeout"))).isTrue();
		assertThat(RedisFailures.isUnavailable(
				new RedisSystemException("x", new RedisException("Currently not connected. Commands are rejected."))))
			.isTrue();
		assertThat(RedisFailures.isUnavailable(new RedisSystemException("x", new RedisConnectionException("reset"))))
			.isTrue();
		assertThat(RedisFailures.isUnavailable(new RedisSystemException("x", new RedisCommandTimeoutException())))
			.isTrue();
		// a claim that arrives while the instance shuts down (seen in
		// GracefulShutdownTests)
		assertThat(RedisFailures.isUnavailable(new IllegalStateException("LettuceConnectionFactory is STOPPING")))
			.isTrue();
		// what Lettuce hands over when Redis dies under a command (seen in
		// RedisDataLostDrill)
		assertThat(RedisFailures.isUnavailable(new RedisSystemException("recvAddress(..) failed",
				new IOException("recvAddress(..) failed with error(-104): Connection reset by peer"))))
			.isTrue();
	}

	@Test
	void whenRedisSaysNotNowThenUnavailable() {
		for (String reply : new String[] { "LOADING Redis is loading the dataset in memory",
				"BUSY Redis is busy running a script", "READONLY You can't write against a read only replica.",
				"MASTERDOWN Link with MASTER is down", "CLUSTERDOWN The cluster is down", "TRYAGAIN Multiple keys" }) {
			assertThat(RedisFailures
				.isUnavailable(new RedisSystemException("x", new RedisCommandExecutionException(reply)))).as(reply)
				.isTrue();
		}
	}

	@Test
	void whenRedisAnsweredWithAnErrorThenNotUnavailable() {
		assertThat(RedisFailures.isUnavailable(new RedisSystemException("x",
				new RedisCommandExecutionException(
						"ERR Error running script (call to f_1): @user_script:18: WRONGTYPE Operation against a key"))))
			.isFalse();
		assertThat(
				RedisFailures.isUnavailable(
						new RedisSystemException("x",
								new RedisCommandExecutionException(
										"WRONGTYPE Operation against a key holding the wrong kind of value"))))
			.isFalse();
		assertThat(RedisFailures.isUnavailable(new IllegalStateException("issue.lua returned unknown code 7")))
			.isFalse();
		assertThat(RedisFailures.isUnavailable(new UncheckedIOException(new IOException("disk"))))
			.as("an I/O error that did not come through Redis")
			.isFalse();
	}

}
