-- When each kept record's copy reached the DLT. A batch retried after a failed DLT send (or redelivered
-- after a crash) keeps, counts and dead-letters each refusal once: only records kept by this very
-- statement are new, and only those not yet dead-lettered are sent again.
ALTER TABLE coupon_conflict ADD COLUMN dead_lettered_at timestamptz;
UPDATE coupon_conflict SET dead_lettered_at = recorded_at;
