-- The console reads a user's latest decisions, and a campaign's decisions of the last
-- hours (for its suppressions): both by index.
CREATE INDEX decisions_user ON decisions (user_id, at);
CREATE INDEX decisions_at ON decisions (at);
CREATE INDEX coupons_campaign_issued ON coupons (campaign, issued_at);
