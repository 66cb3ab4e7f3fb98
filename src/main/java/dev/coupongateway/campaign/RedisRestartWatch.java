package dev.coupongateway.campaign;

import java.time.Duration;
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
 * Notices a Redis restart (its {@code run_id} changes): the data may be gone (no AOF) or behind (an old
 * snapshot), so every campaign is checked against PostgreSQL before it grants again. In Redis Cluster the
 * same holds for every master: a master restarted, or a replica promoted in a failover (replication is
 * asynchronous, so it may be behind its old master), changes the set of masters' run ids. A flush
 * without a restart shows as missing keys, which the claim path rebuilds on its own.
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
		return this.redis.execute(RedisRestartWatch::runIds).next().doOnNext(this::seen).then();
	}

	/** The server's run id; in a cluster every master's node id and run id, sorted. */
	private static Mono<String> runIds(ReactiveRedisConnection connection) {
		if (!(connection instanceof ReactiveRedisClusterConnection cluster)) {
			return connection.serverCommands().info("server").map((info) -> info.getProperty("run_id", ""));
		}
		return cluster.clusterGetNodes()
			.filter(RedisClusterNode::isMaster)
			// a master marked failing is about to be replaced: its replica's promotion changes the set
			.filter((node) -> !node.getFlags().contains(Flag.FAIL) && !node.getFlags().contains(Flag.PFAIL))
			.flatMap((master) -> cluster.serverCommands()
				.info(master, "server")
				.map((info) -> master.getId() + "=" + info.getProperty("run_id", "")))
			.sort()
			.collect(Collectors.joining(","));
	}

	private void seen(String current) {
		this.rebuilds.serversSeen(current);
		String previous = this.runId.getAndSet(current);
		if (previous != null && !previous.equals(current)) {
			logger.warn("Redis restarted or failed over (run ids " + previous + " -> " + current
					+ "): campaigns are checked against PostgreSQL before granting again");
			this.rebuilds.redisRestarted();
		}
	}

}
