//! `GET /v1/campaigns/{id}/report`: the same report as `mintage analyze` on the ledger's
//! recorded outcomes (exposures from `POST /v1/events`, orders once per id), its query
//! parameters, its errors, and the `report` scope.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use mintage::analysis::{Design, Options, analyze};
use mintage::ledger::Scope;
use serde_json::{Value, json};
use service::{Service, error_code};

fn events() -> String {
    let mut lines = Vec::new();
    for i in 0..40 {
        let user = json!({"id": format!("u-r{i}"), "registered_at": "2026-10-30T10:00:00+08:00", "paid_orders": 0,
                          "total_spend": i, "ltv_tier": if i % 2 == 0 { "high" } else { "low" }, "tags": []});
        lines.push(
            json!({"id": format!("v-{i}"), "type": "view_item", "at": "2026-11-02T10:00:00+08:00", "user": user,
            "scores": {"p_convert": 0.1, "fraud_risk": 0.01},
            "item": {"id": "i-1", "category": "shoes", "price": 600, "seller_id": "s-1", "stock_age_days": 5}}),
        );
        if i % 3 == 0 {
            let order = json!({"id": format!("o-{i}"), "total": 100 + i, "items": [], "coupons": []});
            for copy in 0..2 {
                lines.push(
                    json!({"id": format!("p-{i}-{copy}"), "type": "order_paid", "at": "2026-11-02T12:00:00+08:00",
                                  "user": user, "order": order}),
                );
            }
        }
    }
    lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")
}

async fn fed() -> Service {
    let s = Service::seed_rules();
    let (status, _, text) = s
        .exchange(
            "POST",
            "/v1/events",
            Some(&s.decide),
            Some("application/x-ndjson"),
            events(),
        )
        .await;
    assert_eq!(status, 200, "{text}");
    s
}

#[tokio::test]
async fn the_report_is_the_analysis_of_the_ledgers_outcomes() {
    let s = fed().await;
    let program = s.state.ledger.rules().rules;
    let design = Design::of(program.program(), Some("new_user_ladder")).unwrap();
    let outcomes = s.state.ledger.outcomes("new_user_ladder", 7 * 86_400_000).unwrap();
    assert_eq!(outcomes.campaign("new_user_ladder").unwrap().exposures.len(), 40);
    assert_eq!(outcomes.orders().len(), 14);
    for (query, options) in [
        ("", Options::default()),
        ("?by=user.ltv_tier&cuped=true&sequential=true&baseline=ladder", {
            let mut o = Options {
                by: Some("user.ltv_tier".into()),
                baseline: Some("ladder".into()),
                ..Options::default()
            };
            o.settings.cuped = true;
            o.settings.sequential = true;
            o
        }),
    ] {
        let path = format!("/v1/campaigns/new_user_ladder/report{query}");
        let (status, got) = s.call("GET", &path, Some(&s.redeem), Body::empty()).await;
        assert_eq!(status, 200, "{got}");
        // Read back from its text as the answer was (serde_json reads floats to within an ulp).
        let want = serde_json::to_string(&analyze(&outcomes, &design, &options).unwrap()).unwrap();
        let want: Value = serde_json::from_str(&want).unwrap();
        assert_eq!(got, want);
        let users: u64 = got["arms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["users"].as_u64().unwrap())
            .sum();
        assert_eq!(users, 40);
    }
}

#[tokio::test]
async fn bad_queries_and_campaigns_are_said() {
    let s = fed().await;
    for (path, status, code) in [
        ("/v1/campaigns/nope/report", 404, "unknown_campaign"),
        ("/v1/campaigns/dormant_wakeup/report", 404, "no_experiment"),
        ("/v1/campaigns/new_user_ladder/report?baseline=nope", 404, "unknown_arm"),
        ("/v1/campaigns/new_user_ladder/report?by=ltv_tier", 400, "bad_query"),
        ("/v1/campaigns/new_user_ladder/report?cuped=maybe", 400, "bad_query"),
        ("/v1/campaigns/new_user_ladder/report?colour=red", 400, "bad_query"),
    ] {
        let (got, body) = s.call("GET", path, Some(&s.decide), Body::empty()).await;
        assert_eq!((got.as_u16(), error_code(&body)), (status, code), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_report_key_reads_reports_and_nothing_else() {
    let s = fed().await;
    let key = s.state.ledger.add_key(&[Scope::Report], "analyst").unwrap();
    let (status, _) = s
        .call("GET", "/v1/campaigns/new_user_ladder/report", Some(&key), Body::empty())
        .await;
    assert_eq!(status, 200);
    let (status, body) = s
        .call("GET", "/v1/campaigns/new_user_ladder/stats", Some(&key), Body::empty())
        .await;
    assert_eq!((status.as_u16(), error_code(&body)), (403, "forbidden"));
    let (status, _) = s
        .call("GET", "/v1/campaigns/new_user_ladder/report", None, Body::empty())
        .await;
    assert_eq!(status, 401);
}
