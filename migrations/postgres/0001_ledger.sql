-- The ledger: decisions, coupons, budgets, per-user counters, timers, device sightings,
-- signals, redemptions and API keys. Times are UTC milliseconds; money is integer fen.

CREATE TABLE decisions (
    decision_id   TEXT PRIMARY KEY,
    event_id      TEXT NOT NULL,
    trigger       TEXT NOT NULL,          -- event | timer
    user_id       TEXT,
    at            BIGINT NOT NULL,
    rules_version TEXT NOT NULL,
    body          TEXT NOT NULL,          -- the decision in the contract's JSON form
    created_at    BIGINT NOT NULL
);
-- An event is decided once: a retry finds the first decision here.
CREATE UNIQUE INDEX decisions_event ON decisions (event_id) WHERE trigger = 'event';

CREATE TABLE coupons (
    code        TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    campaign    TEXT NOT NULL,
    rule        TEXT NOT NULL,
    arm         TEXT,
    decision_id TEXT NOT NULL REFERENCES decisions (decision_id),
    status      TEXT NOT NULL,            -- issued | reserved | redeemed | expired | revoked
    issued_at   BIGINT NOT NULL,
    valid_from  BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    face_value  BIGINT NOT NULL,
    terms       TEXT NOT NULL,            -- what redemption checks, exact units
    coupon      TEXT NOT NULL,            -- the contract's JSON form
    order_id    TEXT,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX coupons_user ON coupons (user_id, status);
-- `valid_until IS NOT NULL` is always true; it keeps this index to queries that compare
-- validity times (expiry, a wallet). Without it, a user's coupons (`user_id = … AND status
-- = 'issued'`, read by every decision with a plan made once per connection) can be
-- planned as a scan of every issued coupon whenever that plan is made on a table not
-- analyzed yet, where both indexes look alike.
CREATE INDEX coupons_expiry ON coupons (valid_until) WHERE status = 'issued' AND valid_until IS NOT NULL;
CREATE INDEX coupons_campaign ON coupons (campaign, status);
CREATE INDEX coupons_order ON coupons (order_id) WHERE order_id IS NOT NULL;

-- reserved: face value of coupons issued, reserved or redeemed; spent: of redeemed ones.
CREATE TABLE budgets (
    campaign TEXT PRIMARY KEY,
    reserved BIGINT NOT NULL DEFAULT 0,
    spent    BIGINT NOT NULL DEFAULT 0
);

-- Once-per counters and issue times (for velocity) of a user, as one JSON document.
CREATE TABLE users (
    user_id    TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE timers (
    id          BIGSERIAL PRIMARY KEY,
    user_id     TEXT NOT NULL,
    rule        TEXT NOT NULL,            -- campaign/rule
    due         BIGINT NOT NULL,
    event       TEXT NOT NULL,            -- the JSON of the event that started it
    holdout     BOOLEAN NOT NULL,
    arm         TEXT,
    limit_key   TEXT NOT NULL,
    limit_until BIGINT NOT NULL
);
CREATE INDEX timers_due ON timers (due);
CREATE INDEX timers_user ON timers (user_id);

CREATE TABLE devices (
    device_id TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (device_id, user_id)
);
CREATE INDEX devices_seen ON devices (last_seen);

CREATE TABLE signals (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    at    BIGINT NOT NULL,
    PRIMARY KEY (name, key)
);

CREATE TABLE redemptions (
    order_id   TEXT NOT NULL,
    code       TEXT NOT NULL,
    buyer_id   TEXT NOT NULL,
    status     TEXT NOT NULL,             -- reserved | committed | rolled_back
    discount   BIGINT NOT NULL,
    platform   BIGINT NOT NULL,
    seller     BIGINT NOT NULL,
    response   TEXT NOT NULL,             -- the answer given, for retries
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (order_id, code)
);

CREATE TABLE api_keys (
    id         TEXT PRIMARY KEY,
    digest     TEXT NOT NULL UNIQUE,      -- SHA-256 of the key, hex
    scopes     TEXT NOT NULL,             -- comma-separated
    label      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
