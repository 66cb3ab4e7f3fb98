package dev.coupongateway.campaign;

import java.time.Instant;

import dev.coupongateway.campaign.Campaign.Status;

/** A campaign as {@code GET /api/campaigns/{id}} shows it, with its stock now. */
public record CampaignView(String id, String name, int totalStock, int perUserLimit, int buckets,
		Campaign.WaitingRoom waitingRoom, Instant startsAt, Instant endsAt, long issued, long remaining,
		Status status) {

	static CampaignView of(Campaign campaign, long issued, Status status) {
		return new CampaignView(campaign.id(), campaign.name(), campaign.totalStock(), campaign.perUserLimit(),
				campaign.buckets(), campaign.waitingRoom(), campaign.startsAt(), campaign.endsAt(), issued,
				Math.max(0, campaign.totalStock() - issued), status);
	}

	public Stock stock() {
		return new Stock(this.id, this.totalStock, this.issued, this.remaining);
	}

	/** Sold out or ended: nothing more will change. */
	public boolean finished() {
		return this.status == Status.SOLD_OUT || this.status == Status.ENDED;
	}

	/** The stock of a campaign, as {@code /stock} and the stock stream show it. */
	public record Stock(String campaignId, long total, long issued, long remaining) {
	}

}
