/**
 * Shared wiring: settings, problem responses, the caller's identity, the admin token, Kafka administration, periodic tasks.
 */
package dev.coupongateway.system;
