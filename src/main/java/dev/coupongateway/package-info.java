/**
 * The coupon gateway: first-come-first-served coupons decided in Redis, delivered through
 * Kafka, stored in PostgreSQL, with live stock over Server-Sent Events.
 */
package dev.coupongateway;
