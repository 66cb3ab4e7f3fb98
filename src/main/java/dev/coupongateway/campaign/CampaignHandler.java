package dev.coupongateway.campaign;

import java.net.URI;
import java.util.List;

import dev.coupongateway.system.Paths;
import dev.coupongateway.system.Problem;
import dev.coupongateway.system.ProblemException;
import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/** HTTP handlers of the campaign routes. */
@Component
class CampaignHandler {

	private final CampaignService campaigns;

	CampaignHandler(CampaignService campaigns) {
		this.campaigns = campaigns;
	}

	Mono<ServerResponse> create(ServerRequest request) {
		return request.bodyToMono(NewCampaign.class)
			.switchIfEmpty(Mono.error(() -> new ProblemException(Problem.invalid(List.of("body: required")))))
			.flatMap((body) -> {
				List<String> errors = body.errors();
				if (!errors.isEmpty()) {
					return Mono.error(new ProblemException(Problem.invalid(errors)));
				}
				return this.campaigns.create(body.toCampaign());
			})
			.flatMap((campaign) -> this.campaigns.view(campaign.id()))
			.flatMap((view) -> ServerResponse.created(URI.create(Paths.of(Paths.CAMPAIGN, view.id()))).bodyValue(view));
	}

	Mono<ServerResponse> list(ServerRequest request) {
		return this.campaigns.recent(100).collectList().flatMap((views) -> ServerResponse.ok().bodyValue(views));
	}

	Mono<ServerResponse> show(ServerRequest request) {
		return this.campaigns.view(campaignId(request)).flatMap((view) -> ServerResponse.ok().bodyValue(view));
	}

	Mono<ServerResponse> stock(ServerRequest request) {
		return this.campaigns.view(campaignId(request)).flatMap((view) -> ServerResponse.ok().bodyValue(view.stock()));
	}

	Mono<ServerResponse> pause(ServerRequest request) {
		return this.campaigns.pause(campaignId(request), true).flatMap((view) -> ServerResponse.ok().bodyValue(view));
	}

	Mono<ServerResponse> resume(ServerRequest request) {
		return this.campaigns.pause(campaignId(request), false).flatMap((view) -> ServerResponse.ok().bodyValue(view));
	}

	Mono<ServerResponse> end(ServerRequest request) {
		return this.campaigns.end(campaignId(request)).flatMap((view) -> ServerResponse.ok().bodyValue(view));
	}

	Mono<ServerResponse> setWaitingRoom(ServerRequest request) {
		String campaignId = campaignId(request);
		return request.bodyToMono(NewWaitingRoom.class)
			.switchIfEmpty(Mono.error(() -> new ProblemException(Problem.invalid(List.of("body: required")))))
			.flatMap((body) -> {
				List<String> errors = body.errors("");
				if (!errors.isEmpty()) {
					return Mono.error(new ProblemException(Problem.invalid(errors)));
				}
				return this.campaigns.waitingRoom(campaignId, body.toWaitingRoom());
			})
			.flatMap((view) -> ServerResponse.ok().bodyValue(view));
	}

	Mono<ServerResponse> removeWaitingRoom(ServerRequest request) {
		return this.campaigns.waitingRoom(campaignId(request), null)
			.flatMap((view) -> ServerResponse.ok().bodyValue(view));
	}

	Mono<ServerResponse> reconciliation(ServerRequest request) {
		return this.campaigns.reconcile(campaignId(request)).flatMap((report) -> ServerResponse.ok().bodyValue(report));
	}

	static String campaignId(ServerRequest request) {
		return CampaignId.fromPath(request).value();
	}

}
