/**
 * Campaigns: the admin API, the read side, and their state in PostgreSQL and Redis
 * (created, read, rebuilt after Redis lost it, reconciled).
 */
package dev.coupongateway.campaign;
