package dev.coupongateway.issue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import dev.coupongateway.campaign.CampaignId;
import dev.coupongateway.campaign.CampaignKeys;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.issue.IssueOutcome.Result;
import dev.coupongateway.system.CouponProperties;
import dev.coupongateway.system.LuaScripts;

import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;

/**
 * Runs {@code scripts/issue.lua} (by SHA) and maps its return codes to an
 * {@link IssueOutcome}. The rate limits ({@code coupon.limits}) are checked by the same
 * script, in the campaign's slot: no extra round trip, and a limited claim changes
 * nothing.
 */
@Component
class IssueScript {

	private final ReactiveStringRedisTemplate redis;

	@SuppressWarnings("rawtypes")
	private final RedisScript<List> script = LuaScripts.of("issue.lua", List.class);

	/** ARGV[3..6]: ms between claims and burst, per user and per address. */
	private final List<String> limits;

	/**
	 * ARGV[3..6] for a scratch campaign's claims: none. The warm-up sends them all from
	 * this instance's own address; limited, they would be refused before the grant path
	 * they are there to warm, and they would write limiter keys to clean up.
	 */
	private static final List<String> NO_LIMITS = List.of("0", "0", "0", "0");

	IssueScript(ReactiveStringRedisTemplate redis, CouponProperties properties) {
		this.redis = redis;
		CouponProperties.Limits limits = properties.limits();
		this.limits = List.of(Long.toString(limits.userInterval().toMillis()), Integer.toString(limits.userBurst()),
				Long.toString(limits.addressInterval().toMillis()), Integer.toString(limits.addressBurst()));
	}

	/**
	 * Runs the script in the bucket {@code keys} (the user's) for {@code userId};
	 * {@code admitted} when the claim carries a valid waiting-room ticket for this user.
	 */
	Mono<IssueOutcome> claim(CampaignKeys keys, String userId, String address, UUID couponId, boolean admitted) {
		List<String> args = new ArrayList<>(7);
		args.add(userId);
		args.add(couponId.toString());
		args.addAll(CampaignId.isScratch(keys.campaignId()) ? NO_LIMITS : this.limits);
		args.add(admitted ? "1" : "0");
		return this.redis.execute(this.script, keys.claimKeys(userId, address), args)
			.next()
			.map((reply) -> outcome(reply, couponId));
	}

	private static IssueOutcome outcome(List<?> reply, UUID couponId) {
		int code = ((Number) reply.get(0)).intValue();
		return switch (code) {
			case 1 -> new IssueOutcome(Result.GRANTED, List.of(new Grant(couponId, ((Number) reply.get(1)).intValue(),
					((Number) reply.get(2)).intValue(), Instant.ofEpochMilli(((Number) reply.get(3)).longValue()))),
					(String) reply.get(4));
			case 0 -> IssueOutcome.of(Result.UNKNOWN_CAMPAIGN);
			case -1 -> new IssueOutcome(Result.ALREADY_ISSUED, Grant.parseAll((String) reply.get(1)), null);
			case -2 -> IssueOutcome.of(Result.NOT_STARTED);
			case -3 -> IssueOutcome.of(Result.ENDED);
			case -4 -> IssueOutcome.of(Result.SOLD_OUT);
			case -5 -> IssueOutcome.rateLimited(Duration.ofMillis(((Number) reply.get(1)).longValue()));
			case -6 -> IssueOutcome.of(Result.PAUSED);
			case -7 -> IssueOutcome.of(Result.NOT_ADMITTED);
			default -> throw new IllegalStateException("issue.lua returned unknown code " + code);
		};
	}

}
