package dev.coupongateway.system;

import org.springframework.http.HttpStatus;

/**
 * Every {@code code} a problem response can carry, each with the one status it is
 * answered with: the closed list the API document's {@code ProblemCode} enum must equal
 * ({@code ApiDocumentTests}), so a client generated from the document can switch on it.
 */
public enum ProblemCode {

	/** The request is malformed; {@code errors} says what is wrong. */
	INVALID_REQUEST(HttpStatus.BAD_REQUEST),

	/** No usable identity (user header, bearer token, admin token or line token). */
	UNAUTHENTICATED(HttpStatus.UNAUTHORIZED),

	/** A valid token without the admin scope ({@code jwt} mode). */
	FORBIDDEN(HttpStatus.FORBIDDEN),

	/** The campaign has a waiting room and the claim carries no valid ticket. */
	NOT_ADMITTED(HttpStatus.FORBIDDEN),

	/** No route has this path. */
	NOT_FOUND(HttpStatus.NOT_FOUND),

	/** No campaign with this id. */
	CAMPAIGN_NOT_FOUND(HttpStatus.NOT_FOUND),

	/** The path is known, the method is not ({@code Allow} says which are). */
	METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED),

	/** The client accepts nothing this route can send. */
	NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE),

	/**
	 * The caller holds as many coupons of the campaign as allowed ({@code couponIds}).
	 */
	ALREADY_ISSUED(HttpStatus.CONFLICT),

	/** A campaign with this id exists. */
	CAMPAIGN_EXISTS(HttpStatus.CONFLICT),

	/** The campaign has not started yet. */
	NOT_STARTED(HttpStatus.CONFLICT),

	/** The campaign has ended. */
	ENDED(HttpStatus.CONFLICT),

	/** The operator holds the campaign. */
	PAUSED(HttpStatus.CONFLICT),

	/** The campaign has no waiting room. */
	NO_WAITING_ROOM(HttpStatus.CONFLICT),

	/** The caller has no place in the campaign's line. */
	NOT_IN_LINE(HttpStatus.CONFLICT),

	/** Every coupon of the campaign is gone. */
	SOLD_OUT(HttpStatus.GONE),

	/** The request body is larger than the gateway reads. */
	PAYLOAD_TOO_LARGE(HttpStatus.PAYLOAD_TOO_LARGE),

	/** The body is not {@code application/json}. */
	UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE),

	/** Too many claims from this user or address ({@code Retry-After}). */
	RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS),

	/** A bug: retries will not help; the cause is logged, not sent. */
	INTERNAL(HttpStatus.INTERNAL_SERVER_ERROR),

	/**
	 * Redis or PostgreSQL did not answer, or said "not now"; nothing changed
	 * ({@code Retry-After}).
	 */
	UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE);

	private final HttpStatus status;

	ProblemCode(HttpStatus status) {
		this.status = status;
	}

	public HttpStatus status() {
		return this.status;
	}

}
