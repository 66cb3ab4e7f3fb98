package dev.coupongateway.issue;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.event.CouponIssued;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.RecordId;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.stereotype.Component;

/**
 * The per-campaign outbox in Redis: {@code issue.lua} adds an entry with every grant, in the same atomic
 * step; an entry is settled (deleted) once Kafka has acknowledged its event. What stays is what the
 * relay re-sends.
 */
@Component
public class Outbox {

	private final ReactiveStringRedisTemplate redis;

	public Outbox(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
	}

	/** Settles an entry: Kafka has its event. */
	public Mono<Void> settle(String campaignId, String entryId) {
		return this.redis.opsForStream().delete(CampaignKeys.of(campaignId).outbox(), RecordId.of(entryId)).then();
	}

	/** Entries made before {@code before}, oldest first. */
	public Flux<Entry> due(String campaignId, Instant before, int count) {
		Range<String> range = Range.closed("-", Long.toString(before.toEpochMilli()));
		return this.redis.opsForStream()
			.range(CampaignKeys.of(campaignId).outbox(), range, Limit.limit().count(count))
			.map((record) -> entry(campaignId, record));
	}

	/** Entries not settled yet. */
	public Mono<Long> size(String campaignId) {
		return this.redis.opsForStream().size(CampaignKeys.of(campaignId).outbox());
	}

	private static Entry entry(String campaignId, MapRecord<String, Object, Object> record) {
		Map<Object, Object> fields = record.getValue();
		CouponIssued event = new CouponIssued(UUID.fromString((String) fields.get("c")), campaignId,
				(String) fields.get("u"), Integer.parseInt((String) fields.get("s")),
				Integer.parseInt((String) fields.get("l")), Instant.ofEpochMilli(Long.parseLong((String) fields.get("t"))));
		return new Entry(record.getId().getValue(), event);
	}

	/** An unsettled grant: its stream entry id and the event to send. */
	public record Entry(String id, CouponIssued event) {
	}

}
