//! A reload whose rules add an aggregate over past events says so: the aggregate counts
//! the users' events from then on (its `message`, and a warning in the log); a reload
//! that keeps the aggregates says nothing of them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use service::Service;

const PLAIN: &str = "campaign fans {\n  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai\n  rule fan {\n    on view_item\n    once per user\n    give amount_off ¥5 valid 24h\n  }\n}\n";

#[tokio::test]
async fn a_reload_names_the_aggregates_it_starts_empty() {
    let dir = std::env::temp_dir().join(format!("mintage-reload-aggregates-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fans.mint");
    std::fs::write(&file, PLAIN).unwrap();
    let s = Service::new(std::slice::from_ref(&dir));
    let with = PLAIN.replace(
        "    on view_item\n",
        "    on view_item\n    when count(item_favourited, 7d) >= 1\n",
    );
    std::fs::write(&file, &with).unwrap();
    let (status, answer) = s.call("POST", "/v1/admin/reload", Some(&s.admin), Body::empty()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], "reloaded");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`count(item_favourited, 1w)`") && message.contains("from now on"),
        "{answer}"
    );
    std::fs::write(&file, format!("{with}\n# reviewed\n")).unwrap();
    let (_, answer) = s.call("POST", "/v1/admin/reload", Some(&s.admin), Body::empty()).await;
    assert_eq!(answer["result"], "reloaded");
    assert!(answer.get("message").is_none_or(|m| m.is_null()), "{answer}");
    let _ = std::fs::remove_dir_all(&dir);
}
