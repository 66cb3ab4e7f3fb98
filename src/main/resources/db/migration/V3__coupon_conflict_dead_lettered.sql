-- When each kept record's copy reached the DLT. A batch retried after a failed DLT send (or redelivered
-- after a crash) keeps, counts and dead-letters each refusal once: only records kept by this very
-- statement are new, and only those not yet dead-lettered are sent again.
-- Rows kept before this column existed stay NULL: their copy is sent again only if their own record is
-- delivered again, which is exactly when one may be owed.
ALTER TABLE coupon_conflict ADD COLUMN dead_lettered_at timestamptz;
