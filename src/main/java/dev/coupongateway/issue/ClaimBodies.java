package dev.coupongateway.issue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.coupongateway.campaign.Grant;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemCode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The two bodies of a spike that differ per caller, written by hand: the grant (201/202)
 * and the already-issued problem (409). Through the generic encoder each took content
 * negotiation, a serializer look-up and reflection on every claim. The JSON is the same
 * as Jackson's: the same members in the same order; the user id, the one member a client
 * chooses, is escaped as JSON requires.
 */
final class ClaimBodies {

	private static final Problem ALREADY_ISSUED = Problem.of(ProblemCode.ALREADY_ISSUED,
			"You hold as many coupons of this campaign as allowed.");

	private static final String HEX = "0123456789ABCDEF";

	private final JsonMapper json;

	/**
	 * The already-issued problem up to its coupon ids, per campaign (its instance names
	 * the campaign).
	 */
	private final Cache<String, String> alreadyIssued = Caffeine.newBuilder().maximumSize(10_000).build();

	ClaimBodies(JsonMapper json) {
		this.json = json;
	}

	/** The grant as {@link CouponView}'s JSON. */
	static byte[] grant(CouponView coupon) {
		StringBuilder body = new StringBuilder(192);
		body.append("{\"couponId\":\"").append(coupon.couponId()).append("\",\"campaignId\":\"");
		escaped(body, coupon.campaignId());
		body.append("\",\"userId\":\"");
		escaped(body, coupon.userId());
		body.append("\",\"sequence\":")
			.append(coupon.sequence())
			.append(",\"issuedAt\":\"")
			.append(coupon.issuedAt())
			.append("\",\"state\":\"")
			.append(coupon.state().name())
			.append("\"}");
		return body.toString().getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * The already-issued problem listing {@code grants}' coupon ids; {@code instance} is
	 * the campaign's claim path.
	 */
	byte[] alreadyIssued(String campaignId, URI instance, List<Grant> grants) {
		String head = this.alreadyIssued.get(campaignId, (id) -> {
			String whole = new String(this.json.writeValueAsBytes(ALREADY_ISSUED.toMap(instance)),
					StandardCharsets.UTF_8);
			// the rendered problem without its closing brace: the coupon ids follow
			return whole.substring(0, whole.length() - 1) + ",\"couponIds\":[";
		});
		StringBuilder body = new StringBuilder(head.length() + 40 * grants.size() + 2).append(head);
		for (int i = 0; i < grants.size(); i++) {
			body.append((i == 0) ? "\"" : ",\"").append(grants.get(i).couponId()).append('"');
		}
		return body.append("]}").toString().getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * {@code value} as the inside of a JSON string: quote, backslash and control
	 * characters escaped (RFC 8259), as Jackson escapes them.
	 */
	static void escaped(StringBuilder body, String value) {
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> body.append("\\\"");
				case '\\' -> body.append("\\\\");
				case '\n' -> body.append("\\n");
				case '\r' -> body.append("\\r");
				case '\t' -> body.append("\\t");
				case '\b' -> body.append("\\b");
				case '\f' -> body.append("\\f");
				default -> {
					if (c < 0x20) {
						body.append("\\u00").append(HEX.charAt(c >> 4)).append(HEX.charAt(c & 15));
					}
					else {
						body.append(c);
					}
				}
			}
		}
	}

}
