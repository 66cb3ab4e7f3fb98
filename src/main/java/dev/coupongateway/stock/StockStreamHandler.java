package dev.coupongateway.stock;

import dev.coupongateway.campaign.Campaign.Status;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.CampaignView;
import dev.coupongateway.system.CouponProperties;
import reactor.core.publisher.Flux;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/campaigns/{id}/stock/stream}: the first event at once, then changes (conflated by the
 * shared feed: at most {@code maxRate} a second, the latest wins), a heartbeat comment, and a final
 * {@code sold-out} or {@code ended} event before the stream closes. Each subscriber buffers at most
 * one pending value, so a slow or stalled client skips values; it never holds up the others.
 */
@Component
class StockStreamHandler {

	static final String LAST_EVENT_ID = "Last-Event-ID";

	private final StockFeed feed;

	private final CampaignService campaigns;

	/** One heartbeat ticker shared by every stream of this instance. */
	private final Flux<ServerSentEvent<String>> heartbeats;

	StockStreamHandler(StockFeed feed, CampaignService campaigns, CouponProperties properties) {
		this.feed = feed;
		this.campaigns = campaigns;
		this.heartbeats = Flux.interval(properties.stream().heartbeat())
			.map((tick) -> ServerSentEvent.<String>builder().comment("heartbeat").build())
			.share();
	}

	Mono<ServerResponse> stream(ServerRequest request) {
		String campaignId = CampaignService.validId(request.pathVariable("id"));
		String lastEventId = request.headers().firstHeader(LAST_EVENT_ID);
		return this.campaigns.view(campaignId).flatMap((now) -> {
			if (now.finished() && lastEventId != null) {
				// a reconnect to a finished campaign: 204 tells EventSource to stop
				return ServerResponse.noContent().build();
			}
			return ServerResponse.ok()
				.contentType(MediaType.TEXT_EVENT_STREAM)
				.header("Cache-Control", "no-store")
				.header("X-Accel-Buffering", "no")
				.body(events(campaignId, lastEventId), ServerSentEvent.class);
		});
	}

	private Flux<ServerSentEvent<String>> events(String campaignId, String lastEventId) {
		Flux<ServerSentEvent<String>> stock = this.feed.of(campaignId)
			// at most one value waits for a slow client: it skips values, it never holds up the feed
			.onBackpressureLatest()
			.index()
			.filter((indexed) -> indexed.getT1() > 0 || indexed.getT2().view().finished()
					|| !Long.toString(indexed.getT2().view().issued()).equals(lastEventId))
			.map((indexed) -> event(indexed.getT2()));
		return stock.publish((shared) -> Flux.merge(shared,
				this.heartbeats.onBackpressureDrop().takeUntilOther(shared.then())));
	}

	private static ServerSentEvent<String> event(StockFeed.StockUpdate update) {
		CampaignView view = update.view();
		String name = (view.status() == Status.SOLD_OUT) ? "sold-out" : (view.status() == Status.ENDED) ? "ended" : "stock";
		return ServerSentEvent.builder(update.json()).event(name).id(Long.toString(view.issued())).build();
	}

}
