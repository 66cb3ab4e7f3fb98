/**
 * The waiting room: a line in front of a campaign, decided in Redis, admitted at a steady
 * rate by one scheduler across instances, watched over Server-Sent Events; claims need
 * the signed ticket given on admission.
 */
package dev.coupongateway.waiting;
