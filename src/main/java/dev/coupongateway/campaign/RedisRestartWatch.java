package dev.coupongateway.campaign;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.stereotype.Component;

/**
 * Notices a Redis restart (its {@code run_id} changes): the data may be gone (no AOF) or behind (an old
 * snapshot), so every campaign is checked against PostgreSQL before it grants again. A flush without a
 * restart shows as missing keys, which the claim path rebuilds on its own.
 */
@Component
class RedisRestartWatch implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(RedisRestartWatch.class);

	private static final Duration EVERY = Duration.ofSeconds(1);

	private final ReactiveRedisConnectionFactory redis;

	private final CampaignService campaigns;

	private final boolean enabled;

	private final AtomicReference<String> runId = new AtomicReference<>();

	private volatile Disposable running;

	RedisRestartWatch(ReactiveRedisConnectionFactory redis, CampaignService campaigns, CouponProperties properties) {
		this.redis = redis;
		this.campaigns = campaigns;
		this.enabled = properties.plays(Role.GATEWAY);
	}

	@Override
	public void start() {
		if (!this.enabled || this.running != null) {
			return;
		}
		this.running = Flux.interval(Duration.ZERO, EVERY)
			.onBackpressureDrop()
			.concatMap((tick) -> check().onErrorResume((ex) -> Mono.empty()), 1)
			.subscribe();
	}

	Mono<Void> check() {
		return this.redis.getReactiveConnection()
			.serverCommands()
			.info("server")
			.map((info) -> info.getProperty("run_id", ""))
			.doOnNext(this::seen)
			.then();
	}

	private void seen(String current) {
		String previous = this.runId.getAndSet(current);
		if (previous != null && !previous.equals(current)) {
			logger.warn("Redis restarted (run_id " + previous + " -> " + current
					+ "): campaigns are checked against PostgreSQL before granting again");
			this.campaigns.redisRestarted();
		}
	}

	@Override
	public void stop() {
		Disposable current = this.running;
		this.running = null;
		if (current != null) {
			current.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running != null;
	}

}
