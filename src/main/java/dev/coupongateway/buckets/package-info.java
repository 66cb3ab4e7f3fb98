/**
 * Buckets: the stock of a campaign split over several Redis slots ({@code buckets} on
 * creation), so a hot campaign's claims spread over shards. Writes every bucket whole on
 * creation and rebuild ({@code scripts/freeze.lua}, {@code scripts/bucket.lua}), refills
 * a user's bucket that ran dry from the fullest one ({@code scripts/move.lua},
 * {@code scripts/holding.lua}), and sweeps moves a crash left half done. Imports
 * {@code campaign} (the campaign, its keys, its stored coupons) and {@code system}; the
 * claim path ({@code issue}) imports it. {@code campaign} knows it only as
 * {@link dev.coupongateway.campaign.BucketsWriter}.
 */
package dev.coupongateway.buckets;
