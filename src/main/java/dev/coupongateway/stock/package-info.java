/**
 * Live stock: one shared Redis-polling feed per watched campaign per instance, and the
 * Server-Sent Events stream that conflates it per subscriber.
 */
package dev.coupongateway.stock;
