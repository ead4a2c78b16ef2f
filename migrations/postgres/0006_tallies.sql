-- Issue tallies: what a campaign issued under a cap (`at most 500 coupons per campaign`,
-- `at most 100 coupons per rule`: coupons) or a budget of a calendar period (`budget
-- ¥10_000 face value per day`, `per hour`: face value in fen). A row only grows: a
-- coupon that expires or is revoked gives no place back. A decision adds to a row only
-- while it stays within the limit (the guard), so two writers never pass it.
CREATE TABLE tallies (
    campaign TEXT NOT NULL,
    scope    TEXT NOT NULL,            -- campaign | rule/NAME | day/2026-11-11 | hour/2026-11-11T10+08:00
    used     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign, scope)
);
