-- Campaigns and their coupons. PostgreSQL is the last guard of the cap: whatever Redis says, a coupon
-- row exists only inside its campaign's stock and per-user limit, once per number and per user slot.

CREATE TABLE campaign (
    id             text        PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    total_stock    integer     NOT NULL CHECK (total_stock BETWEEN 1 AND 10000000),
    per_user_limit integer     NOT NULL DEFAULT 1 CHECK (per_user_limit BETWEEN 1 AND 100),
    starts_at      timestamptz,
    ends_at        timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
);

CREATE TABLE coupon (
    coupon_id   uuid        PRIMARY KEY,
    campaign_id text        NOT NULL REFERENCES campaign (id),
    user_id     text        NOT NULL CHECK (length(user_id) BETWEEN 1 AND 64),
    sequence    integer     NOT NULL CHECK (sequence >= 1),
    user_slot   integer     NOT NULL CHECK (user_slot >= 1),
    issued_at   timestamptz NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campaign_id, sequence),
    UNIQUE (campaign_id, user_id, user_slot)
);

-- The upper bounds live in campaign, so a CHECK cannot see them: a trigger refuses the row instead.
CREATE FUNCTION coupon_within_campaign() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM campaign c
                   WHERE c.id = NEW.campaign_id
                     AND NEW.sequence <= c.total_stock
                     AND NEW.user_slot <= c.per_user_limit) THEN
        RAISE EXCEPTION 'coupon % of campaign % is outside its stock or per-user limit (sequence %, user slot %)',
            NEW.coupon_id, NEW.campaign_id, NEW.sequence, NEW.user_slot
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER coupon_within_campaign BEFORE INSERT ON coupon
    FOR EACH ROW EXECUTE FUNCTION coupon_within_campaign();
