package dev.coupongateway.system;

import java.time.Duration;
import java.util.Set;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of the gateway under {@code coupon.*}.
 *
 * @param roles which roles this instance plays: {@code gateway} (HTTP, Lua, send), {@code writer} (consumer)
 * @param admin the admin API
 * @param kafka the grants topic, the producer and the consumer
 * @param issue the claim path: acknowledgement, load shedding, facts kept in memory
 * @param redis the Redis calls on the claim path
 * @param relay the outbox relay
 * @param stream the live stock stream (Server-Sent Events)
 */
@Validated
@ConfigurationProperties("coupon")
public record CouponProperties(@DefaultValue({ "gateway", "writer" }) @NotEmpty Set<Role> roles,
		@Valid @NotNull Admin admin, @Valid @DefaultValue Kafka kafka, @Valid @DefaultValue Issue issue,
		@Valid @DefaultValue Redis redis,
		@Valid @DefaultValue Relay relay, @Valid @DefaultValue Stream stream) {

	/** A part this instance plays; one artifact, both on by default. */
	public enum Role {

		GATEWAY, WRITER

	}

	/** @param token bearer token of the admin API; required, there is no default outside dev services */
	public record Admin(@NotBlank String token) {
	}

	/**
	 * @param bootstrapServers the brokers
	 * @param topic the grants topic; poison records go to the same name + {@code .DLT}
	 * @param partitions partitions of the topic when the gateway creates it
	 * @param replicationFactor replication of the topic when the gateway creates it
	 * @param ackTimeout how long a claim waits for the broker's ack before it answers 202 PENDING
	 * @param consumerGroup the writer's consumer group
	 * @param batchSize most records per database batch
	 * @param batchWait longest wait to fill a batch
	 * @param startupTimeout longest wait at startup to create the topics and warm the producer up
	 */
	public record Kafka(@DefaultValue("127.0.0.1:9092") @NotBlank String bootstrapServers,
			@DefaultValue("coupon.issued") @NotBlank String topic, @DefaultValue("6") @Min(1) int partitions,
			@DefaultValue("1") @Min(1) short replicationFactor, @DefaultValue("2s") @NotNull Duration ackTimeout,
			@DefaultValue("coupon-writer") @NotBlank String consumerGroup, @DefaultValue("2000") @Min(1) int batchSize,
			@DefaultValue("100ms") @NotNull Duration batchWait, @DefaultValue("15s") @NotNull Duration startupTimeout) {
	}

	/** What a 201 waits for: Kafka's ack of the grant's event, or only Redis recording the grant. */
	public enum Ack {

		KAFKA, REDIS

	}

	/**
	 * @param ack {@code kafka}: 201 once Kafka acknowledged the event (202 after {@code kafka.ack-timeout});
	 * {@code redis}: 201 once the script recorded the grant and its outbox entry, the send going out at once
	 * and the outbox relay guaranteeing it
	 * @param maxInFlight claims being decided at once on this instance; past it a claim is answered 503
	 * before its script runs
	 * @param factsTtl how long this instance answers "sold out" or "at the limit" from memory before asking
	 * Redis again (a rebuild or a Redis restart clears them at once)
	 * @param factsMaxUsers most users whose "at the limit" answer is kept in memory
	 * @param warmupRequests claims (for a campaign that does not exist) an instance sends itself at startup
	 * to warm its claim path up before it reports ready; 0 turns the warm-up off
	 */
	public record Issue(@DefaultValue("kafka") @NotNull Ack ack, @DefaultValue("256") @Min(1) int maxInFlight,
			@DefaultValue("5s") @NotNull Duration factsTtl, @DefaultValue("100000") @Min(0) long factsMaxUsers,
			@DefaultValue("2000") @Min(0) int warmupRequests) {
	}

	/** @param timeout longest wait for Redis on the claim path before answering 503 */
	public record Redis(@DefaultValue("500ms") @NotNull Duration timeout) {
	}

	/**
	 * @param interval how often the relay looks at the outboxes
	 * @param grace how old an unsettled entry must be before the relay re-sends it
	 * @param lease how long one instance holds a campaign's outbox before another may drain it
	 * @param sendTimeout how long the relay waits for Kafka's ack of a re-send (the producer's delivery timeout)
	 */
	public record Relay(@DefaultValue("1s") @NotNull Duration interval, @DefaultValue("10s") @NotNull Duration grace,
			@DefaultValue("10s") @NotNull Duration lease, @DefaultValue("30s") @NotNull Duration sendTimeout) {
	}

	/**
	 * @param poll how often one instance reads a watched campaign's stock from Redis (once for all its
	 * subscribers)
	 * @param maxRate most stock events per second to one subscriber; changes in between are conflated,
	 * the latest wins
	 * @param heartbeat how often a comment line keeps idle connections (and proxies) alive
	 * @param linger how long a campaign's feed stays up after its last subscriber left
	 */
	public record Stream(@DefaultValue("100ms") @NotNull Duration poll, @DefaultValue("4") @Min(1) int maxRate,
			@DefaultValue("15s") @NotNull Duration heartbeat, @DefaultValue("2s") @NotNull Duration linger) {
	}

	public boolean plays(Role role) {
		return this.roles.contains(role);
	}

}
