//! The console's API, in process on SQLite and on PostgreSQL (`support/pg.rs`, started
//! if it is down): the session's scopes, the campaigns page with live numbers, a
//! campaign's hours, pausing (coupons withheld as `paused`, and back), a user's
//! decisions, a dry run that writes nothing, the checker and the playground, the `read`
//! scope, and the console's page.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;
#[path = "support/service.rs"]
mod service;

use mintage::ledger::Scope;
use serde_json::{Value, json};
use service::{Service, ms};
use std::sync::atomic::Ordering;

const RULES: &str = r#"
campaign spring "春季焕新" {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  budget ¥1_000 face value
  pace evenly

  rule welcome {
    on view_item
    once per user
    give amount_off ¥10 min_spend ¥50 valid 72h
  }
}

campaign later {
  window 2026-12-20 .. 2027-01-01 Asia/Shanghai

  rule soon {
    on app_open
    once per user
    give amount_off ¥5 valid 24h
  }
}
"#;

fn service_on(url: &str) -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("console.mint"), RULES).unwrap();
    let s = Service::on(url, &[dir.path().to_path_buf()], mintage::service::DEFAULT_MAX_SKEW);
    (s, dir)
}

fn view(id: &str, user: &str, at: &str) -> Value {
    json!({"id": id, "type": "view_item", "at": at, "user": {"id": user, "device_id": format!("d-{user}")},
           "item": {"id": "i-1", "category": "bags", "price": 80}})
}

fn campaign<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

async fn the_console_api_works(s: &Service, read: String) {
    s.clock.store(ms("2026-11-15T10:30:00+08:00"), Ordering::SeqCst);

    let (status, session) = s.call("GET", "/v1/session", Some(&read), "").await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["scopes"], json!(["read"]));
    assert_eq!(session["rules_version"], s.state.reloader.version());

    // The campaigns page: states, window, budget and its plan, numbers that move.
    let (status, page) = s.call("GET", "/v1/campaigns", Some(&read), "").await;
    assert_eq!(status, 200, "{page}");
    let spring = campaign(&page, "spring");
    assert_eq!(spring["name"], "春季焕新");
    assert_eq!(
        (spring["state"].as_str(), spring["kind"].as_str()),
        (Some("live"), Some("event"))
    );
    assert_eq!(campaign(&page, "later")["state"], "scheduled");
    assert_eq!(spring["budget"]["amount"], 1000);
    // `pace evenly`: the plan is what pacing allows by now (a little under half of ¥1,000,
    // 14.44 of the window's 30 days having gone).
    let rules = s.state.ledger.rules().rules;
    let c = rules.program().campaign("spring").unwrap();
    let plan = mintage::runtime::period::paced(c, 100_000, ms("2026-11-15T10:30:00+08:00")).unwrap();
    assert!((48_000..50_000).contains(&plan), "{plan}");
    assert_eq!(spring["budget"]["plan"], json!(plan as f64 / 100.0));
    assert_eq!(spring["issued"], 0);
    let mut codes = Vec::new();
    for (i, at) in [
        "2026-11-15T09:10:00+08:00",
        "2026-11-15T09:20:00+08:00",
        "2026-11-15T10:05:00+08:00",
    ]
    .iter()
    .enumerate()
    {
        let (status, answer) = s
            .post("/v1/decide", &s.decide, &view(&format!("e{i}"), &format!("u{i}"), at))
            .await;
        assert_eq!(status, 200, "{answer}");
        codes.push(answer["decision"]["coupons"][0]["code"].as_str().unwrap().to_string());
    }
    // One of the three redeemed, for ¥10 off an order of ¥80.
    let redeem = json!({"code": codes[0],
                        "order": {"id": "o-1", "buyer_id": "u0", "items": [{"id": "i-1", "category": "bags", "price": 80}]}});
    let (status, answer) = s.post("/v1/redeem", &s.redeem, &redeem).await;
    assert_eq!(status, 200, "{answer}");
    let (_, page) = s.call("GET", "/v1/campaigns", Some(&read), "").await;
    let spring = campaign(&page, "spring");
    assert_eq!(
        (spring["issued"].as_u64(), spring["redeemed"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(spring["redemption_rate"].as_f64(), Some(1.0 / 3.0));
    assert_eq!(spring["cost"], 10);
    assert_eq!(
        (
            spring["budget"]["reserved"].as_u64(),
            spring["budget"]["spent"].as_u64()
        ),
        (Some(30), Some(10))
    );

    // A read key may not pause; an admin key may, and the rules withhold as `paused`.
    let (status, _) = s.call("POST", "/v1/campaigns/spring/pause", Some(&read), "").await;
    assert_eq!(status, 403);
    let (status, answer) = s.call("POST", "/v1/campaigns/spring/pause", Some(&s.admin), "").await;
    assert_eq!(
        (status.as_u16(), answer),
        (200, json!({"campaign": "spring", "paused": true}))
    );
    let (status, answer) = s.call("POST", "/v1/campaigns/nope/pause", Some(&s.admin), "").await;
    assert_eq!(status, 404, "{answer}");
    let (_, answer) = s
        .post("/v1/decide", &s.decide, &view("e9", "u9", "2026-11-15T10:20:00+08:00"))
        .await;
    assert_eq!(answer["decision"]["suppressed"][0]["reason"], "paused", "{answer}");
    assert_eq!(answer["decision"]["coupons"], json!([]));
    let (_, page) = s.call("GET", "/v1/campaigns", Some(&read), "").await;
    let spring = campaign(&page, "spring");
    assert_eq!(spring["state"], "paused");
    assert_eq!(spring["suppressed"], json!({"paused": 1}));
    s.call("POST", "/v1/campaigns/spring/resume", Some(&s.admin), "").await;
    let (_, answer) = s
        .post("/v1/decide", &s.decide, &view("e10", "u9", "2026-11-15T10:25:00+08:00"))
        .await;
    assert_eq!(answer["decision"]["coupons"][0]["rule"], "welcome", "{answer}");
    // A platform cannot pause a campaign with a signal of the reserved name.
    let signal = json!({"id": "s1", "type": "signal", "at": "2026-11-15T10:26:00+08:00",
                        "name": "mintage:paused", "key": "spring", "value": 1});
    let (status, answer) = s.post("/v1/decide", &s.decide, &signal).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("reserved"), "{answer}");

    // The hours, in the campaign's zone.
    let (status, series) = s
        .call("GET", "/v1/campaigns/spring/series?hours=3", Some(&read), "")
        .await;
    assert_eq!(status, 200, "{series}");
    let all = series["hours"].as_array().unwrap();
    // A redemption counts in the hour the ledger recorded it (here the machine's clock,
    // not the test's), with its discount.
    let redeemed: Vec<&Value> = all.iter().filter(|h| h["redeemed"] != 0).collect();
    assert_eq!(redeemed.len(), 1, "{series}");
    assert_eq!(
        (redeemed[0]["redeemed"].as_u64(), redeemed[0]["cost"].as_u64()),
        (Some(1), Some(10))
    );
    let hours: Vec<&Value> = all.iter().filter(|h| h["issued"] != 0).collect();
    assert_eq!(hours.len(), 2, "{series}");
    assert_eq!(hours[0]["start"], "2026-11-15T09:00:00+08:00");
    assert_eq!(
        (hours[0]["issued"].as_u64(), hours[1]["issued"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(hours[1]["suppressed"], json!({"paused": 1}));
    let (status, _) = s
        .call("GET", "/v1/campaigns/spring/series?hours=0", Some(&read), "")
        .await;
    assert_eq!(status, 400);

    // A user's decisions, newest first.
    let (status, _) = s.call("GET", "/v1/users/u9/decisions", Some(&read), "").await;
    assert_eq!(status, 403, "a dashboard key reads nothing about a user");
    let (status, mine) = s
        .call("GET", "/v1/users/u9/decisions?limit=5", Some(&s.redeem), "")
        .await;
    assert_eq!(status, 200, "{mine}");
    let ids: Vec<&str> = mine["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["decision"]["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["e10", "e9"]);

    // A dry run explains and writes nothing: the same event decided after still issues.
    let ask = view("e20", "u20", "2026-11-15T10:28:00+08:00");
    let (status, _) = s.post("/v1/explain", &read, &ask).await;
    assert_eq!(status, 403);
    let (status, dry) = s.post("/v1/explain", &s.redeem, &ask).await;
    assert_eq!(status, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["decision"]["coupons"][0]["rule"], "welcome");
    assert!(
        dry["decision"]["trace"].as_array().is_some_and(|t| !t.is_empty()),
        "{dry}"
    );
    let (_, again) = s.post("/v1/explain", &s.redeem, &ask).await;
    assert_eq!(
        again["decision"]["coupons"][0]["rule"], "welcome",
        "the dry run kept nothing"
    );
    let (_, none) = s.call("GET", "/v1/users/u20/decisions", Some(&s.redeem), "").await;
    assert_eq!(none["decisions"], json!([]));
    let (_, real) = s.post("/v1/decide", &s.decide, &ask).await;
    assert_eq!(real["decision"]["coupons"][0]["rule"], "welcome");
    let (_, after) = s.post("/v1/explain", &s.redeem, &ask).await;
    assert_eq!(
        after["decision"]["coupons"],
        json!([]),
        "once per user, now that it issued"
    );
}

/// The service is opened outside the runtime (the PostgreSQL driver blocks), then called
/// in it.
fn on_ledger(url: &str) {
    let (s, _dir) = service_on(url);
    let read = s.state.ledger.add_key(&[Scope::Read], "dashboards").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(the_console_api_works(&s, read));
    drop(rt);
}

#[test]
fn the_console_api_on_sqlite() {
    on_ledger("sqlite::memory:");
}

#[test]
fn the_console_api_on_postgres() {
    let db = pg::TestDb::new();
    on_ledger(&db.url(""));
}

#[tokio::test]
async fn the_checker_and_the_playground_answer_as_the_cli() {
    let (s, _dir) = service_on("sqlite::memory:");
    let key = s.decide.clone();
    let typo = RULES.replace("on view_item", "on view_iten");
    let ask = json!({"files": [{"name": "playground.mint", "text": typo}]});
    let (status, report) = s.post("/v1/check", &key, &ask).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["errors"], 1);
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "E004");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(8), Some(8)));
    assert_eq!(d["help"], "did you mean `view_item`?");
    // The same JSON as `mintage check --format json` on the same text.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("playground.mint");
    std::fs::write(&file, &typo).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mintage"))
        .current_dir(dir.path())
        .args(["check", "playground.mint", "--format", "json"])
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli, report);

    // The playground runs events on the text, with traces and the graph.
    let events = vec![
        view("p1", "u1", "2026-11-15T10:00:00+08:00"),
        view("p2", "u1", "2026-11-15T10:05:00+08:00"),
        json!({"id": "p3", "type": "view_item"}),
    ];
    let ask = json!({"files": [{"name": "p.mint", "text": RULES}], "events": events});
    let (status, answer) = s.post("/v1/playground", &key, &ask).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["check"]["errors"], 0);
    let decisions = answer["decisions"].as_array().unwrap();
    assert_eq!(decisions[0]["coupons"][0]["rule"], "welcome");
    assert!(decisions[0]["trace"].is_array());
    assert_eq!(decisions[1]["trace"][0]["outcome"], "limit reached", "{answer}");
    assert_eq!(answer["errors"][0]["index"], 2);
    assert!(answer["graph"].as_str().unwrap().starts_with("flowchart LR"));
    // Nothing reached the ledger or the live rules.
    let (_, mine) = s.call("GET", "/v1/users/u1/decisions", Some(&key), "").await;
    assert_eq!(mine["decisions"], json!([]));
    // Rules with errors run nothing.
    let bad =
        json!({"files": [{"name": "p.mint", "text": typo}], "events": [view("p1", "u1", "2026-11-15T10:00:00+08:00")]});
    let (_, answer) = s.post("/v1/playground", &key, &bad).await;
    assert_eq!(
        (answer["decisions"].clone(), answer["graph"].clone()),
        (json!([]), Value::Null)
    );
    let (status, _) = s.post("/v1/check", &key, &json!({"files": []})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_console_page_is_served_without_a_key() {
    let (s, _dir) = service_on("sqlite::memory:");
    let (status, headers, _) = s.exchange("GET", "/console", None, None, "").await;
    assert_eq!(status, 308);
    assert_eq!(headers["location"], "/console/");
    let (status, headers, page) = s.exchange("GET", "/console/", None, None, "").await;
    assert_eq!(status, 200);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
    // Built or not, the page names the console (a build without it says how to build it).
    assert!(page.contains("Mintage console"), "{page}");
    let (status, _, _) = s.exchange("GET", "/console/..%2Fsecret", None, None, "").await;
    assert_eq!(status, 404);
    let (status, _, _) = s.exchange("GET", "/console/no-such-file.js", None, None, "").await;
    assert_eq!(status, 404);
}
