/**
 * The {@code CouponIssued} event and its way through Kafka: the publisher (grants and the DLT), the
 * topics, the writer's lag and Kafka's health. Below the features that send and consume it, so the
 * claim path, the relay and the writer share it without importing each other.
 */
package dev.coupongateway.event;
