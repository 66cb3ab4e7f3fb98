/**
 * The writer role: coupon events from Kafka into PostgreSQL in batches, refused records
 * into the conflict table and the DLT.
 */
package dev.coupongateway.writer;
