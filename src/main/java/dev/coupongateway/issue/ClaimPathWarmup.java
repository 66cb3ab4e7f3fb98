package dev.coupongateway.issue;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CouponProperties.Identity;
import dev.coupongateway.system.CouponProperties.Jwt;
import dev.coupongateway.system.CouponProperties.Role;
import dev.coupongateway.system.CurrentUser;
import dev.coupongateway.system.Paths;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;

/**
 * Warms the whole claim path up before the instance reports ready, so the first seconds
 * after a deploy, when a sale opens, are not the slowest: Boot marks the instance ready
 * (actuator readiness {@code ACCEPTING_TRAFFIC}) only after this listener returns, and it
 * runs on the startup thread, never on an event loop, for at most
 * {@code coupon.issue.warmup-timeout}.
 * <p>
 * <b>What it walks.</b> Real claims over HTTP on the instance's own port (reactor-netty's
 * server, the codecs, the security chain, the router, {@link ClaimTimer}), on a scratch
 * campaign of its own ({@link CampaignService#openScratch}) with stock for half of
 * {@code coupon.issue.warmup-requests}: first the grants (the script grants, the event is
 * sent to Kafka and acknowledged, the 201 rendered), then, stock gone, sold-out answers
 * (410: the script's, then {@link ClaimFacts}' from memory) interleaved with repeats of
 * granted users (409, already issued). In {@code header} mode each claim carries
 * {@code X-User-Id}; in {@code jwt} mode with an HS256 secret, a token minted here with
 * that secret (issuer and audience as configured, expiring with the warm-up), so the
 * decoder and validators are warmed too. With a JWK set URI the issuer holds the keys and
 * this instance cannot mint: the claims then go through the claim route's handler
 * in-process (everything but the server, the codecs and the security chain). Not a key of
 * its own that the chain would accept for the scratch campaign until ready: that would be
 * a second way in past authentication, guarded by nothing but a check of the id and the
 * moment, for a few milliseconds of warm JIT code. In-process too when the server speaks
 * TLS (its certificate is not the warm-up's to trust).
 * <p>
 * <b>What it leaves.</b> Nothing anyone can see. The scratch id ({@code _warmup-} and 32
 * hex digits) is outside the ids a campaign may have, so no operator can create it and
 * its Redis keys share no hash tag with any campaign's; PostgreSQL never holds it, so no
 * listing, stock stream, reconciliation, check or other instance knows it (only this
 * instance's claim route does, while the warm-up runs); its state is registered for no
 * relay, sweep or check, and all its keys are deleted afterwards (one slot, one
 * {@code DEL}); its facts are forgotten. The claim script gives its claims no rate limits
 * (they all come from this instance's address, and limited they would not reach the grant
 * path); limiter keys are per campaign slot, so no user's limit is touched either way.
 * Its claims are timed as {@code coupon.warmup.claims} (by status), not as users'
 * {@code coupon.claim} nor counted in {@code coupon.claims}. Its grants' events do go to
 * the topic: the writer decodes them and skips them ({@code coupon.writer.scratch}), no
 * row, no conflict, no dead letter. The instance is not ready meanwhile, so the load
 * balancer sends it no claims to compete with the warm-up's 32 at a time.
 */
@Component
class ClaimPathWarmup implements ApplicationListener<ApplicationReadyEvent> {

	private static final Log logger = LogFactory.getLog(ClaimPathWarmup.class);

	/**
	 * Claims in flight at once: a spike's worth for two cores, far below the shed limit.
	 */
	private static final int CONCURRENCY = 32;

	/** The address the in-process claims are said to come from. */
	private static final String LOOPBACK = "127.0.0.1";

	private final IssueHandler handler;

	private final ClaimTimer timer;

	private final CampaignService campaigns;

	private final ClaimFacts facts;

	private final CouponProperties properties;

	private final int requests;

	private final Duration limit;

	private final boolean enabled;

	ClaimPathWarmup(IssueHandler handler, ClaimTimer timer, CampaignService campaigns, ClaimFacts facts,
			CouponProperties properties) {
		this.handler = handler;
		this.timer = timer;
		this.campaigns = campaigns;
		this.facts = facts;
		this.properties = properties;
		this.requests = properties.issue().warmupRequests();
		this.limit = properties.issue().warmupTimeout();
		this.enabled = properties.plays(Role.GATEWAY) && this.requests > 0;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		if (!this.enabled) {
			return;
		}
		long started = System.nanoTime();
		int grants = Math.max(1, this.requests / 2);
		Campaign scratch;
		try {
			scratch = await(this.campaigns.openScratch(grants), this.limit);
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("Claim path not warmed up: its scratch campaign could not be opened (" + cause(ex)
					+ "); ready all the same");
			return;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return;
		}
		Route route = route(event.getApplicationContext().getEnvironment(), scratch.id());
		Map<Integer, Integer> answers = new ConcurrentHashMap<>();
		try {
			// the grants first, until the stock is gone; then new users (sold out) and
			// granted users again (already issued), taking turns
			Flux<Integer> walk = Flux.range(0, grants)
				.flatMap(route::claim, CONCURRENCY)
				.concatWith(Flux.range(0, this.requests - grants)
					.flatMap((i) -> route.claim((i % 2 == 0) ? grants + i : (i / 2) % grants), CONCURRENCY));
			Duration left = this.limit.minusNanos(System.nanoTime() - started);
			await(walk.doOnNext((status) -> answers.merge(status, 1, Integer::sum))
				.then()
				.timeout(left.isNegative() ? Duration.ZERO : left), this.limit);
			logger.info("Claim path warmed up " + route.how() + ": " + this.requests + " claims in "
					+ (System.nanoTime() - started) / 1_000_000 + " ms, answered " + new TreeMap<>(answers));
		}
		catch (ExecutionException | TimeoutException ex) {
			logger.warn("Claim path warm-up did not finish (" + cause(ex) + "; answered " + new TreeMap<>(answers)
					+ "); ready all the same");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			close(scratch, route);
		}
	}

	/**
	 * Deletes the scratch campaign's state and facts, whatever happened: a claim still in
	 * flight finds no settings and writes nothing.
	 */
	private void close(Campaign scratch, Route route) {
		route.close();
		try {
			await(this.campaigns.closeScratch(scratch).then(Mono.fromRunnable(() -> this.facts.forget(scratch.id()))),
					this.properties.redis().timeout().multipliedBy(10));
		}
		catch (ExecutionException | TimeoutException ex) {
			logger
				.warn("Claim path warm-up: its scratch campaign " + scratch.id() + " could not be deleted from Redis ("
						+ cause(ex) + "); nothing reads it, delete its keys coupon:{" + scratch.id() + "}:*");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Over HTTP on this instance's own port when a claim can show who it is; in-process
	 * otherwise.
	 */
	private Route route(Environment environment, String campaignId) {
		Integer port = environment.getProperty("local.server.port", Integer.class);
		boolean tls = environment.getProperty("server.ssl.enabled", Boolean.class, false)
				|| environment.getProperty("server.ssl.bundle") != null;
		IntFunction<String> identity = identity();
		if (port == null || tls || identity == null) {
			return new InProcess(campaignId);
		}
		String basePath = environment.getProperty("spring.webflux.base-path", "");
		return new OverHttp(host(environment.getProperty("server.address")), port,
				basePath + Paths.of(Paths.COUPONS, campaignId), identity);
	}

	/**
	 * The header value a claim of the {@code i}th user carries, or null when this
	 * instance cannot make one (the issuer holds the keys).
	 */
	private IntFunction<String> identity() {
		if (this.properties.identity() == Identity.HEADER) {
			return (i) -> user(i);
		}
		Jwt jwt = this.properties.jwt();
		if (jwt.jwkSetUri() != null && !jwt.jwkSetUri().isBlank()) {
			return null;
		}
		MACSigner signer;
		try {
			signer = new MACSigner(jwt.secret().getBytes(StandardCharsets.UTF_8));
		}
		catch (JOSEException ex) {
			return null;
		}
		Instant now = Instant.now();
		Date expires = Date.from(now.plus(this.limit).plusSeconds(60));
		return (i) -> {
			JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(user(i))
				.issueTime(Date.from(now))
				.expirationTime(expires);
			if (jwt.issuer() != null && !jwt.issuer().isBlank()) {
				claims.issuer(jwt.issuer());
			}
			if (jwt.audience() != null && !jwt.audience().isBlank()) {
				claims.audience(jwt.audience());
			}
			try {
				SignedJWT token = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
				token.sign(signer);
				return "Bearer " + token.serialize();
			}
			catch (JOSEException ex) {
				throw new IllegalStateException(ex);
			}
		};
	}

	/** Where this instance listens: its own address, loopback when it listens on all. */
	private static String host(String address) {
		if (address == null || address.isBlank()) {
			return LOOPBACK;
		}
		try {
			InetAddress bound = InetAddress.getByName(address);
			if (bound.isAnyLocalAddress()) {
				return LOOPBACK;
			}
			String literal = bound.getHostAddress();
			return (literal.indexOf(':') >= 0) ? "[" + literal + "]" : literal;
		}
		catch (UnknownHostException ex) {
			return address;
		}
	}

	/** A user id of the warm-up, the {@code i}th. */
	private static String user(int i) {
		return "warmup-" + i;
	}

	private static <T> T await(Mono<T> work, Duration limit)
			throws ExecutionException, TimeoutException, InterruptedException {
		return work.toFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
	}

	private static String cause(Exception ex) {
		Throwable cause = (ex instanceof ExecutionException && ex.getCause() != null) ? ex.getCause() : ex;
		return cause.getClass().getSimpleName() + ": " + cause.getMessage();
	}

	/** How the warm-up's claims reach the claim route. */
	private interface Route {

		/** The claim of the {@code i}th user: the HTTP status it was answered with. */
		Mono<Integer> claim(int user);

		String how();

		default void close() {
		}

	}

	/** Real requests on the instance's own port, through everything a user's goes. */
	private final class OverHttp implements Route {

		private final ConnectionProvider connections = ConnectionProvider.builder("claim-path-warmup")
			.maxConnections(CONCURRENCY)
			.build();

		private final HttpClient client;

		private final String path;

		private final String header;

		private final String[] identities;

		OverHttp(String host, int port, String path, IntFunction<String> identity) {
			this.client = HttpClient.create(this.connections).baseUrl("http://" + host + ":" + port);
			this.path = path;
			this.header = (ClaimPathWarmup.this.properties.identity() == Identity.HEADER) ? CurrentUser.HEADER
					: HttpHeaders.AUTHORIZATION;
			// made here, on the startup thread, not on an event loop: one per user (a
			// repeat shows the same)
			this.identities = new String[ClaimPathWarmup.this.requests];
			for (int user = 0; user < this.identities.length; user++) {
				this.identities[user] = identity.apply(user);
			}
		}

		@Override
		public Mono<Integer> claim(int user) {
			String shown = this.identities[user];
			return this.client.headers((headers) -> headers.set(this.header, shown))
				.post()
				.uri(this.path)
				.responseSingle((response, body) -> body.asByteArray()
					.map((bytes) -> response.status().code())
					.defaultIfEmpty(response.status().code()));
		}

		@Override
		public String how() {
			return "over HTTP (" + this.header + ")";
		}

		@Override
		public void close() {
			this.connections.dispose();
		}

	}

	/**
	 * The claim route's handler called in-process, timed as the route times it: no
	 * server, codec or security chain, the rest of the path as a user's claim takes it.
	 */
	private final class InProcess implements Route {

		private final String campaignId;

		private final URI requested;

		InProcess(String campaignId) {
			this.campaignId = campaignId;
			this.requested = URI.create(Paths.of(Paths.COUPONS, campaignId));
		}

		@Override
		public Mono<Integer> claim(int user) {
			return ClaimPathWarmup.this.timer
				.timed(() -> ClaimPathWarmup.this.handler.claim(this.campaignId, user(user), LOOPBACK, null,
						this.requested), this.requested, true)
				.map((response) -> response.statusCode().value());
		}

		@Override
		public String how() {
			return "in-process";
		}

	}

}
