//! The statements the SQLite backend runs, each prepared once per connection (rusqlite's
//! statement cache) — the same statements as PostgreSQL's (`postgres/sql.rs`), with
//! SQLite's spelling: `?N` parameters, `MAX` for `GREATEST`, and a user's working set read
//! in three statements instead of one (a local file has no round trips to save).

/// A statement of the SQLite backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Q {
    DecisionByEvent,
    UserState,
    UserCoupons,
    UserTimers,
    LoadDevice,
    LoadSignals,
    LoadBudgets,
    LoadTally,
    AllTallies,
    IssuedByRule,
    Tally,
    InsertDecision,
    EnsureBudget,
    Budget,
    InsertCoupon,
    UpsertUser,
    DeleteTimer,
    InsertTimer,
    UpsertDevice,
    UpsertSignal,
    DueUsers,
    NextDue,
    ExpireCoupons,
    PruneDevices,
    Coupon,
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

impl Q {
    pub fn sql(self) -> &'static str {
        match self {
            Q::ExposedCampaigns => "SELECT campaign FROM exposures WHERE user_id = ?1",
            Q::InsertExposure => {
                "INSERT INTO exposures (campaign, user_id, experiment, arm, at, total_spend, fields) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (campaign, user_id) DO NOTHING"
            }
            Q::InsertOrder => {
                "INSERT INTO orders (order_id, user_id, at, total, shipping, coupons, items) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (order_id) DO NOTHING"
            }
            Q::InsertRedeemed => {
                "INSERT INTO redeemed_events (code, discount, at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (code) DO NOTHING"
            }
            Q::ExposuresOf => {
                "SELECT campaign, experiment, arm, user_id, at, total_spend, fields FROM exposures \
                 WHERE campaign = ?1 ORDER BY at, user_id"
            }
            Q::AttributedOrders => {
                "SELECT o.order_id, o.user_id, o.at, o.total, o.shipping, o.coupons, o.items \
                 FROM exposures e JOIN orders o ON o.user_id = e.user_id \
                 WHERE e.campaign = ?1 AND o.at >= e.at AND o.at < e.at + ?2 ORDER BY o.at, o.order_id"
            }
            Q::ActivityIssued => "SELECT issued_at FROM coupons WHERE campaign = ?1 AND issued_at >= ?2",
            Q::ActivityRedeemed => {
                "SELECT r.updated_at, r.discount FROM redemptions r JOIN coupons c ON c.code = r.code \
                 WHERE c.campaign = ?1 AND r.status = 'committed' AND r.updated_at >= ?2 \
                 UNION ALL SELECT e.at, COALESCE(e.discount, c.face_value) FROM redeemed_events e \
                 JOIN coupons c ON c.code = e.code WHERE c.campaign = ?1 AND e.at >= ?2"
            }
            Q::ActivityDecisions => {
                "SELECT at, body FROM decisions WHERE at >= ?1 AND body LIKE '%\"suppressed\":[{%' ORDER BY at"
            }
            Q::UserDecisions => {
                "SELECT decision_id, rules_version, body FROM decisions WHERE user_id = ?1 \
                 ORDER BY at DESC, created_at DESC LIMIT ?2"
            }
            Q::DecisionsOf => {
                "SELECT d.body FROM exposures e JOIN decisions d ON d.user_id = e.user_id \
                 WHERE e.campaign = ?1 ORDER BY d.at, d.decision_id"
            }
            Q::CouponsOf => {
                "SELECT c.code, c.user_id, c.arm, c.face_value, c.status, \
                 COALESCE((SELECT SUM(r.discount) FROM redemptions r WHERE r.code = c.code AND r.status = 'committed'), \
                          (SELECT d.discount FROM redeemed_events d WHERE d.code = c.code)) \
                 FROM coupons c WHERE c.campaign = ?1 ORDER BY c.code"
            }
            Q::DecisionByEvent => {
                "SELECT decision_id, rules_version, body FROM decisions WHERE event_id = ?1 AND trigger = 'event'"
            }
            Q::UserState => "SELECT state FROM users WHERE user_id = ?1",
            Q::UserCoupons => USER_COUPONS,
            Q::UserTimers => {
                "SELECT id, user_id, rule, due, event, holdout, arm, limit_key, limit_until FROM timers \
                 WHERE user_id = ?1 ORDER BY due, id"
            }
            Q::LoadDevice => "SELECT user_id, last_seen FROM devices WHERE device_id = ?1 AND last_seen >= ?2",
            Q::LoadSignals => "SELECT name, key, value FROM signals",
            Q::LoadBudgets => "SELECT campaign, reserved, spent FROM budgets",
            Q::InsertDecision => {
                "INSERT INTO decisions (decision_id, event_id, trigger, user_id, at, rules_version, body, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            }
            Q::LoadTally => "SELECT campaign, scope, used FROM tallies WHERE campaign = ?1 AND scope = ?2",
            Q::IssuedByRule => {
                "SELECT campaign, 'rule/' || rule, COUNT(*) FROM coupons GROUP BY campaign, rule ORDER BY campaign, rule"
            }
            Q::AllTallies => "SELECT campaign, scope, used FROM tallies ORDER BY campaign, scope",
            // The guard: a tally grows only while it stays within its limit (`?4`).
            Q::Tally => {
                "INSERT INTO tallies (campaign, scope, used) SELECT ?1, ?2, ?3 WHERE ?3 <= ?4 \
                 ON CONFLICT (campaign, scope) DO UPDATE SET used = tallies.used + excluded.used \
                 WHERE tallies.used + excluded.used <= ?4"
            }
            Q::EnsureBudget => "INSERT INTO budgets (campaign) VALUES (?1) ON CONFLICT (campaign) DO NOTHING",
            // The guard: a reservation that would pass the limit changes nothing.
            Q::Budget => {
                "UPDATE budgets SET reserved = reserved + ?2, spent = spent + ?3 \
                 WHERE campaign = ?1 AND (?4 IS NULL OR ?2 <= 0 OR reserved + ?2 <= ?4)"
            }
            Q::InsertCoupon => INSERT_COUPON,
            Q::UpsertUser => {
                "INSERT INTO users (user_id, state, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at"
            }
            Q::DeleteTimer => "DELETE FROM timers WHERE id = ?1",
            Q::InsertTimer => {
                "INSERT INTO timers (user_id, rule, due, event, holdout, arm, limit_key, limit_until) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
            }
            Q::UpsertDevice => {
                "INSERT INTO devices (device_id, user_id, last_seen) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (device_id, user_id) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)"
            }
            Q::UpsertSignal => {
                "INSERT INTO signals (name, key, value, at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (name, key) DO UPDATE SET value = excluded.value, at = excluded.at"
            }
            Q::DueUsers => "SELECT user_id FROM timers WHERE due <= ?1 GROUP BY user_id ORDER BY MIN(due) LIMIT ?2",
            Q::NextDue => {
                "SELECT MIN(m) FROM (SELECT MIN(due) AS m FROM timers UNION ALL SELECT MIN(valid_until) FROM coupons WHERE status = 'issued' \
                 UNION ALL SELECT MIN(reserved_until) FROM redemptions WHERE status = 'reserved')"
            }
            Q::ExpireCoupons => {
                "UPDATE coupons SET status = 'expired', updated_at = ?1 WHERE code IN \
                 (SELECT code FROM coupons WHERE status = 'issued' AND valid_until <= ?1 LIMIT ?2) \
                 RETURNING campaign, face_value"
            }
            Q::PruneDevices => "DELETE FROM devices WHERE last_seen < ?1",
            Q::Coupon => COUPON,
            Q::SetCouponStatus => {
                "UPDATE coupons SET status = ?3, order_id = COALESCE(?4, order_id), updated_at = ?5 \
                 WHERE code = ?1 AND status = ?2"
            }
            Q::OrderRedemptions => {
                "SELECT order_id, code, buyer_id, status, discount, platform, seller, response, reserved_until FROM redemptions \
                 WHERE order_id = ?1 ORDER BY created_at, code"
            }
            Q::PutRedemption => {
                "INSERT INTO redemptions (order_id, code, buyer_id, status, discount, platform, seller, response, \
                 created_at, updated_at, reserved_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10) \
                 ON CONFLICT (order_id, code) DO UPDATE SET status = excluded.status, discount = excluded.discount, \
                 platform = excluded.platform, seller = excluded.seller, response = excluded.response, \
                 updated_at = excluded.updated_at, reserved_until = excluded.reserved_until"
            }
            Q::LapsedReservations => {
                "SELECT order_id, code, buyer_id, status, discount, platform, seller, response, reserved_until FROM redemptions \
                 WHERE status = 'reserved' AND reserved_until <= ?1 ORDER BY reserved_until, order_id, code LIMIT ?2"
            }
            Q::OrderReturns => {
                "SELECT order_id, return_id, lines, answer, created_at FROM order_returns WHERE order_id = ?1 \
                 ORDER BY created_at, return_id"
            }
            Q::InsertReturn => {
                "INSERT INTO order_returns (order_id, return_id, lines, answer, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
            }
            Q::Wallet => WALLET,
            Q::CouponsByStatusArm => {
                "SELECT status, arm, COUNT(*) FROM coupons WHERE campaign = ?1 GROUP BY status, arm"
            }
            Q::CampaignBudget => "SELECT campaign, reserved, spent FROM budgets WHERE campaign = ?1",
            Q::DiscountGiven => {
                "SELECT COALESCE(SUM(r.discount), 0) FROM redemptions r JOIN coupons c ON c.code = r.code \
                 WHERE c.campaign = ?1 AND r.status = 'committed'"
            }
            Q::InsertKey => "INSERT INTO api_keys (id, digest, scopes, label, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            Q::KeyScopes => "SELECT scopes FROM api_keys WHERE digest = ?1 AND revoked_at IS NULL",
            Q::KeyCount => "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL",
            Q::BudgetAudit => {
                "SELECT b.campaign, b.reserved, b.spent, \
                 COALESCE((SELECT SUM(face_value) FROM coupons c WHERE c.campaign = b.campaign \
                   AND c.status IN ('issued', 'reserved', 'redeemed')), 0), \
                 COALESCE((SELECT SUM(face_value) FROM coupons c WHERE c.campaign = b.campaign \
                   AND c.status = 'redeemed'), 0) \
                 FROM budgets b ORDER BY b.campaign"
            }
            Q::RepeatedCoupons => {
                "SELECT user_id, campaign, rule, COUNT(*) FROM coupons GROUP BY user_id, campaign, rule \
                 HAVING COUNT(*) > 1"
            }
            Q::Totals => {
                "SELECT (SELECT COUNT(*) FROM coupons), (SELECT COUNT(*) FROM decisions), \
                 (SELECT COUNT(*) FROM (SELECT event_id FROM decisions WHERE trigger = 'event' \
                  GROUP BY event_id HAVING COUNT(*) > 1)), \
                 (SELECT COUNT(*) FROM redemptions WHERE discount < 0 OR platform < 0 OR seller < 0 \
                  OR platform + seller <> discount)"
            }
        }
    }
}

/// The columns of a coupon row, in `CouponRow`'s order (`tx::coupon_row` reads them so).
macro_rules! coupon_columns {
    () => {
        "code, user_id, campaign, rule, arm, decision_id, status, issued_at, valid_from, valid_until, \
         face_value, terms, coupon, order_id"
    };
}

const COUPON: &str = concat!("SELECT ", coupon_columns!(), " FROM coupons WHERE code = ?1");

const USER_COUPONS: &str = concat!(
    "SELECT ",
    coupon_columns!(),
    " FROM coupons WHERE user_id = ?1 AND status = 'issued' ORDER BY issued_at, code"
);

const WALLET: &str = concat!(
    "SELECT ",
    coupon_columns!(),
    " FROM coupons WHERE user_id = ?1 AND status = 'issued' \
     AND valid_from <= ?2 AND valid_until > ?2 ORDER BY valid_until, code"
);

const INSERT_COUPON: &str = concat!(
    "INSERT INTO coupons (",
    coupon_columns!(),
    ", updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
);
