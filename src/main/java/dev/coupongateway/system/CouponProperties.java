package dev.coupongateway.system;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
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
 * @param roles which roles this instance plays: {@code gateway} (HTTP, Lua, send),
 * {@code writer} (consumer)
 * @param identity who the caller is: {@code jwt} (a verified bearer token's {@code sub};
 * the default) or {@code header} ({@code X-User-Id}, set by an authenticating proxy in
 * front)
 * @param jwt the bearer tokens of {@code jwt} mode
 * @param admin the admin API's token in {@code header} mode
 * @param limits rate limits on claims
 * @param kafka the grants topic, the producer and the consumer
 * @param issue the claim path: acknowledgement, load shedding, facts kept in memory
 * @param redis the Redis calls on the claim path
 * @param relay the outbox relay
 * @param stream the live stock stream (Server-Sent Events)
 * @param buckets campaigns split into buckets
 * @param waitingRoom waiting rooms
 * @param rebuild checking a campaign's Redis state against PostgreSQL
 * @param campaigns the copies of campaigns each instance keeps
 * @param edge what the gateway believes of the proxies in front of it
 * @param writer how the writer stores its batches
 */
@Validated
@ConfigurationProperties("coupon")
public record CouponProperties(@DefaultValue( {
		"gateway", "writer" }) @NotEmpty Set<Role> roles, @DefaultValue("jwt") @NotNull Identity identity,
		@Valid @DefaultValue Jwt jwt, @Valid @DefaultValue Admin admin, @Valid @DefaultValue Limits limits,
		@Valid @DefaultValue Kafka kafka, @Valid @DefaultValue Issue issue, @Valid @DefaultValue Redis redis,
		@Valid @DefaultValue Relay relay, @Valid @DefaultValue Stream stream, @Valid @DefaultValue Buckets buckets,
		@Valid @DefaultValue WaitingRoom waitingRoom, @Valid @DefaultValue Rebuild rebuild,
		@Valid @DefaultValue Campaigns campaigns, @Valid @DefaultValue Edge edge, @Valid @DefaultValue Writer writer){

	/**
	 * An instance without a way to tell callers apart, or an admin API anyone could use,
	 * does not start.
	 */
	public CouponProperties {
		if (identity == Identity.HEADER && (admin.token() == null || admin.token().isBlank())) {
			throw new IllegalArgumentException("coupon.admin.token is required with coupon.identity=header");
		}
		if (identity == Identity.JWT && !jwt.hasKey()) {
			throw new IllegalArgumentException("coupon.identity=jwt needs a key: coupon.jwt.secret (HMAC, at least "
					+ Jwt.MIN_SECRET_BYTES + " bytes) or coupon.jwt.jwk-set-uri");
		}
	}

	/** A part this instance plays; one artifact, both on by default. */
	public enum Role {

		GATEWAY, WRITER

	}

	/** Where the caller's identity comes from. */
	public enum Identity {

		JWT, HEADER

	}

	/**
	 * @param secret HMAC key of HS256 tokens (at least 32 bytes); set this or
	 * {@code jwk-set-uri}
	 * @param jwkSetUri where the issuer publishes its public keys (RS256, ES256, ...)
	 * @param issuer the {@code iss} every token must carry (unchecked when empty)
	 * @param audience the {@code aud} every token must include (unchecked when empty)
	 * @param adminScope the scope ({@code scope} or {@code scp} claim) the admin API
	 * requires
	 * @param cache tokens kept once verified, so a caller's token is checked once rather
	 * than on every request
	 */
	public record Jwt(String secret, String jwkSetUri, String issuer, String audience,
			@DefaultValue("coupon-admin") @NotBlank String adminScope, @Valid @DefaultValue TokenCache cache) {

		public static final int MIN_SECRET_BYTES = 32;

		public Jwt {
			refusePlaceholder("coupon.jwt.secret", secret);
		}

		boolean hasKey() {
			return (this.secret != null && this.secret.length() >= MIN_SECRET_BYTES)
					|| (this.jwkSetUri != null && !this.jwkSetUri.isBlank());
		}

	}

	/**
	 * Verified tokens kept in memory (about 2 KB each), never past their {@code exp}; a
	 * refused token is never kept.
	 *
	 * @param maxTokens most tokens kept; past it the least useful are dropped (and
	 * verified again when they come back); 0 verifies every request
	 * @param maxTtl longest a verified token is trusted without verifying it again, even
	 * when its {@code exp} is later: how long a key the issuer withdrew from its JWK set
	 * still passes
	 */
	public record TokenCache(@DefaultValue("20000") @Min(0) long maxTokens,
			@DefaultValue("5m") @NotNull Duration maxTtl) {
	}

	/**
	 * @param token bearer token of the admin API in {@code header} mode; no default
	 * outside dev services
	 */
	public record Admin(String token) {

		public Admin {
			// refused in jwt mode too: it is still the admin token one switch of
			// coupon.identity away
			refusePlaceholder("coupon.admin.token", token);
		}

	}

	/**
	 * Claims each user, and each client address, may make per campaign: one per interval
	 * at the steady rate, and a burst on top; shared by every instance (kept in Redis).
	 * An interval of 0 turns that limit off (the default).
	 *
	 * @param userInterval time between a user's claims at the steady rate (e.g.
	 * {@code 1s})
	 * @param userBurst claims a user may make at once beyond the steady rate
	 * @param addressInterval time between an address's claims at the steady rate (e.g.
	 * {@code 20ms})
	 * @param addressBurst claims an address may make at once beyond the steady rate
	 */
	public record Limits(@DefaultValue("0") @NotNull Duration userInterval, @DefaultValue("5") @Min(0) int userBurst,
			@DefaultValue("0") @NotNull Duration addressInterval, @DefaultValue("50") @Min(0) int addressBurst) {
	}

	/**
	 * @param topic the grants topic; poison records go to the same name + {@code .DLT}
	 * @param partitions partitions of the topic when the gateway creates it
	 * @param replicationFactor replication of the topic when the gateway creates it
	 * @param ackTimeout how long a claim waits for the broker's ack before it answers 202
	 * PENDING
	 * @param deliveryTimeout longest a record stays in the producer (retries included)
	 * before the send fails; a rebuild after Redis lost data waits this long, so no grant
	 * of the lost state is still on its way
	 * @param consumerGroup the writer's consumer group
	 * @param batchSize most records per database batch (and per poll); 5,000 drained 28%
	 * faster than 2,000 (bench/RESULTS.md, writer drain)
	 * @param batchWait longest wait to fill a batch
	 * @param startupTimeout longest wait at startup to create the topics and warm the
	 * producer up
	 */
	public record Kafka(@DefaultValue("coupon.issued") @NotBlank String topic,
			@DefaultValue("6") @Min(1) int partitions, @DefaultValue("1") @Min(1) short replicationFactor,
			@DefaultValue("2s") @NotNull Duration ackTimeout, @DefaultValue("3s") @NotNull Duration deliveryTimeout,
			@DefaultValue("coupon-writer") @NotBlank String consumerGroup, @DefaultValue("5000") @Min(1) int batchSize,
			@DefaultValue("100ms") @NotNull Duration batchWait, @DefaultValue("15s") @NotNull Duration startupTimeout) {
	}

	/**
	 * The writer's storing of batches (their size and wait are {@link Kafka}'s).
	 *
	 * @param batchesInFlight batches being stored at once, each on its own pooled
	 * connection; offsets are still committed in order, each only once every earlier
	 * batch is stored. {@code 1} stores one batch at a time, strictly in offset order
	 */
	public record Writer(@DefaultValue("3") @Min(1) int batchesInFlight) {
	}

	/**
	 * What a 201 waits for: Kafka's ack of the grant's event, or only Redis recording the
	 * grant.
	 */
	public enum Ack {

		KAFKA, REDIS

	}

	/**
	 * @param ack {@code kafka}: 201 once Kafka acknowledged the event (202 after
	 * {@code kafka.ack-timeout}); {@code redis}: 201 once the script recorded the grant
	 * and its outbox entry, the send going out at once and the outbox relay guaranteeing
	 * it
	 * @param maxInFlight claims being decided at once on this instance; past it a claim
	 * is answered 503 before its script runs
	 * @param factsTtl how long this instance answers "sold out" or "at the limit" from
	 * memory before asking Redis again (a rebuild or a Redis restart clears them at once)
	 * @param factsMaxUsers most users whose "at the limit" answer is kept in memory
	 * @param warmupRequests claims an instance sends its own claim route at startup,
	 * before it reports ready, on a scratch campaign of its own (half granted, the rest
	 * sold out or repeats), removed afterwards; 0 turns the warm-up off
	 * @param warmupTimeout longest the warm-up may hold readiness back; the instance
	 * reports ready then all the same
	 */
	public record Issue(@DefaultValue("kafka") @NotNull Ack ack, @DefaultValue("256") @Min(1) int maxInFlight,
			@DefaultValue("5s") @NotNull Duration factsTtl, @DefaultValue("100000") @Min(0) long factsMaxUsers,
			@DefaultValue("2000") @Min(0) int warmupRequests, @DefaultValue("10s") @NotNull Duration warmupTimeout) {
	}

	/**
	 * @param timeout longest wait for Redis on the claim path before answering 503
	 */
	public record Redis(@DefaultValue("500ms") @NotNull Duration timeout) {
	}

	/**
	 * @param interval how often the relay looks at the outboxes
	 * @param grace how old an unsettled entry must be before the relay re-sends it
	 * @param lease how long one instance holds a campaign's outbox before another may
	 * drain it
	 * @param sendTimeout how long the relay waits for Kafka's ack of a re-send (the
	 * producer's delivery timeout)
	 * @param page most entries of one outbox read, sent, and settled (one {@code XDEL})
	 * at a time; a drain goes on page after page while the lease is held and entries are
	 * due
	 * @param inFlight most re-sends of one outbox waiting for Kafka's ack at once
	 * @param campaignsAtOnce campaigns one pass drains at the same time
	 * @param redisTimeout longest wait for Redis on one of the relay's (and the
	 * stock-move sweeper's) commands: a campaign whose shard does not answer is given up
	 * for this pass, the others go on
	 */
	public record Relay(@DefaultValue("1s") @NotNull Duration interval, @DefaultValue("10s") @NotNull Duration grace,
			@DefaultValue("10s") @NotNull Duration lease, @DefaultValue("30s") @NotNull Duration sendTimeout,
			@DefaultValue("1000") @Min(1) int page, @DefaultValue("512") @Min(1) int inFlight,
			@DefaultValue("4") @Min(1) int campaignsAtOnce, @DefaultValue("5s") @NotNull Duration redisTimeout) {
	}

	/**
	 * @param poll how often one instance reads a watched campaign's stock from Redis
	 * (once for all its subscribers)
	 * @param maxRate most stock events per second to one subscriber; changes in between
	 * are conflated, the latest wins
	 * @param heartbeat how often a comment line keeps idle connections (and proxies)
	 * alive
	 * @param linger how long a campaign's feed stays up after its last subscriber left
	 */
	public record Stream(@DefaultValue("100ms") @NotNull Duration poll, @DefaultValue("4") @Min(1) int maxRate,
			@DefaultValue("15s") @NotNull Duration heartbeat, @DefaultValue("2s") @NotNull Duration linger) {
	}

	/**
	 * Campaigns split into buckets ({@code buckets} on creation).
	 *
	 * @param sweepInterval how often each gateway looks for stock moves left half done
	 * @param moveTimeout how old a move must be before a sweep decides it (a live move
	 * takes milliseconds)
	 * @param refills most times a claim whose bucket ran dry pulls stock in and tries
	 * again; each try it loses is a unit another claim won, and the bound keeps one
	 * claim's latency in check at the end of a sale
	 */
	public record Buckets(@DefaultValue("1s") @NotNull Duration sweepInterval,
			@DefaultValue("2s") @NotNull Duration moveTimeout, @DefaultValue("16") @Min(1) int refills) {
	}

	/**
	 * Waiting rooms (per campaign: {@code waitingRoom} on creation, or the admin API).
	 *
	 * @param secret the key admission tickets are signed with, the same on every instance
	 * (32+ bytes); when empty, the first instance makes one and shares it through Redis
	 * @param admitEvery how often the scheduler (one instance at a time, by lease) admits
	 * people
	 * @param lease how long one instance's scheduler holds a campaign's admissions before
	 * another may
	 * @param poll how often an instance reads a line's progress, once for all who watch
	 * it
	 * @param secretRefresh without {@code secret}: how long an instance uses the key it
	 * read from Redis before reading it again, so instances agree again this soon after
	 * Redis lost it (a ticket that fails the check also has the key read again, at most
	 * every tenth of this)
	 * @param stepTimeout longest one campaign's admission step (and its check for the
	 * campaign's end) may take in a scheduler's pass: a campaign whose Redis does not
	 * answer does not hold up the others
	 * @param retainAfterEnd how long a finished (sold out, ended) campaign's line stays
	 * in Redis after its scheduler let it go, so late watchers are told it ended
	 */
	public record WaitingRoom(String secret, @DefaultValue("100ms") @NotNull Duration admitEvery,
			@DefaultValue("2s") @NotNull Duration lease, @DefaultValue("250ms") @NotNull Duration poll,
			@DefaultValue("1s") @NotNull Duration secretRefresh, @DefaultValue("500ms") @NotNull Duration stepTimeout,
			@DefaultValue("10m") @NotNull Duration retainAfterEnd) {

		public WaitingRoom {
			refusePlaceholder("coupon.waiting-room.secret", secret);
			if (secret != null && !secret.isBlank() && secret.getBytes(StandardCharsets.UTF_8).length < 32) {
				throw new IllegalArgumentException("coupon.waiting-room.secret must be at least 32 bytes");
			}
			if (secretRefresh.isNegative() || secretRefresh.isZero() || stepTimeout.isNegative() || stepTimeout.isZero()
					|| retainAfterEnd.isNegative() || retainAfterEnd.isZero()) {
				throw new IllegalArgumentException(
						"coupon.waiting-room.secret-refresh, .step-timeout and .retain-after-end must be positive");
			}
		}

	}

	/**
	 * Checking a campaign's Redis state against PostgreSQL (a rebuild): when Redis
	 * restarted, failed over or lost the campaign, claims answer 503 until it is done.
	 *
	 * @param checkInterval how often each gateway looks at every active campaign's state
	 * (fences, controls)
	 * @param lease how long one instance holds a campaign's check before another may take
	 * it over (renewed at every step of a long check)
	 * @param claimWait how long a claim waits for a check under way before it is answered
	 * 503
	 * @param timeout longest one attempt may take before it is given up and tried again
	 * @param retryAfterFailure how long a failed attempt is shared with the claims that
	 * ask, so a spike of claims does not turn into a spike of checks
	 * @param deliveryMargin added to {@code kafka.delivery-timeout} before a check reads
	 * PostgreSQL: a record's last try may start just before the timeout
	 * @param writerPoll how often a check asks whether the writer stored what Kafka held
	 * @param endedWithin how long after its end a campaign is still checked (late claims
	 * must still meet a checked state)
	 * @param checksAtOnce checks one pass of {@code check-interval} runs at the same time
	 * (after Redis lost everything, every campaign needs one)
	 * @param usersPerStep most users (with their coupons) a check of a campaign on one
	 * slot sends in one step; a million stored coupons take 500 steps at the default
	 * @param gapsPerStep most free numbers a check of a campaign on one slot stages in
	 * one step
	 * @param restartPoll how often each gateway asks Redis for its run ids, to notice a
	 * restart or failover
	 */
	public record Rebuild(@DefaultValue("2s") @NotNull Duration checkInterval,
			@DefaultValue("15s") @NotNull Duration lease, @DefaultValue("300ms") @NotNull Duration claimWait,
			@DefaultValue("120s") @NotNull Duration timeout, @DefaultValue("250ms") @NotNull Duration retryAfterFailure,
			@DefaultValue("1s") @NotNull Duration deliveryMargin, @DefaultValue("100ms") @NotNull Duration writerPoll,
			@DefaultValue("1h") @NotNull Duration endedWithin, @DefaultValue("4") @Min(1) int checksAtOnce,
			@DefaultValue("2000") @Min(1) int usersPerStep, @DefaultValue("10000") @Min(1) int gapsPerStep,
			@DefaultValue("1s") @NotNull Duration restartPoll) {
	}

	/**
	 * The copy of each campaign an instance keeps. PostgreSQL is the truth; an operator's
	 * change is announced to every instance at once, and a copy is read again at least
	 * this often anyway.
	 *
	 * @param refresh how old a copy may get before it is read again (in the background)
	 * @param unknownTtl how long an id PostgreSQL does not know is answered 404 without
	 * asking it again (forgotten at once when a campaign is created, on any instance)
	 * @param unknownMax most unknown ids remembered
	 */
	public record Campaigns(@DefaultValue("5s") @NotNull Duration refresh,
			@DefaultValue("10s") @NotNull Duration unknownTtl, @DefaultValue("100000") @Min(0) long unknownMax) {
	}

	/**
	 * The proxies in front. A client address (the per-address rate limit) is read from
	 * {@code X-Forwarded-For} or {@code Forwarded} only on a connection from one of
	 * these, never from anyone else; see {@link ClientAddress}. Leave
	 * {@code server.forward-headers-strategy} unset.
	 *
	 * @param trustedProxies addresses ({@code 172.31.250.250}, {@code ::1}) or CIDR
	 * blocks ({@code 10.0.0.0/8}) of the proxies that set (overwrite or append to)
	 * {@code X-Forwarded-For}; empty (the default): none, every client is counted by its
	 * connection's address
	 */
	public record Edge(@DefaultValue @NotNull List<String> trustedProxies) {

		public Edge {
			// a typo or a host name must stop the start, not silently trust nobody (or
			// everybody)
			trustedProxies.forEach(ClientAddress.Range::parse);
		}

	}

	/**
	 * Values that were published as defaults (docker/compose.yaml's fallbacks before it
	 * required real ones) or read as "put yours here": a gateway holding one would let
	 * anyone mint an admin token.
	 */
	private static final Set<String> PUBLISHED = Set.of("change-me-to-a-secret-of-at-least-32-bytes", "change-me",
			"changeme", "change-it", "changeit", "replace-me", "replaceme", "your-secret", "my-secret");

	/**
	 * Words that mark a placeholder wherever they stand in the value
	 * ({@code CHANGE_ME_...}, {@code ...-changeme}).
	 */
	private static final List<String> PLACEHOLDER_WORDS = List.of("-change-me-", "-changeme-", "-change-it-",
			"-changeit-", "-replace-me-", "-replaceme-");

	static void refusePlaceholder(String key, String value) {
		if (value == null || value.isBlank()) {
			return;
		}
		String normalized = value.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
		String padded = "-" + normalized + "-";
		if (PUBLISHED.contains(normalized) || PLACEHOLDER_WORDS.stream().anyMatch(padded::contains)) {
			throw new IllegalArgumentException(key + " is a published placeholder; set a random value of your own");
		}
	}

	public boolean plays(Role role) {
		return this.roles.contains(role);
	}

}
