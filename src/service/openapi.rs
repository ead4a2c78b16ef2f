//! The OpenAPI 3.1 document of the service, written by hand in `docs/openapi.json` and
//! served at `GET /openapi.json`. A test holds it to [`super::routes`]: the same
//! operations, and the same scopes in each operation's `security`.

use axum::http::header;
use axum::response::IntoResponse;
use serde_json::Value;
use std::collections::BTreeMap;

pub const DOCUMENT: &str = include_str!("../../docs/openapi.json");

pub async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT)
}

/// (method in capitals, path) → the scopes its `security` names (empty: open).
pub fn operations(document: &str) -> Result<BTreeMap<(String, String), Vec<String>>, serde_json::Error> {
    let doc: Value = serde_json::from_str(document)?;
    let mut out = BTreeMap::new();
    let paths = doc.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (method, operation) in item {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            let security = operation.get("security").or_else(|| doc.get("security"));
            let mut scopes: Vec<String> = security
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|requirement| requirement.get("bearer").and_then(Value::as_array))
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect();
            scopes.sort();
            out.insert((method.to_uppercase(), path.clone()), scopes);
        }
    }
    Ok(out)
}
