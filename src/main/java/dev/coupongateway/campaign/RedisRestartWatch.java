package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.PeriodicTask;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Notices a Redis restart (its {@code run_id} changes): the data may be gone (no AOF) or behind (an old
 * snapshot), so every campaign is checked against PostgreSQL before it grants again. A flush without a
 * restart shows as missing keys, which the claim path rebuilds on its own.
 */
@Component
class RedisRestartWatch extends PeriodicTask {

	private static final Log logger = LogFactory.getLog(RedisRestartWatch.class);

	private final ReactiveStringRedisTemplate redis;

	private final CampaignRebuilds rebuilds;

	private final AtomicReference<String> runId = new AtomicReference<>();

	RedisRestartWatch(ReactiveStringRedisTemplate redis, CampaignRebuilds rebuilds, CouponProperties properties) {
		super(Duration.ofSeconds(1), properties.plays(Role.GATEWAY));
		this.redis = redis;
		this.rebuilds = rebuilds;
	}

	@Override
	protected Mono<Void> run() {
		return this.redis.execute((connection) -> connection.serverCommands().info("server"))
			.next()
			.map((info) -> info.getProperty("run_id", ""))
			.doOnNext(this::seen)
			.then();
	}

	private void seen(String current) {
		String previous = this.runId.getAndSet(current);
		if (previous != null && !previous.equals(current)) {
			logger.warn("Redis restarted (run_id " + previous + " -> " + current
					+ "): campaigns are checked against PostgreSQL before granting again");
			this.rebuilds.redisRestarted();
		}
	}

}
