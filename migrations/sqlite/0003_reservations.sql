-- Reservations that expire: a coupon an order holds in reserve (`redeem` with the stage
-- `reserve`) is held until `reserved_until` (UTC milliseconds; NULL: until the order is
-- committed or rolled back). The ledger's tick releases reservations past it and marks
-- their redemption `expired`.

ALTER TABLE redemptions ADD COLUMN reserved_until INTEGER;
CREATE INDEX redemptions_reserved_until ON redemptions (reserved_until) WHERE status = 'reserved';
