-- Records the writer could not store: unreadable events, and events the database's guards refused
-- (outside the stock or the per-user limit, a number or user slot already taken, an unknown campaign).
-- Nothing is dropped silently: each is kept here and sent to the DLT.
CREATE TABLE coupon_conflict (
    id          bigserial   PRIMARY KEY,
    coupon_id   uuid,
    campaign_id text,
    user_id     text,
    sequence    integer,
    user_slot   integer,
    issued_at   timestamptz,
    reason      text        NOT NULL,
    payload     text,
    source      text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);

-- one row per refused coupon, and one per Kafka record, however often either is delivered
CREATE UNIQUE INDEX coupon_conflict_coupon_id ON coupon_conflict (coupon_id) WHERE coupon_id IS NOT NULL;
CREATE UNIQUE INDEX coupon_conflict_source ON coupon_conflict (source);
CREATE INDEX coupon_conflict_campaign ON coupon_conflict (campaign_id);
