package dev.coupongateway.campaign;

import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.PeriodicTask;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.connection.ReactiveRedisClusterConnection;
import org.springframework.data.redis.connection.ReactiveRedisConnection;
import org.springframework.data.redis.connection.RedisClusterNode;
import org.springframework.data.redis.connection.RedisClusterNode.Flag;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * Notices a Redis restart or failover (a master's {@code run_id} changes) and tells this
 * instance to drop the facts it learned from Redis ({@link CampaignRebuilds#epoch}).
 * Whether a campaign may grant does not depend on this watch: the claim script's fence
 * compares the state's checked run id with the server it runs on, so an instance that
 * never saw the restart (a new one) is held back the same.
 */
@Component
class RedisRestartWatch extends PeriodicTask {

	private static final Log logger = LogFactory.getLog(RedisRestartWatch.class);

	private final ReactiveStringRedisTemplate redis;

	private final CampaignRebuilds rebuilds;

	private final AtomicReference<String> runId = new AtomicReference<>();

	RedisRestartWatch(ReactiveStringRedisTemplate redis, CampaignRebuilds rebuilds, CouponProperties properties) {
		super(properties.rebuild().restartPoll(), properties.plays(Role.GATEWAY));
		this.redis = redis;
		this.rebuilds = rebuilds;
	}

	@Override
	protected Mono<Void> run() {
		return this.redis.execute(RedisRestartWatch::runIds).next().doOnNext(this::seen).then();
	}

	/** The server's run id; in a cluster every master's node id and run id, sorted. */
	private static Mono<String> runIds(ReactiveRedisConnection connection) {
		if (!(connection instanceof ReactiveRedisClusterConnection cluster)) {
			return connection.serverCommands().info("server").map((info) -> info.getProperty("run_id", ""));
		}
		return cluster.clusterGetNodes()
			.filter(RedisClusterNode::isMaster)
			// a master marked failing is about to be replaced: its replica's promotion
			// changes the set
			.filter((node) -> !node.getFlags().contains(Flag.FAIL) && !node.getFlags().contains(Flag.PFAIL))
			.flatMap((master) -> cluster.serverCommands()
				.info(master, "server")
				.map((info) -> master.getId() + "=" + info.getProperty("run_id", "")))
			.sort()
			.collect(Collectors.joining(","));
	}

	private void seen(String current) {
		String previous = this.runId.getAndSet(current);
		if (previous != null && !previous.equals(current)) {
			logger.warn("Redis restarted or failed over (run ids " + previous + " -> " + current
					+ "): campaigns on it are checked against PostgreSQL before granting again");
			this.rebuilds.redisRestarted();
		}
	}

}
