package dev.coupongateway.stock;

import java.time.Duration;

import dev.coupongateway.campaign.Campaign.Status;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.CampaignView;
import dev.coupongateway.campaign.CampaignView.Stock;
import dev.coupongateway.system.CouponProperties;
import reactor.core.publisher.Flux;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;

/**
 * {@code GET /api/campaigns/{id}/stock/stream}: the first event at once, then changes, conflated per
 * subscriber (at most {@code maxRate} a second, the latest wins), a heartbeat comment, and a final
 * {@code sold-out} or {@code ended} event before the stream closes. Each subscriber buffers at most
 * one pending value, so a slow or stalled client skips values; it never holds up the others.
 */
@Component
class StockStreamHandler {

	static final String LAST_EVENT_ID = "Last-Event-ID";

	private final StockFeed feed;

	private final CampaignService campaigns;

	private final Duration minInterval;

	private final Duration heartbeat;

	StockStreamHandler(StockFeed feed, CampaignService campaigns, CouponProperties properties) {
		this.feed = feed;
		this.campaigns = campaigns;
		this.minInterval = Duration.ofMillis(1000 / properties.stream().maxRate());
		this.heartbeat = properties.stream().heartbeat();
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

	private Flux<ServerSentEvent<?>> events(String campaignId, String lastEventId) {
		Flux<ServerSentEvent<?>> stock = this.feed.of(campaignId)
			.onBackpressureLatest()
			// prefetch 0: the next value is taken only when the quiet interval is over, so it is the latest
			.concatMap((view) -> Flux.just(view).concatWith(Mono.delay(this.minInterval).then(Mono.empty())), 0)
			.index()
			.filter((indexed) -> indexed.getT1() > 0 || indexed.getT2().finished()
					|| !Long.toString(indexed.getT2().issued()).equals(lastEventId))
			.map((indexed) -> event(indexed.getT2()));
		return stock.publish((shared) -> Flux.merge(shared, Flux.interval(this.heartbeat)
			.onBackpressureDrop()
			.<ServerSentEvent<?>>map((tick) -> ServerSentEvent.builder().comment("heartbeat").build())
			.takeUntilOther(shared.then())));
	}

	private static ServerSentEvent<Stock> event(CampaignView view) {
		String name = (view.status() == Status.SOLD_OUT) ? "sold-out" : (view.status() == Status.ENDED) ? "ended" : "stock";
		return ServerSentEvent.builder(view.stock()).event(name).id(Long.toString(view.issued())).build();
	}

}
