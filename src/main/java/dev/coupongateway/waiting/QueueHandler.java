package dev.coupongateway.waiting;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.CurrentUser;
import dev.coupongateway.system.Paths;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemCode;
import dev.coupongateway.system.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Joining a campaign's line ({@code POST /queue}) and watching one's place in it
 * ({@code GET /queue/stream}, Server-Sent Events: {@code queue} with the place and
 * expected wait as it changes, then {@code admitted} with the ticket, or {@code expired}
 * when the ticket's time passed, or {@code ended} when the campaign sold out or ended
 * before their turn).
 */
@Component
class QueueHandler {

	private final CampaignService campaigns;

	private final CurrentUser currentUser;

	private final Line line;

	private final LineFeed feed;

	private final Tickets tickets;

	private final Clock clock;

	private final Duration heartbeat;

	private final Duration retainAfterEnd;

	private final Counter joins;

	private final AtomicInteger watchers = new AtomicInteger();

	QueueHandler(CampaignService campaigns, CurrentUser currentUser, Line line, LineFeed feed, Tickets tickets,
			Clock clock, CouponProperties properties, MeterRegistry meters) {
		this.campaigns = campaigns;
		this.currentUser = currentUser;
		this.line = line;
		this.feed = feed;
		this.tickets = tickets;
		this.clock = clock;
		this.heartbeat = properties.stream().heartbeat();
		this.retainAfterEnd = properties.waitingRoom().retainAfterEnd();
		this.joins = Counter.builder("coupon.queue.joins").description("Joins of waiting-room lines").register(meters);
		Gauge.builder("coupon.queue.watchers", this.watchers, AtomicInteger::get)
			.description("Line streams (SSE) open on this instance")
			.register(meters);
	}

	Mono<ServerResponse> join(ServerRequest request) {
		String campaignId = CampaignId.fromPath(request).value();
		return this.currentUser.of(request)
			.flatMap((userId) -> room(campaignId).flatMap((room) -> this.line.join(campaignId, userId)
				.switchIfEmpty(Mono.error(() -> noWaitingRoom(campaignId)))
				// a finished campaign's line gives no new places: the answer a claim
				// would get
				.flatMap((place) -> (place.ended() != null && !place.isAdmitted()) ? Mono.error(finished(place.ended()))
						: Mono.just(place))
				.doOnNext((place) -> this.joins.increment())
				.flatMap((place) -> describe(campaignId, userId, room, place))))
			.flatMap((body) -> ServerResponse.ok().bodyValue(body));
	}

	Mono<ServerResponse> stream(ServerRequest request) {
		String campaignId = CampaignId.fromPath(request).value();
		String userId = request.queryParam("user").orElse("");
		String token = request.queryParam("token").orElse(null);
		return this.tickets.watches(token, campaignId, userId)
			.flatMap((valid) -> valid ? room(campaignId)
					: Mono.error(new ProblemException(Problem.of(ProblemCode.UNAUTHENTICATED,
							"Send the user and the line token that joining the line gave (?user=...&token=...)."))))
			.flatMap((room) -> this.line.place(campaignId, userId)
				.filter((place) -> place.place() > 0)
				.switchIfEmpty(Mono.error(() -> new ProblemException(Problem.of(ProblemCode.NOT_IN_LINE,
						"Join the line first: POST " + Paths.of(Paths.QUEUE, campaignId) + "."))))
				.map((place) -> events(campaignId, userId, room, place.place())))
			.flatMap((events) -> ServerResponse.ok()
				.contentType(MediaType.TEXT_EVENT_STREAM)
				.header("Cache-Control", "no-store")
				.header("X-Accel-Buffering", "no")
				.body(BodyInserters.fromServerSentEvents(events)));
	}

	/**
	 * The watcher's place as the shared feed moves, until admitted (with the ticket) or
	 * expired.
	 */
	private Flux<ServerSentEvent<Map<String, Object>>> events(String campaignId, String userId,
			Campaign.WaitingRoom room, long place) {
		Flux<ServerSentEvent<Map<String, Object>>> updates = this.feed.of(campaignId)
			.onBackpressureLatest()
			.takeUntil((progress) -> progress.admitted() >= place || progress.ended() != null)
			.concatMap((progress) -> {
				if (progress.admitted() < place && progress.ended() != null) {
					// nobody is admitted any more: told once, and a browser's EventSource
					// asked not to come back soon
					Map<String, Object> ended = new LinkedHashMap<>();
					ended.put("campaignId", campaignId);
					ended.put("place", place);
					ended.put("status", progress.ended());
					return Mono.just(ServerSentEvent.<Map<String, Object>>builder(ended)
						.event("ended")
						.retry(this.retainAfterEnd)
						.build());
				}
				if (progress.admitted() < place) {
					Map<String, Object> waiting = waiting(campaignId, place, progress.admitted(), room);
					return Mono.just(ServerSentEvent.<Map<String, Object>>builder(waiting).event("queue").build());
				}
				return this.line.place(campaignId, userId)
					.flatMap((now) -> describe(campaignId, userId, room, now))
					.map((body) -> ServerSentEvent.<Map<String, Object>>builder(body)
						.event(body.containsKey("ticket") ? "admitted" : "expired")
						.build());
			}, 1);
		Flux<ServerSentEvent<Map<String, Object>>> heartbeats = Flux.interval(this.heartbeat)
			.map((tick) -> ServerSentEvent.<Map<String, Object>>builder().comment("heartbeat").build());
		return updates.publish((shared) -> Flux.merge(shared, heartbeats.takeUntilOther(shared.then())))
			.doOnSubscribe((subscription) -> this.watchers.incrementAndGet())
			.doFinally((signal) -> this.watchers.decrementAndGet());
	}

	/**
	 * What a user is told of their place: while waiting, the wait; once admitted, the
	 * ticket (if still valid).
	 */
	private Mono<Map<String, Object>> describe(String campaignId, String userId, Campaign.WaitingRoom room,
			Line.Place place) {
		if (!place.isAdmitted()) {
			Map<String, Object> body = waiting(campaignId, place.place(), place.admitted(), room);
			return this.tickets.lineToken(campaignId, userId).map((token) -> {
				body.put("userId", userId);
				body.put("lineToken", token);
				return body;
			});
		}
		Instant expires = place.admittedAt().plus(room.ticketTtl());
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("campaignId", campaignId);
		body.put("userId", userId);
		body.put("place", place.place());
		body.put("admitted", true);
		if (!expires.isAfter(this.clock.instant())) {
			body.put("expired", true);
			return Mono.just(body);
		}
		return Mono.zip(this.tickets.ticket(campaignId, userId, expires), this.tickets.lineToken(campaignId, userId))
			.map((both) -> {
				body.put("ticket", both.getT1());
				body.put("ticketExpiresAt", expires);
				body.put("lineToken", both.getT2());
				return body;
			});
	}

	private static Map<String, Object> waiting(String campaignId, long place, long admitted,
			Campaign.WaitingRoom room) {
		long ahead = Math.max(0, place - admitted - 1);
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("campaignId", campaignId);
		body.put("place", place);
		body.put("ahead", ahead);
		body.put("admitted", false);
		// the people ahead and this one, at the room's rate
		body.put("expectedWaitSeconds", (long) Math.ceil((ahead + 1) / (double) room.admitPerSecond()));
		return body;
	}

	private Mono<Campaign.WaitingRoom> room(String campaignId) {
		return this.campaigns.findForClaim(campaignId)
			.flatMap((campaign) -> Mono.justOrEmpty(campaign.waitingRoom()))
			.switchIfEmpty(Mono.error(() -> noWaitingRoom(campaignId)));
	}

	private static ProblemException finished(Campaign.Status status) {
		return new ProblemException(
				(status == Campaign.Status.SOLD_OUT) ? Problem.of(ProblemCode.SOLD_OUT, "All coupons are gone.")
						: Problem.of(ProblemCode.ENDED, "The campaign has ended."));
	}

	private static ProblemException noWaitingRoom(String campaignId) {
		return new ProblemException(Problem.of(ProblemCode.NO_WAITING_ROOM,
				"Campaign '" + campaignId + "' has no waiting room: claim directly."));
	}

}
