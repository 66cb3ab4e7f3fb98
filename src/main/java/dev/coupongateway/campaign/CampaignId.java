package dev.coupongateway.campaign;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;

import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * A campaign's id, {@code [a-z0-9][a-z0-9-]{0,63}}: checked once, where it enters (a
 * route's path, a new campaign's body), so whatever holds one holds a valid id.
 * <p>
 * Besides, a <em>scratch</em> id, {@code _warmup-} and 32 hex digits: the claim-path
 * warm-up's own campaign ({@code issue/ClaimPathWarmup}). It starts with {@code _}, which
 * no campaign id may hold, so no operator can create one, no campaign's keys share its
 * Redis hash tag, and no row of PostgreSQL can ever name it. Only the claim route takes
 * one ({@link #forClaim}); every other route answers 400 to it, as to any id that is not
 * one.
 *
 * @param value the id
 */
public record CampaignId(String value) {

	private static final Pattern PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

	private static final String SCRATCH_PREFIX = "_warmup-";

	private static final Pattern SCRATCH = Pattern.compile(SCRATCH_PREFIX + "[0-9a-f]{32}");

	/** What a 400 says of an id that is not one. */
	static final String RULE = "id: must match " + PATTERN.pattern();

	/** A 400 problem ({@code INVALID_REQUEST}) when the value cannot be a campaign id. */
	public CampaignId {
		if (!isValid(value) && !isScratch(value)) {
			throw invalid();
		}
	}

	/** The id in a route's {@code {id}}; never a scratch id. */
	public static CampaignId fromPath(ServerRequest request) {
		CampaignId id = forClaim(request);
		if (isScratch(id.value)) {
			throw invalid();
		}
		return id;
	}

	/**
	 * The id in the claim route's {@code {id}}: a campaign's, or a scratch id (a claim
	 * for one no warm-up is running on is a 404, answered without a store).
	 */
	public static CampaignId forClaim(ServerRequest request) {
		return new CampaignId(request.pathVariable("id"));
	}

	/** A new scratch id, unguessable: one warm-up's campaign. */
	public static CampaignId scratch() {
		return new CampaignId(SCRATCH_PREFIX + UUID.randomUUID().toString().replace("-", ""));
	}

	/**
	 * Whether the id is a scratch id (cheap for a campaign's id: it fails on the first
	 * character).
	 */
	public static boolean isScratch(String value) {
		return value != null && value.startsWith(SCRATCH_PREFIX) && SCRATCH.matcher(value).matches();
	}

	private static ProblemException invalid() {
		return new ProblemException(Problem.invalid(List.of(RULE)));
	}

	static boolean isValid(String value) {
		return value != null && PATTERN.matcher(value).matches();
	}

	@Override
	public String toString() {
		return this.value;
	}

}
