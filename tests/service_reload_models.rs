//! The service watches the response models its rules read: a model fitted again is a
//! reload (the rules version changes, the next coupons carry the new model's version),
//! and the same files and models are `unchanged`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use mintage::learning::synthetic;
use service::Service;
use std::path::Path;

const RULES: &str = r#"campaign learn {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  response from "model.json"
  price λ 2

  rule welcome {
    on view_item
    once per user
    give percent_off one of 10%, 20%, 30% cap ¥1000 valid 7d
  }
}
"#;

/// Fits a model on synthetic decisions drawn with `seed` into `dir/model.json`; its version.
fn fit_into(dir: &Path, seed: u64) -> String {
    let work = dir.join(format!("fit-{seed}"));
    std::fs::create_dir_all(&work).unwrap();
    let fitted = synthetic::write_and_fit(&work, 5000, seed).unwrap();
    std::fs::write(dir.join("model.json"), serde_json::to_string(&fitted.model).unwrap()).unwrap();
    fitted.model.version().to_string()
}

fn view(user: &str) -> String {
    format!(
        r#"{{"id":"v-{user}","type":"view_item","at":"2026-11-02T13:30:00+08:00","user":{{"id":"{user}","registered_at":"2025-01-01T00:00:00+08:00","paid_orders":3,"total_spend":900,"avg_order_value":300,"last_order_at":"2026-06-01T00:00:00+08:00","ltv_tier":"mid"}},"scores":{{"p_base":0.5,"price_sensitivity":0.8}}}}"#
    )
}

#[tokio::test]
async fn a_model_fitted_again_is_reloaded_and_its_version_goes_into_the_coupons() {
    let dir = tempfile::tempdir().unwrap();
    let rules_dir = dir.path().join("rules");
    std::fs::create_dir_all(&rules_dir).unwrap();
    std::fs::write(rules_dir.join("learn.mint"), RULES).unwrap();
    let first = fit_into(&rules_dir, 1);
    let s = Service::new(std::slice::from_ref(&rules_dir));
    let before = s.state.reloader.version();
    let (status, d) = s
        .call("POST", "/v1/decide", Some(&s.decide), Body::from(view("u-1")))
        .await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["decision"]["coupons"][0]["model"], first.as_str(), "{d}");
    assert_eq!(d["rules_version"], before.as_str());

    // Fitted again on other decisions: the watcher sees it, a reload takes it.
    let second = fit_into(&rules_dir, 2);
    assert_ne!(first, second);
    assert!(s.state.reloader.files_changed(), "the model file is watched");
    let (status, answer) = s.call("POST", "/v1/admin/reload", Some(&s.admin), Body::empty()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], "reloaded", "{answer}");
    let after = s.state.reloader.version();
    assert_ne!(after, before, "the rules version covers the model");
    let (_, d) = s
        .call("POST", "/v1/decide", Some(&s.decide), Body::from(view("u-2")))
        .await;
    assert_eq!(d["decision"]["coupons"][0]["model"], second.as_str(), "{d}");
    assert_eq!(d["rules_version"], after.as_str());

    // Nothing changed since: unchanged.
    assert!(!s.state.reloader.files_changed());
    let (_, answer) = s.call("POST", "/v1/admin/reload", Some(&s.admin), Body::empty()).await;
    assert_eq!(answer["result"], "unchanged", "{answer}");
}
