/**
 * The outbox relay: Redis to Kafka for grants whose send was not acknowledged, so that
 * every grant reaches Kafka even when the instance that made it died or Kafka was away.
 * It sits above the claim path and reads the outbox the claim path writes; the claim path
 * does not know it.
 */
package dev.coupongateway.relay;
