package dev.coupongateway.stock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReference;

import dev.coupongateway.campaign.CampaignService;
import dev.coupongateway.campaign.CampaignView;
import dev.coupongateway.system.CouponProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Component;

/**
 * One shared stock feed per watched campaign per instance: a single poll of Redis,
 * multicast to every subscriber, started by the first and released shortly after the last
 * leaves. Redis load grows with the campaigns being watched, not with the people
 * watching; stock lives in Redis, so changes made by any instance show up here. Changes
 * are conflated in the feed, once for all subscribers. The feed completes once the
 * campaign is sold out or ended.
 */
@Component
public class StockFeed {

	private final CampaignService campaigns;

	private final CouponProperties.Stream settings;

	private final ConcurrentMap<String, Flux<StockUpdate>> feeds = new ConcurrentHashMap<>();

	private final JsonMapper json;

	private final Duration minInterval;

	private final Counter polls;

	public StockFeed(CampaignService campaigns, CouponProperties properties, JsonMapper json, MeterRegistry meters) {
		this.campaigns = campaigns;
		this.settings = properties.stream();
		this.json = json;
		this.minInterval = Duration.ofMillis(1000 / this.settings.maxRate());
		this.polls = Counter.builder("coupon.stock.polls")
			.description("Stock reads of the shared feeds")
			.register(meters);
		Gauge.builder("coupon.stock.feeds", this.feeds, ConcurrentMap::size)
			.description("Campaign stock feeds with subscribers on this instance")
			.register(meters);
	}

	/**
	 * The campaign's stock now, then its changes at most {@code maxRate} a second (the
	 * latest wins); completes after the sold-out or ended value.
	 */
	public Flux<StockUpdate> of(String campaignId) {
		return Flux.defer(() -> this.feeds.computeIfAbsent(campaignId, this::start));
	}

	/** Feeds with subscribers (or lingering after the last one left). */
	int active() {
		return this.feeds.size();
	}

	private Flux<StockUpdate> start(String campaignId) {
		AtomicReference<Flux<StockUpdate>> self = new AtomicReference<>();
		Flux<StockUpdate> feed = Flux.interval(Duration.ZERO, this.settings.poll())
			.onBackpressureDrop()
			.concatMap((tick) -> read(campaignId), 1)
			.distinctUntilChanged((view) -> view.issued() + ":" + view.status())
			.takeUntil(CampaignView::finished)
			// conflated once for everyone: a value goes out at once, then the feed is
			// quiet for the
			// interval and takes the latest value when it ends (prefetch 0, so nothing
			// stale is queued)
			.onBackpressureLatest()
			.concatMap((view) -> Flux.just(view).concatWith(Mono.delay(this.minInterval).then(Mono.empty())), 0)
			// rendered once per value, not once per subscriber
			.map((view) -> StockUpdate.of(view, this.json.writeValueAsString(view.stock())))
			.doFinally((signal) -> this.feeds.remove(campaignId, self.get()))
			.replay(1)
			.refCount(1, this.settings.linger());
		self.set(feed);
		return feed;
	}

	/**
	 * A stock value and its Server-Sent Events frame, encoded once and written as is to
	 * every subscriber.
	 *
	 * @param view the value
	 * @param frame {@code id}, {@code event} ({@code stock}; {@code paused} while an
	 * operator holds the campaign, {@code stock} again once resumed; {@code sold-out} or
	 * {@code ended} at the end) and {@code data} lines, UTF-8
	 */
	public record StockUpdate(CampaignView view, byte[] frame) {

		static StockUpdate of(CampaignView view, String json) {
			String event = switch (view.status()) {
				case SOLD_OUT -> "sold-out";
				case ENDED -> "ended";
				case PAUSED -> "paused";
				default -> "stock";
			};
			String frame = "id:" + view.issued() + "\nevent:" + event + "\ndata:" + json + "\n\n";
			return new StockUpdate(view, frame.getBytes(StandardCharsets.UTF_8));
		}

	}

	private Mono<CampaignView> read(String campaignId) {
		this.polls.increment();
		// a failed read (Redis away) is skipped: subscribers keep the last value and the
		// next poll retries
		return this.campaigns.view(campaignId).onErrorResume((ex) -> Mono.empty());
	}

}
