/**
 * Claims: the routes, {@code issue.lua} (where the cap is checked), the send of each
 * grant to Kafka, and the caller's coupons.
 */
package dev.coupongateway.issue;
