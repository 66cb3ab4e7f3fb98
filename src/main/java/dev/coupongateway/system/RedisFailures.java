package dev.coupongateway.system;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;

import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;

/**
 * Tells a Redis that is away or too slow (a retry may well succeed: 503) from a Redis
 * that answered with an error (a script bug, a key of the wrong type: retrying cannot
 * help, so 500). The one place that decides what "Redis unavailable" means.
 */
public final class RedisFailures {

	/**
	 * Server replies that mean "not now": loading its data, a script running too long, a
	 * failover.
	 */
	private static final List<String> TRANSIENT_REPLIES = List.of("LOADING", "BUSY", "MASTERDOWN", "READONLY",
			"TRYAGAIN", "CLUSTERDOWN", "OOM", "NOREPLICAS");

	private RedisFailures() {
	}

	/**
	 * Whether the error, or one of its causes, says Redis could not be reached or did not
	 * answer in time.
	 */
	public static boolean isUnavailable(Throwable error) {
		boolean fromRedis = false;
		for (Throwable cause = error; cause != null; cause = cause.getCause()) {
			String type = cause.getClass().getName();
			fromRedis |= type.startsWith("io.lettuce.") || type.startsWith("org.springframework.data.redis.");
			if (cause instanceof RedisConnectionFailureException || cause instanceof QueryTimeoutException
					|| cause instanceof TimeoutException || cause instanceof RedisConnectionException
					|| cause instanceof RedisCommandTimeoutException) {
				return true;
			}
			// an I/O error under a Redis exception: the connection was reset or closed
			// under a command
			if (cause instanceof IOException) {
				return fromRedis;
			}
			if (cause instanceof RedisCommandExecutionException) {
				String reply = String.valueOf(cause.getMessage());
				return TRANSIENT_REPLIES.stream().anyMatch(reply::startsWith);
			}
			// Lettuce's plain RedisException is the client's own: not connected,
			// connection closed
			if (cause.getClass() == RedisException.class) {
				return true;
			}
			// the instance is shutting down and Spring Data has stopped its Redis client:
			// retry elsewhere
			if (cause instanceof IllegalStateException
					&& String.valueOf(cause.getMessage()).startsWith("LettuceConnectionFactory is ST")) {
				return true;
			}
		}
		return false;
	}

}
