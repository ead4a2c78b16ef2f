-- A budget change with its guard, as one call that fails when the guard does not hold:
-- the reserved total may grow only while it stays within the limit (a release or a
-- spend always passes). The failure is a serialization failure (SQLSTATE 40001), which
-- the ledger takes as a conflict and retries on fresh state. Being one statement that
-- either succeeds or aborts the transaction, it can travel with the COMMIT, so the
-- campaign's budget row, which every issuing decision updates, stays locked for one
-- round trip's server time instead of two round trips.
CREATE FUNCTION mintage_budget(campaign_id TEXT, delta_reserved BIGINT, delta_spent BIGINT, budget_limit BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO budgets AS b (campaign, reserved, spent)
    SELECT campaign_id, delta_reserved, delta_spent
    WHERE budget_limit IS NULL OR delta_reserved <= 0 OR delta_reserved <= budget_limit
    ON CONFLICT (campaign) DO UPDATE
        SET reserved = b.reserved + excluded.reserved, spent = b.spent + excluded.spent
        WHERE budget_limit IS NULL OR excluded.reserved <= 0 OR b.reserved + excluded.reserved <= budget_limit;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'budget of `%` taken meanwhile', campaign_id USING ERRCODE = 'serialization_failure';
    END IF;
END
$$;
