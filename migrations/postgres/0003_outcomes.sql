-- Outcomes for experiment analysis (`mintage analyze`, `GET /v1/campaigns/{id}/report`):
-- who was exposed to which arm of a campaign's experiment (the first exposure wins), the
-- orders users paid (once per order id) and the discount `coupon_redeemed` events gave.
-- Times are UTC milliseconds; money is integer fen.

CREATE TABLE exposures (
    campaign    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    experiment  TEXT NOT NULL,
    arm         TEXT NOT NULL,
    at          BIGINT NOT NULL,
    total_spend BIGINT NOT NULL,          -- user.total_spend at exposure (CUPED's covariate)
    fields      TEXT NOT NULL,            -- the user's fields then, a JSON object (`--by`)
    PRIMARY KEY (campaign, user_id)
);
CREATE INDEX exposures_user ON exposures (user_id);

CREATE TABLE orders (
    order_id TEXT PRIMARY KEY,
    user_id  TEXT NOT NULL,
    at       BIGINT NOT NULL,
    total    BIGINT NOT NULL,             -- what the buyer paid (GMV)
    shipping BIGINT,
    coupons  TEXT NOT NULL,               -- codes used, a JSON list
    items    TEXT NOT NULL                -- as the event wrote them (JSON)
);
CREATE INDEX orders_user ON orders (user_id, at);

CREATE TABLE redeemed_events (
    code     TEXT PRIMARY KEY,
    discount BIGINT,                     -- NULL: the event gave none (face value counts)
    at       BIGINT NOT NULL
);
