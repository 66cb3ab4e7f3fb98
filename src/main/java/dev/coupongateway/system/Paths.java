package dev.coupongateway.system;

/**
 * Every route's path, in one place: the routes declare them, and what matches paths by
 * hand (the edge security rules, the claim timer) and the tests read them from here.
 * {@code system} holds them because every feature and the edge sit above it;
 * {@link #anyId} turns a route into the matcher pattern for any id.
 */
public final class Paths {

	/** The campaigns' read side. */
	public static final String CAMPAIGNS = "/api/campaigns";

	public static final String CAMPAIGN = CAMPAIGNS + "/{id}";

	public static final String CAMPAIGN_STOCK = CAMPAIGN + "/stock";

	/** The live stock's Server-Sent Events. */
	public static final String STOCK_STREAM = CAMPAIGN_STOCK + "/stream";

	/** The claim. */
	public static final String COUPONS = CAMPAIGN + "/coupons";

	/** The caller's coupons of a campaign. */
	public static final String MY_COUPONS = COUPONS + "/mine";

	/** Joining the waiting room's line. */
	public static final String QUEUE = CAMPAIGN + "/queue";

	/** The line's Server-Sent Events. */
	public static final String QUEUE_STREAM = QUEUE + "/stream";

	/** How to say who you are here. */
	public static final String IDENTITY = "/api/identity";

	/** The admin API: create a campaign. */
	public static final String ADMIN_CAMPAIGNS = "/api/admin/campaigns";

	public static final String ADMIN_CAMPAIGN = ADMIN_CAMPAIGNS + "/{id}";

	public static final String RECONCILIATION = ADMIN_CAMPAIGN + "/reconciliation";

	public static final String PAUSE = ADMIN_CAMPAIGN + "/pause";

	public static final String RESUME = ADMIN_CAMPAIGN + "/resume";

	public static final String END = ADMIN_CAMPAIGN + "/end";

	public static final String WAITING_ROOM = ADMIN_CAMPAIGN + "/waiting-room";

	/** Everything under the admin API (a matcher pattern). */
	public static final String ADMIN_ANY = "/api/admin/**";

	/** Everything under the actuator's base path (a matcher pattern). */
	public static final String ACTUATOR_ANY = "/actuator/**";

	/** The API document. */
	public static final String API_DOCUMENT = "/v3/api-docs";

	private Paths() {
	}

	/**
	 * The route as a matcher pattern that takes any id: {@code *} where the route says
	 * {@code {id}}.
	 */
	public static String anyId(String route) {
		return route.replace("{id}", "*");
	}

	/** The route for one campaign: {@code /api/campaigns/demo/coupons}. */
	public static String of(String route, String campaignId) {
		return route.replace("{id}", campaignId);
	}

}
