package dev.coupongateway.stock;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.system.CouponProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.http.ReactiveHttpOutputMessage;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * {@code GET /api/campaigns/{id}/stock/stream}: the first event at once, then changes
 * (conflated by the shared feed: at most {@code maxRate} a second, the latest wins), a
 * heartbeat comment, and a final {@code sold-out} or {@code ended} event before the
 * stream closes. Each subscriber buffers at most one pending value, so a slow or stalled
 * client skips values; it never holds up the others.
 */
@Component
class StockStreamHandler {

	static final String LAST_EVENT_ID = "Last-Event-ID";

	private final StockFeed feed;

	private final CampaignService campaigns;

	private static final byte[] HEARTBEAT = ":heartbeat\n\n".getBytes(StandardCharsets.UTF_8);

	/** One heartbeat ticker shared by every stream of this instance. */
	private final Flux<byte[]> heartbeats;

	/** Open stock streams on this instance. */
	private final AtomicInteger subscribers = new AtomicInteger();

	StockStreamHandler(StockFeed feed, CampaignService campaigns, CouponProperties properties, MeterRegistry meters) {
		Gauge.builder("coupon.stock.subscribers", this.subscribers, AtomicInteger::get)
			.description("Stock streams (SSE) open on this instance")
			.register(meters);
		this.feed = feed;
		this.campaigns = campaigns;
		this.heartbeats = Flux.interval(properties.stream().heartbeat()).map((tick) -> HEARTBEAT).share();
	}

	Mono<ServerResponse> stream(ServerRequest request) {
		String campaignId = CampaignId.fromPath(request).value();
		String lastEventId = request.headers().firstHeader(LAST_EVENT_ID);
		return this.campaigns.view(campaignId).flatMap((now) -> {
			if (now.finished() && lastEventId != null) {
				// a reconnect to a finished campaign: 204 tells EventSource to stop
				return ServerResponse.noContent().build();
			}
			Flux<byte[]> frames = frames(campaignId, lastEventId);
			// frames are encoded once per value by the feed; each subscriber only wraps
			// and flushes them
			BodyInserter<Flux<byte[]>, ReactiveHttpOutputMessage> inserter = (message, context) -> message
				.writeAndFlushWith(frames.map((frame) -> Mono.just(message.bufferFactory().wrap(frame))));
			return ServerResponse.ok()
				.contentType(MediaType.TEXT_EVENT_STREAM)
				.header("Cache-Control", "no-store")
				.header("X-Accel-Buffering", "no")
				.body(inserter);
		});
	}

	private Flux<byte[]> frames(String campaignId, String lastEventId) {
		Flux<byte[]> stock = this.feed.of(campaignId)
			// at most one value waits for a slow client: it skips values, it never holds
			// up the feed
			.onBackpressureLatest()
			.index()
			.filter((indexed) -> indexed.getT1() > 0 || indexed.getT2().view().finished()
					|| !Long.toString(indexed.getT2().view().issued()).equals(lastEventId))
			.map((indexed) -> indexed.getT2().frame());
		// prefetch 1 all the way: publish and merge would otherwise queue up to 256 stale
		// values for a
		// stalled client; what it can hold is then the HTTP writer's own small queue and
		// its socket
		return stock
			.publish((shared) -> Flux.merge(1, shared,
					this.heartbeats.onBackpressureDrop().takeUntilOther(shared.then())), 1)
			.doOnSubscribe((subscription) -> this.subscribers.incrementAndGet())
			.doFinally((signal) -> this.subscribers.decrementAndGet());
	}

}
