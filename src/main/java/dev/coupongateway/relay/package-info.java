/**
 * The outbox relay: Redis to Kafka for grants whose send was not acknowledged, so that every grant
 * reaches Kafka even when the instance that made it died or Kafka was away.
 */
package dev.coupongateway.relay;
