-- The version of a campaign's operator controls (pause, end, waiting room): raised by every change, so
-- Redis keeps the newest one whichever write arrives last (a rebuild that read an older row cannot undo
-- an operator's decision).
ALTER TABLE campaign ADD COLUMN version bigint NOT NULL DEFAULT 1;
