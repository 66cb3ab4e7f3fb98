package dev.coupongateway.issue;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.LuaScripts;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/** Runs {@code scripts/issue.lua} (by SHA) and maps its return codes to an {@link IssueOutcome}. */
@Component
class IssueScript {

	private final ReactiveStringRedisTemplate redis;

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> script = LuaScripts.of("issue.lua", List.class);

	IssueScript(ReactiveStringRedisTemplate redis) {
		this.redis = redis;
	}

	Mono<IssueOutcome> claim(String campaignId, String userId, UUID couponId) {
		return this.redis.execute(this.script, CampaignKeys.of(campaignId).scriptKeys(), List.of(userId, couponId.toString()))
			.next()
			.map((reply) -> outcome(reply, couponId));
	}

	private static IssueOutcome outcome(List<?> reply, UUID couponId) {
		int code = ((Number) reply.get(0)).intValue();
		return switch (code) {
			case 1 -> new IssueOutcome(Result.GRANTED,
					List.of(new Grant(couponId, ((Number) reply.get(1)).intValue(), ((Number) reply.get(2)).intValue(),
							Instant.ofEpochMilli(((Number) reply.get(3)).longValue()))),
					(String) reply.get(4));
			case 0 -> IssueOutcome.of(Result.UNKNOWN_CAMPAIGN);
			case -1 -> new IssueOutcome(Result.ALREADY_ISSUED, Grant.parseAll((String) reply.get(1)), null);
			case -2 -> IssueOutcome.of(Result.NOT_STARTED);
			case -3 -> IssueOutcome.of(Result.ENDED);
			case -4 -> IssueOutcome.of(Result.SOLD_OUT);
			default -> throw new IllegalStateException("issue.lua returned unknown code " + code);
		};
	}

}
