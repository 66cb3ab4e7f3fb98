-- A waiting room in front of a campaign: people join a line, are admitted at a steady rate, and claim
-- with the ticket they got on admission, within its time to live. Both NULL: no waiting room.
ALTER TABLE campaign ADD COLUMN waiting_admit_per_second integer CHECK (waiting_admit_per_second BETWEEN 1 AND 100000);
ALTER TABLE campaign ADD COLUMN waiting_ticket_ttl_ms integer CHECK (waiting_ticket_ttl_ms BETWEEN 1000 AND 3600000);
ALTER TABLE campaign ADD CHECK ((waiting_admit_per_second IS NULL) = (waiting_ticket_ttl_ms IS NULL));
