/**
 * The {@code CouponIssued} event and its way through Kafka: the publisher (grants and the
 * DLT), the topics, the Kafka clients' settings and their admin client, the writer's lag
 * and Kafka's health. Below the features that send and consume it: the claim path and the
 * relay send it, the writer consumes it, and the writer imports neither of them (the
 * relay does import the claim path, one way, for the outbox it drains).
 */
package dev.coupongateway.event;
