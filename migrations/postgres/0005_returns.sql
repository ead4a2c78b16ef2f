-- Returns: each return of a paid order's lines (`POST /v1/orders/{id}/return`), kept by
-- the id the caller gives it so that a retry answers the same. `lines` is the request
-- as the ledger read it (line ids and quantities, JSON); `answer` the answer given. What
-- each coupon gives back follows from the order's returns so far and from the
-- allocation kept with each redemption (its `response`).

CREATE TABLE order_returns (
    order_id   TEXT NOT NULL,
    return_id  TEXT NOT NULL,
    lines      TEXT NOT NULL,
    answer     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (order_id, return_id)
);
