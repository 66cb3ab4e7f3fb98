package dev.coupongateway.waiting;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.coupongateway.campaign.Campaign;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.LuaScripts;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * A campaign's line in Redis ({@code scripts/queue.lua}): joining, one's place,
 * admitting, retiring.
 */
@Component
class Line {

	private final ReactiveStringRedisTemplate redis;

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> script = LuaScripts.of("queue.lua", List.class);

	Line(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
	}

	/**
	 * Puts the user in line (or keeps the place they have); empty when the campaign has
	 * no waiting room.
	 */
	Mono<Place> join(String campaignId, String userId) {
		return place(campaignId, "join", userId);
	}

	/** The user's place as it is; empty when the campaign has no waiting room. */
	Mono<Place> place(String campaignId, String userId) {
		return place(campaignId, "place", userId);
	}

	/**
	 * Admits whoever the time since the last admission pays for; empty when there is no
	 * waiting room.
	 */
	Mono<Admission> admit(String campaignId) {
		return run(campaignId, List.of("admit"))
			.map((reply) -> new Admission(number(reply, 0), number(reply, 1), number(reply, 2)));
	}

	/**
	 * Marks the line of a finished campaign ended ({@code status}: sold out or ended), so
	 * its watchers are told and nobody joins any more, and lets all of it expire in
	 * {@code retain}.
	 */
	Mono<Void> retire(String campaignId, Campaign.Status status, Duration retain) {
		return this.redis
			.execute(this.script, CampaignKeys.of(campaignId).queueKeys(),
					List.of("retire", status.name(), Long.toString(retain.toMillis())))
			.then();
	}

	private Mono<Place> place(String campaignId, String step, String userId) {
		return run(campaignId, List.of(step, userId)).map((reply) -> new Place(number(reply, 0), number(reply, 1),
				number(reply, 2), (number(reply, 3) > 0) ? Instant.ofEpochMilli(number(reply, 3)) : null,
				switch ((int) number(reply, 4)) {
					case 1 -> Campaign.Status.SOLD_OUT;
					case 2 -> Campaign.Status.ENDED;
					default -> null;
				}));
	}

	private Mono<List<?>> run(String campaignId, List<String> args) {
		return this.redis.execute(this.script, CampaignKeys.of(campaignId).queueKeys(), args)
			.next()
			.<List<?>>map((reply) -> reply)
			.filter((reply) -> number(reply, 0) >= 0);
	}

	private static long number(List<?> reply, int index) {
		return ((Number) reply.get(index)).longValue();
	}

	/**
	 * A user's place in line.
	 *
	 * @param place their number in arrival order (0: not in line)
	 * @param admitted the highest number admitted so far
	 * @param joined numbers given so far
	 * @param admittedAt when their number was admitted, or {@code null} while they wait
	 * @param ended {@code SOLD_OUT} or {@code ENDED} once the campaign finished and its
	 * line with it, else {@code null}
	 */
	record Place(long place, long admitted, long joined, Instant admittedAt, Campaign.Status ended) {

		boolean isAdmitted() {
			return this.place > 0 && this.place <= this.admitted;
		}

		/** People in front of them. */
		long ahead() {
			return Math.max(0, this.place - this.admitted - 1);
		}

	}

	/**
	 * What one admission did: {@code count} newly admitted, up to number {@code admitted}
	 * of {@code joined}.
	 */
	record Admission(long count, long admitted, long joined) {
	}

}
