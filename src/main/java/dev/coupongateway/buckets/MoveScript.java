package dev.coupongateway.buckets;

import java.util.List;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.system.LuaScripts;
import reactor.core.publisher.Mono;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;

/**
 * Runs the steps of {@code scripts/move.lua}, each atomic in one bucket's slot: reserve
 * (source), credit (target), release (source), cancel (target). The script is read once;
 * its steps answer a list (reserve) or a number (the others), so it is run under two
 * result types, one SHA.
 */
@Component
class MoveScript {

	private final ReactiveStringRedisTemplate redis;

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> listReply;

	private final RedisScript<Long> numberReply;

	MoveScript(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
		String text = LuaScripts.text("move.lua");
		this.listReply = RedisScript.of(text, List.class);
		this.numberReply = RedisScript.of(text, Long.class);
	}

	/**
	 * Reserves up to {@code units} sequences of {@code source} for a move to
	 * {@code target} (whose state had {@code targetGeneration}): the sequences reserved,
	 * empty when none (or the source is frozen, unchecked or gone).
	 */
	Mono<List<?>> reserve(CampaignKeys source, CampaignKeys target, String moveId, int units, String targetGeneration) {
		return this.redis
			.execute(this.listReply, journalKeys(source), List.of("reserve", moveId, Integer.toString(units),
					Integer.toString(target.bucket()), targetGeneration))
			.next()
			.map((reserved) -> (List<?>) reserved);
	}

	/**
	 * Credits the reserved {@code sequences} to {@code target}: 1 credited, 0 decided
	 * before, -1 refused.
	 */
	Mono<Long> credit(CampaignKeys target, String moveId, String targetGeneration, String sequences) {
		return step(movesKeys(target), "credit", moveId, targetGeneration, sequences);
	}

	/**
	 * Drops the move from the source's journal, giving its sequences back when
	 * {@code giveBack}: the number given back, or -1 when the journal had no such move.
	 */
	Mono<Long> release(CampaignKeys source, String moveId, boolean giveBack) {
		return step(journalKeys(source), "release", moveId, giveBack ? "1" : "0");
	}

	/**
	 * Decides the move in the target as cancelled unless credited: 1 when it was
	 * credited, 0 now cancelled.
	 */
	Mono<Long> cancel(CampaignKeys target, String moveId) {
		return step(movesKeys(target), "cancel", moveId);
	}

	private Mono<Long> step(List<String> keys, String... args) {
		return this.redis.execute(this.numberReply, keys, List.of(args)).next();
	}

	/**
	 * The keys the script takes in a move's source (and {@code scripts/holding.lua} in
	 * any bucket).
	 */
	static List<String> journalKeys(CampaignKeys keys) {
		return List.of(keys.settings(), keys.free(), keys.journal());
	}

	private static List<String> movesKeys(CampaignKeys keys) {
		return List.of(keys.settings(), keys.free(), keys.moves());
	}

}
