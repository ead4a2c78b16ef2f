//! The statements the PostgreSQL backend runs, prepared once per connection (and planned
//! once: sessions use generic plans). Writes are one plain statement per row: cheaper for
//! the server than one statement that writes every table, since a decision mostly writes
//! a row or two.

/// A statement the backend prepares on a connection the first time it is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Q {
    DecisionByEvent,
    LoadUser,
    LoadDevice,
    LoadSignals,
    LoadBudgets,
    LoadTallies,
    AllTallies,
    IssuedByRule,
    Tally,
    InsertDecision,
    InsertCoupon,
    UpsertUser,
    DeleteTimer,
    InsertTimer,
    UpsertDevice,
    UpsertSignal,
    Budget,
    DueUsers,
    NextDue,
    ExpireCoupons,
    PruneDevices,
    Coupon,
    CouponForUpdate,
    SetCouponStatus,
    OrderRedemptions,
    PutRedemption,
    LapsedReservations,
    OrderReturns,
    InsertReturn,
    Wallet,
    CouponsByStatusArm,
    CampaignBudget,
    DiscountGiven,
    InsertKey,
    KeyScopes,
    KeyCount,
    BudgetAudit,
    RepeatedCoupons,
    Totals,
    ExposedCampaigns,
    InsertExposure,
    InsertOrder,
    InsertRedeemed,
    ExposuresOf,
    AttributedOrders,
    CouponsOf,
    DecisionsOf,
    ActivityIssued,
    ActivityRedeemed,
    ActivityDecisions,
    UserDecisions,
}

/// How many statements there are (the size of a connection's cache): the last variant's
/// number and one. (A test holds it to the enum.)
pub const COUNT: usize = Q::UserDecisions as usize + 1;

impl Q {
    /// Whether the statement reads the `budgets` table, so budget changes held back for
    /// the commit must be sent before it.
    pub fn reads_budgets(self) -> bool {
        matches!(
            self,
            Q::LoadUser | Q::LoadBudgets | Q::Budget | Q::CampaignBudget | Q::BudgetAudit
        )
    }

    pub fn sql(self) -> &'static str {
        match self {
            Q::ExposedCampaigns => "SELECT campaign FROM exposures WHERE user_id = $1",
            Q::InsertExposure => {
                "INSERT INTO exposures (campaign, user_id, experiment, arm, at, total_spend, fields) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (campaign, user_id) DO NOTHING"
            }
            Q::InsertOrder => {
                "INSERT INTO orders (order_id, user_id, at, total, shipping, coupons, items) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (order_id) DO NOTHING"
            }
            Q::InsertRedeemed => {
                "INSERT INTO redeemed_events (code, discount, at) VALUES ($1, $2, $3) \
                 ON CONFLICT (code) DO NOTHING"
            }
            Q::ExposuresOf => {
                "SELECT campaign, experiment, arm, user_id, at, total_spend, fields FROM exposures \
                 WHERE campaign = $1 ORDER BY at, user_id"
            }
            Q::AttributedOrders => {
                "SELECT o.order_id, o.user_id, o.at, o.total, o.shipping, o.coupons, o.items \
                 FROM exposures e JOIN orders o ON o.user_id = e.user_id \
                 WHERE e.campaign = $1 AND o.at >= e.at AND o.at < e.at + $2 ORDER BY o.at, o.order_id"
            }
            Q::ActivityIssued => "SELECT issued_at FROM coupons WHERE campaign = $1 AND issued_at >= $2",
            Q::ActivityRedeemed => {
                "SELECT r.updated_at, r.discount FROM redemptions r JOIN coupons c ON c.code = r.code \
                 WHERE c.campaign = $1 AND r.status = 'committed' AND r.updated_at >= $2 \
                 UNION ALL SELECT e.at, COALESCE(e.discount, c.face_value) FROM redeemed_events e \
                 JOIN coupons c ON c.code = e.code WHERE c.campaign = $1 AND e.at >= $2"
            }
            Q::ActivityDecisions => {
                "SELECT at, body FROM decisions WHERE at >= $1 AND body LIKE '%\"suppressed\":[{%' ORDER BY at"
            }
            Q::UserDecisions => {
                "SELECT decision_id, rules_version, body FROM decisions WHERE user_id = $1 \
                 ORDER BY at DESC, created_at DESC LIMIT $2"
            }
            Q::DecisionsOf => {
                "SELECT d.body FROM exposures e JOIN decisions d ON d.user_id = e.user_id \
                 WHERE e.campaign = $1 ORDER BY d.at, d.decision_id"
            }
            Q::CouponsOf => {
                "SELECT c.code, c.user_id, c.arm, c.face_value, c.status, \
                 COALESCE((SELECT SUM(r.discount)::BIGINT FROM redemptions r WHERE r.code = c.code AND r.status = 'committed'), \
                          (SELECT d.discount FROM redeemed_events d WHERE d.code = c.code)) \
                 FROM coupons c WHERE c.campaign = $1 ORDER BY c.code"
            }
            Q::DecisionByEvent => {
                "SELECT decision_id, rules_version, body FROM decisions WHERE event_id = $1 AND trigger = 'event'"
            }
            Q::LoadUser => LOAD_USER,
            Q::LoadDevice => "SELECT user_id, last_seen FROM devices WHERE device_id = $1 AND last_seen >= $2",
            Q::LoadSignals => "SELECT name, key, value FROM signals",
            Q::LoadBudgets => "SELECT campaign, reserved, spent FROM budgets",
            Q::InsertDecision => {
                "INSERT INTO decisions (decision_id, event_id, trigger, user_id, at, rules_version, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            }
            Q::InsertCoupon => {
                "INSERT INTO coupons (code, user_id, campaign, rule, arm, decision_id, status, issued_at, valid_from, \
                 valid_until, face_value, terms, coupon, order_id, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
            }
            Q::UpsertUser => {
                "INSERT INTO users (user_id, state, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
            }
            Q::DeleteTimer => "DELETE FROM timers WHERE id = $1",
            Q::InsertTimer => {
                "INSERT INTO timers (user_id, rule, due, event, holdout, arm, limit_key, limit_until) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            }
            Q::UpsertDevice => {
                "INSERT INTO devices (device_id, user_id, last_seen) VALUES ($1, $2, $3) \
                 ON CONFLICT (device_id, user_id) DO UPDATE \
                 SET last_seen = GREATEST(devices.last_seen, excluded.last_seen)"
            }
            Q::UpsertSignal => {
                "INSERT INTO signals (name, key, value, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (name, key) DO UPDATE SET value = excluded.value, at = excluded.at"
            }
            // The guard is in the function (migration 2), which fails with SQLSTATE 40001.
            Q::Budget => "SELECT mintage_budget($1, $2::int8, $3::int8, $4::int8)",
            Q::LoadTallies => {
                "SELECT campaign, scope, used FROM tallies \
                 WHERE (campaign, scope) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
            }
            Q::IssuedByRule => {
                "SELECT campaign, 'rule/' || rule, COUNT(*) FROM coupons GROUP BY campaign, rule ORDER BY campaign, rule"
            }
            Q::AllTallies => "SELECT campaign, scope, used FROM tallies ORDER BY campaign, scope",
            // The guard: a tally grows only while it stays within its limit ($4). At READ
            // COMMITTED the `WHERE` is checked again on the row a concurrent commit left.
            Q::Tally => {
                "INSERT INTO tallies AS t (campaign, scope, used) SELECT $1, $2, $3::int8 WHERE $3::int8 <= $4::int8 \
                 ON CONFLICT (campaign, scope) DO UPDATE SET used = t.used + excluded.used \
                 WHERE t.used + excluded.used <= $4::int8"
            }
            Q::DueUsers => "SELECT user_id FROM timers WHERE due <= $1 GROUP BY user_id ORDER BY MIN(due) LIMIT $2",
            Q::NextDue => {
                "SELECT MIN(m) FROM (SELECT MIN(due) AS m FROM timers UNION ALL SELECT MIN(valid_until) FROM coupons WHERE status = 'issued' \
                 UNION ALL SELECT MIN(reserved_until) FROM redemptions WHERE status = 'reserved') AS due"
            }
            // Rows another instance is expiring are skipped, not waited for.
            Q::ExpireCoupons => {
                "UPDATE coupons SET status = 'expired', updated_at = $1 WHERE code IN \
                 (SELECT code FROM coupons WHERE status = 'issued' AND valid_until <= $1 \
                  LIMIT $2 FOR UPDATE SKIP LOCKED) AND status = 'issued' \
                 RETURNING campaign, face_value"
            }
            Q::PruneDevices => "DELETE FROM devices WHERE last_seen < $1",
            Q::Coupon => COUPON,
            Q::CouponForUpdate => COUPON_FOR_UPDATE,
            Q::SetCouponStatus => {
                "UPDATE coupons SET status = $3, order_id = COALESCE($4, order_id), updated_at = $5 \
                 WHERE code = $1 AND status = $2"
            }
            Q::OrderRedemptions => {
                "SELECT order_id, code, buyer_id, status, discount, platform, seller, response, reserved_until FROM redemptions \
                 WHERE order_id = $1 ORDER BY created_at, code"
            }
            Q::PutRedemption => {
                "INSERT INTO redemptions (order_id, code, buyer_id, status, discount, platform, seller, response, \
                 created_at, updated_at, reserved_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) \
                 ON CONFLICT (order_id, code) DO UPDATE SET status = excluded.status, discount = excluded.discount, \
                 platform = excluded.platform, seller = excluded.seller, response = excluded.response, \
                 updated_at = excluded.updated_at, reserved_until = excluded.reserved_until"
            }
            Q::LapsedReservations => {
                "SELECT order_id, code, buyer_id, status, discount, platform, seller, response, reserved_until FROM redemptions \
                 WHERE status = 'reserved' AND reserved_until <= $1 ORDER BY reserved_until, order_id, code LIMIT $2"
            }
            Q::OrderReturns => {
                "SELECT order_id, return_id, lines, answer, created_at FROM order_returns WHERE order_id = $1 \
                 ORDER BY created_at, return_id"
            }
            Q::InsertReturn => {
                "INSERT INTO order_returns (order_id, return_id, lines, answer, created_at) VALUES ($1, $2, $3, $4, $5)"
            }
            Q::Wallet => WALLET,
            Q::CouponsByStatusArm => {
                "SELECT status, arm, COUNT(*) FROM coupons WHERE campaign = $1 GROUP BY status, arm"
            }
            Q::CampaignBudget => "SELECT campaign, reserved, spent FROM budgets WHERE campaign = $1",
            Q::DiscountGiven => {
                "SELECT COALESCE(SUM(r.discount), 0)::int8 FROM redemptions r JOIN coupons c ON c.code = r.code \
                 WHERE c.campaign = $1 AND r.status = 'committed'"
            }
            Q::InsertKey => "INSERT INTO api_keys (id, digest, scopes, label, created_at) VALUES ($1, $2, $3, $4, $5)",
            Q::KeyScopes => "SELECT scopes FROM api_keys WHERE digest = $1 AND revoked_at IS NULL",
            Q::KeyCount => "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL",
            Q::BudgetAudit => {
                "SELECT b.campaign, b.reserved, b.spent, \
                 COALESCE((SELECT SUM(face_value) FROM coupons c WHERE c.campaign = b.campaign \
                   AND c.status IN ('issued', 'reserved', 'redeemed')), 0)::int8, \
                 COALESCE((SELECT SUM(face_value) FROM coupons c WHERE c.campaign = b.campaign \
                   AND c.status = 'redeemed'), 0)::int8 \
                 FROM budgets b ORDER BY b.campaign"
            }
            Q::RepeatedCoupons => {
                "SELECT user_id, campaign, rule, COUNT(*) FROM coupons GROUP BY user_id, campaign, rule \
                 HAVING COUNT(*) > 1"
            }
            Q::Totals => {
                "SELECT (SELECT COUNT(*) FROM coupons), (SELECT COUNT(*) FROM decisions), \
                 (SELECT COUNT(*) FROM (SELECT event_id FROM decisions WHERE trigger = 'event' \
                  GROUP BY event_id HAVING COUNT(*) > 1) d), \
                 (SELECT COUNT(*) FROM redemptions WHERE discount < 0 OR platform < 0 OR seller < 0 \
                  OR platform + seller <> discount)"
            }
        }
    }
}

const COUPON: &str = "SELECT code, user_id, campaign, rule, arm, decision_id, status, issued_at, valid_from, \
     valid_until, face_value, terms, coupon, order_id FROM coupons WHERE code = $1";

const COUPON_FOR_UPDATE: &str = "SELECT code, user_id, campaign, rule, arm, decision_id, status, issued_at, \
     valid_from, valid_until, face_value, terms, coupon, order_id FROM coupons WHERE code = $1 FOR UPDATE";

const WALLET: &str = "SELECT code, user_id, campaign, rule, arm, decision_id, status, issued_at, valid_from, \
     valid_until, face_value, terms, coupon, order_id FROM coupons WHERE user_id = $1 AND status = 'issued' \
     AND valid_from <= $2 AND valid_until > $2 ORDER BY valid_until, code";

/// A user's working set in one round trip: their state document, their `issued` coupons
/// and their timers, with the budgets and signals every decision reads right after. Each
/// table comes back as one row of parallel arrays (one aggregate pass, so the arrays line
/// up); the caller orders them.
const LOAD_USER: &str = "SELECT (SELECT state FROM users WHERE user_id = $1), \
     c.code, c.campaign, c.rule, c.arm, c.decision_id, c.issued_at, c.valid_from, c.valid_until, \
     c.face_value, c.terms, c.coupon, c.order_id, \
     t.id, t.rule, t.due, t.event, t.holdout, t.arm, t.limit_key, t.limit_until, \
     b.campaign, b.reserved, b.spent, \
     s.name, s.key, s.value \
     FROM (SELECT array_agg(code) AS code, array_agg(campaign) AS campaign, array_agg(rule) AS rule, \
             array_agg(arm) AS arm, array_agg(decision_id) AS decision_id, array_agg(issued_at) AS issued_at, \
             array_agg(valid_from) AS valid_from, array_agg(valid_until) AS valid_until, \
             array_agg(face_value) AS face_value, array_agg(terms) AS terms, array_agg(coupon) AS coupon, \
             array_agg(order_id) AS order_id \
           FROM coupons WHERE user_id = $1 AND status = 'issued') c, \
          (SELECT array_agg(id) AS id, array_agg(rule) AS rule, array_agg(due) AS due, array_agg(event) AS event, \
             array_agg(holdout) AS holdout, array_agg(arm) AS arm, array_agg(limit_key) AS limit_key, \
             array_agg(limit_until) AS limit_until \
           FROM timers WHERE user_id = $1) t, \
          (SELECT array_agg(campaign) AS campaign, array_agg(reserved) AS reserved, array_agg(spent) AS spent \
           FROM budgets) b, \
          (SELECT array_agg(name) AS name, array_agg(key) AS key, array_agg(value) AS value FROM signals) s";

/// `text` as an SQL string literal, for the few statements sent as text (an advisory
/// lock's key, a budget change sent with the commit). The `E''` form reads backslash
/// escapes whatever `standard_conforming_strings` says, so escaping `\` and `'` leaves no
/// way out of it. `None` for text holding NUL, which PostgreSQL text cannot hold.
pub fn literal(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 3);
    out.push_str("E'");
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => return None,
            c => out.push(c),
        }
    }
    out.push('\'');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_cannot_be_escaped() {
        assert_eq!(literal("u-1").as_deref(), Some("E'u-1'"));
        assert_eq!(literal(r"a'b\c").as_deref(), Some(r"E'a\'b\\c'"));
        assert_eq!(literal("n\0"), None);
    }
}
