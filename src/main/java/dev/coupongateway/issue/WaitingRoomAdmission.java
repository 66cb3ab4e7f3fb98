package dev.coupongateway.issue;

import dev.coupongateway.waiting.Tickets;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

/**
 * Whether a claim carries a ticket admitting its user to the campaign's waiting room now.
 * Whether the campaign has a waiting room is the script's to say (from Redis, as the
 * operator last set it).
 */
@Component
class WaitingRoomAdmission {

	private final Tickets tickets;

	WaitingRoomAdmission(Tickets tickets) {
		this.tickets = tickets;
	}

	Mono<Boolean> admitted(String campaignId, String userId, String ticket) {
		return (ticket == null) ? Mono.just(false) : this.tickets.admits(ticket, campaignId, userId);
	}

}
