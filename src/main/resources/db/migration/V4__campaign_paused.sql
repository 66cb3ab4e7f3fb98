-- An operator may pause a campaign (claims answered 409 PAUSED) and resume it. Redis holds the flag for
-- the claim script; this column is what a rebuild of Redis restores it from.
ALTER TABLE campaign ADD COLUMN paused boolean NOT NULL DEFAULT false;
