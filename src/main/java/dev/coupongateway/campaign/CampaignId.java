package dev.coupongateway.campaign;

import java.util.List;
import java.util.regex.Pattern;

import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;

import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * A campaign's id, {@code [a-z0-9][a-z0-9-]{0,63}}: checked once, where it enters (a
 * route's path, a new campaign's body), so whatever holds one holds a valid id.
 *
 * @param value the id
 */
public record CampaignId(String value) {

	private static final Pattern PATTERN = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

	/** What a 400 says of an id that is not one. */
	static final String RULE = "id: must match " + PATTERN.pattern();

	/** A 400 problem ({@code INVALID_REQUEST}) when the value cannot be a campaign id. */
	public CampaignId {
		if (!isValid(value)) {
			throw new ProblemException(Problem.invalid(List.of(RULE)));
		}
	}

	/** The id in a route's {@code {id}}. */
	public static CampaignId fromPath(ServerRequest request) {
		return new CampaignId(request.pathVariable("id"));
	}

	static boolean isValid(String value) {
		return value != null && PATTERN.matcher(value).matches();
	}

	@Override
	public String toString() {
		return this.value;
	}

}
