package dev.coupongateway.issue;

import java.net.URI;
import java.util.Map;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.system.ClientAddress;
import dev.coupongateway.system.CurrentUser;
import dev.coupongateway.system.Paths;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemCode;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * HTTP handlers of the claim routes: the outcome of a claim becomes a response in one
 * switch.
 */
@Component
class IssueHandler {

	/** The waiting room's admission ticket, for a campaign with a waiting room. */
	static final String TICKET = "X-Queue-Ticket";

	private final IssueService issues;

	private final MyCoupons coupons;

	private final JsonMapper json;

	private final CurrentUser currentUser;

	private final ClientAddress clientAddress;

	private final Cache<String, URI> instances = Caffeine.newBuilder().maximumSize(10_000).build();

	private final Cache<String, URI> locations = Caffeine.newBuilder().maximumSize(10_000).build();

	private final Cache<String, byte[]> bodies = Caffeine.newBuilder().maximumSize(10_000).build();

	private final ClaimBodies claimBodies;

	private static final Problem NOT_STARTED = Problem.of(ProblemCode.NOT_STARTED, "The campaign has not started yet.");

	private static final Problem ENDED = Problem.of(ProblemCode.ENDED, "The campaign has ended.");

	private static final Problem SOLD_OUT = Problem.of(ProblemCode.SOLD_OUT, "All coupons are gone.");

	private static final Problem PAUSED = Problem.of(ProblemCode.PAUSED,
			"The campaign is paused by its operator; claims resume when it does.");

	private static final Problem BUCKET_EMPTY = Problem
		.unavailable("Coupons are being moved to where your claim is decided; nothing was granted. Retry shortly.");

	private static final Problem SHED = Problem
		.unavailable("Too many claims at once; nothing was granted. Retry shortly.");

	private static final Problem REBUILDING = Problem
		.unavailable("The campaign's state is being checked; nothing was granted. Retry shortly.");

	IssueHandler(IssueService issues, MyCoupons coupons, JsonMapper json, CurrentUser currentUser,
			ClientAddress clientAddress) {
		this.issues = issues;
		this.coupons = coupons;
		this.json = json;
		this.claimBodies = new ClaimBodies(json);
		this.currentUser = currentUser;
		this.clientAddress = clientAddress;
	}

	Mono<ServerResponse> claim(ServerRequest request) {
		// a scratch id too: the warm-up walks this very route (ClaimPathWarmup)
		String campaignId = CampaignId.forClaim(request).value();
		String ticket = request.headers().firstHeader(TICKET);
		URI requested = request.exchange().getRequest().getURI();
		return this.currentUser.of(request)
			.flatMap((userId) -> claim(campaignId, userId, address(request), ticket, requested));
	}

	/**
	 * The claim's answer; {@code requested} (the request's URI) is the {@code instance}
	 * of the two 503s answered before the script decided, as every error's problem names
	 * it.
	 */
	Mono<ServerResponse> claim(String campaignId, String userId, String address, String ticket, URI requested) {
		return this.issues.claim(campaignId, userId, address, ticket).flatMap((claim) -> {
			IssueOutcome outcome = claim.outcome();
			URI instance = instance(campaignId);
			return switch (outcome.result()) {
				case GRANTED -> {
					CouponView coupon = CouponView.of(campaignId, userId, outcome.granted(),
							claim.acked() ? CouponState.ISSUED : CouponState.PENDING);
					yield ServerResponse.status(claim.acked() ? HttpStatus.CREATED : HttpStatus.ACCEPTED)
						.location(mine(campaignId))
						.contentType(MediaType.APPLICATION_JSON)
						.bodyValue(ClaimBodies.grant(coupon));
				}
				case ALREADY_ISSUED -> ServerResponse.status(HttpStatus.CONFLICT)
					.contentType(MediaType.APPLICATION_PROBLEM_JSON)
					.bodyValue(this.claimBodies.alreadyIssued(campaignId, instance, outcome.grants()));
				case NOT_STARTED -> rendered(campaignId, NOT_STARTED);
				case ENDED -> rendered(campaignId, ENDED);
				case SOLD_OUT -> rendered(campaignId, SOLD_OUT);
				case BUCKET_EMPTY -> BUCKET_EMPTY.respond(instance);
				case NOT_ADMITTED -> rendered(campaignId, notAdmitted(campaignId));
				case PAUSED -> rendered(campaignId, PAUSED);
				case RATE_LIMITED -> new Problem(ProblemCode.RATE_LIMITED,
						"Too many claims from you; nothing was granted. Retry after the time given.", Map.of(),
						outcome.retryAfter())
					.respond(instance);
				case UNKNOWN_CAMPAIGN -> Mono.error(CampaignService.notFound(campaignId));
				case SHED -> SHED.respond(requested);
				case REBUILDING -> REBUILDING.respond(requested);
			};
		});
	}

	/**
	 * The client's address for the per-address rate limit: the connection's peer, or the
	 * client a proxy of {@code coupon.edge.trusted-proxies} names (never what a client
	 * says of itself).
	 */
	private String address(ServerRequest request) {
		return this.clientAddress.of(request.exchange().getRequest());
	}

	/** Where a grant's coupons are listed, its {@code Location}; one URI per campaign. */
	private URI mine(String campaignId) {
		return this.locations.get(campaignId, (id) -> URI.create(Paths.of(Paths.MY_COUPONS, id)));
	}

	/**
	 * The claim route's path, the {@code instance} of its problems; one URI per campaign.
	 */
	private URI instance(String campaignId) {
		return this.instances.get(campaignId, (id) -> URI.create(Paths.of(Paths.COUPONS, id)));
	}

	/**
	 * A problem whose body is the same for every caller of the campaign (sold out, not
	 * started, ended), rendered once: most claims of a spike get one of these.
	 */
	private Mono<ServerResponse> rendered(String campaignId, Problem problem) {
		byte[] body = this.bodies.get(problem.code() + " " + campaignId,
				(key) -> this.json.writeValueAsBytes(problem.toMap(instance(campaignId))));
		return ServerResponse.status(problem.status()).contentType(MediaType.APPLICATION_PROBLEM_JSON).bodyValue(body);
	}

	private static Problem notAdmitted(String campaignId) {
		return Problem.of(ProblemCode.NOT_ADMITTED,
				"This campaign has a waiting room: join the line (POST " + Paths.of(Paths.QUEUE, campaignId)
						+ ") and claim with the ticket you get when admitted, in the " + TICKET
						+ " header, before it expires.");
	}

	/**
	 * The caller's coupons: what Redis granted, marked STORED once PostgreSQL has the
	 * row.
	 */
	Mono<ServerResponse> mine(ServerRequest request) {
		String campaignId = CampaignId.fromPath(request).value();
		return this.currentUser.of(request).flatMap((userId) -> mine(campaignId, userId));
	}

	private Mono<ServerResponse> mine(String campaignId, String userId) {
		return this.coupons.of(campaignId, userId)
			.flatMap((coupons) -> ServerResponse.ok()
				.bodyValue(Map.of("campaignId", campaignId, "userId", userId, "coupons", coupons)));
	}

}
