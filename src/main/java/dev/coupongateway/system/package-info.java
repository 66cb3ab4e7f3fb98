/**
 * Shared wiring at the bottom of the arrows: settings, route paths, problem responses and
 * what a Redis failure means, the caller's identity and the edge security, the admin
 * token, the Lua scripts, the API document, periodic tasks. Kafka's wiring and
 * administration live in {@code event}.
 */
package dev.coupongateway.system;
