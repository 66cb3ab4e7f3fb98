package dev.coupongateway.issue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

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
 * The outbox in Redis, one per campaign bucket: {@code issue.lua} adds an entry with
 * every grant, in the same atomic step; an entry is settled (deleted) once Kafka has
 * acknowledged its event. What stays is what the relay re-sends.
 */
@Component
public class Outbox {

	/** Most entries one settling pass deletes; the rest wait for the next pass. */
	private static final int SETTLE_BATCH = 5_000;

	private final ReactiveStringRedisTemplate redis;

	/**
	 * Entries whose events Kafka acknowledged, not deleted yet: settled together by
	 * {@link #settleAcknowledged()}.
	 */
	private final Queue<Acknowledged> acknowledged = new ConcurrentLinkedQueue<>();

	public Outbox(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
	}

	/**
	 * Settles an entry with the next pass of {@link OutboxSettler}: one {@code XDEL} per
	 * campaign and pass instead of one round trip per grant. An entry whose pass never
	 * comes (a crash, Redis away) only costs the relay a harmless re-send.
	 */
	void settleSoon(CampaignKeys bucket, String entryId) {
		this.acknowledged.add(new Acknowledged(bucket, entryId));
	}

	/**
	 * Deletes the acknowledged entries queued so far, one command per outbox; failures
	 * are dropped.
	 */
	Mono<Void> settleAcknowledged() {
		Map<CampaignKeys, List<RecordId>> byOutbox = new HashMap<>();
		Acknowledged next;
		for (int taken = 0; taken < SETTLE_BATCH && (next = this.acknowledged.poll()) != null; taken++) {
			byOutbox.computeIfAbsent(next.bucket(), (keys) -> new ArrayList<>()).add(RecordId.of(next.entryId()));
		}
		return Flux.fromIterable(byOutbox.entrySet())
			.flatMap((outbox) -> this.redis.opsForStream()
				.delete(outbox.getKey().outbox(), outbox.getValue().toArray(RecordId[]::new))
				// Kafka has these events; an entry left behind is re-sent by the relay,
				// and stored once
				.onErrorResume((ex) -> Mono.empty()))
			.then();
	}

	/**
	 * Settles many entries of a bucket's outbox at once (one {@code XDEL}): Kafka has
	 * their events.
	 */
	public Mono<Void> settle(CampaignKeys bucket, List<String> entryIds) {
		if (entryIds.isEmpty()) {
			return Mono.empty();
		}
		return this.redis.opsForStream()
			.delete(bucket.outbox(), entryIds.stream().map(RecordId::of).toArray(RecordId[]::new))
			.then();
	}

	/**
	 * Entries of a bucket's outbox made before {@code before} and after the entry
	 * {@code after} (from the first when {@code null}), oldest first: a reader pages on
	 * past entries it could not settle.
	 */
	public Flux<Entry> due(CampaignKeys bucket, String after, Instant before, int count) {
		Range.Bound<String> until = Range.Bound.inclusive(Long.toString(before.toEpochMilli()));
		Range<String> range = (after != null) ? Range.of(Range.Bound.exclusive(after), until)
				: Range.of(Range.Bound.inclusive("-"), until);
		return this.redis.opsForStream()
			.range(bucket.outbox(), range, Limit.limit().count(count))
			.map((record) -> entry(bucket.campaignId(), record));
	}

	/** Entries of a bucket's outbox not settled yet. */
	public Mono<Long> size(CampaignKeys bucket) {
		return this.redis.opsForStream().size(bucket.outbox());
	}

	private static Entry entry(String campaignId, MapRecord<String, Object, Object> record) {
		Map<Object, Object> fields = record.getValue();
		CouponIssued event = new CouponIssued(UUID.fromString((String) fields.get("c")), campaignId,
				(String) fields.get("u"), Integer.parseInt((String) fields.get("s")),
				Integer.parseInt((String) fields.get("l")),
				Instant.ofEpochMilli(Long.parseLong((String) fields.get("t"))));
		return new Entry(record.getId().getValue(), event);
	}

	private record Acknowledged(CampaignKeys bucket, String entryId) {
	}

	/** An unsettled grant: its stream entry id and the event to send. */
	public record Entry(String id, CouponIssued event) {
	}

}
