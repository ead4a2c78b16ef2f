//! The service's one error shape, `{"error": {"code", "message", "field"}}`, and how bad
//! bodies, unknown routes, missing keys and ledger failures map onto it. Messages follow
//! the diagnostics' style: lowercase, no final period, user input in backticks.

use crate::ledger::LedgerError;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value as Json;

/// An answer that is not the one asked for.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// A stable machine name (`malformed_json`, `unauthorized`…).
    pub code: &'static str,
    pub message: String,
    /// The JSON path of the field at fault (`user.paid_orders`, `order.items[0].price`).
    pub field: Option<String>,
    /// Rarely there, so boxed (errors travel in `Result`s and should stay small).
    pub detail: Option<Box<Detail>>,
}

#[derive(Debug, Clone, Default)]
pub struct Detail {
    /// Where in the body a JSON error is (1-based).
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// More to say, merged into the error object (reload diagnostics).
    pub extra: Option<(&'static str, Json)>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            detail: None,
        }
    }

    pub fn field(mut self, field: Option<String>) -> ApiError {
        self.field = field;
        self
    }

    pub fn with(mut self, key: &'static str, value: Json) -> ApiError {
        self.detail.get_or_insert_default().extra = Some((key, value));
        self
    }

    /// The place of a JSON error in the body.
    pub fn at(mut self, line: usize, column: usize) -> ApiError {
        let detail = self.detail.get_or_insert_default();
        detail.line = Some(line);
        detail.column = Some(column);
        self
    }

    pub fn line(&self) -> Option<usize> {
        self.detail.as_ref().and_then(|d| d.line)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn too_large(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", message)
    }

    /// Something on our side failed; the details go to the log, the client gets a line.
    pub fn internal(message: impl Into<String>) -> ApiError {
        let message = message.into();
        tracing::error!(%message, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// Each kind of ledger failure as a client should read it: its own input at fault
    /// (400), a database busy or unreachable, worth a retry (503), data the ledger cannot
    /// read (500 `ledger_corrupt`), a ledger this build cannot use (500 `ledger_error`),
    /// and the rest ours (500 `internal`, as when the host has no randomness to give).
    pub fn ledger(e: &LedgerError) -> ApiError {
        let (status, code) = match e {
            LedgerError::BadInput(_) => (StatusCode::BAD_REQUEST, "invalid_field"),
            LedgerError::Refused { reason, .. } => (StatusCode::CONFLICT, *reason),
            LedgerError::Database { .. } | LedgerError::Conflict { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, "ledger_unavailable")
            }
            LedgerError::Corrupt { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "ledger_corrupt"),
            LedgerError::BadUrl(_) | LedgerError::Migration { .. } | LedgerError::SchemaTooNew { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, "ledger_error")
            }
            LedgerError::Entropy { .. } | LedgerError::Internal { .. } => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal")
            }
        };
        if status.is_server_error() {
            let source = std::error::Error::source(e).map(|s| s.to_string());
            tracing::error!(error = %e, source = source.as_deref().unwrap_or(""), "ledger error");
        } else {
            tracing::debug!(error = %e, "ledger refused the request");
        }
        ApiError::new(status, code, e.to_string())
    }

    /// The JSON object of the error alone (for per-element errors of a batch).
    pub fn to_json(&self) -> Json {
        let detail = self.detail.as_deref();
        let body = Body {
            code: self.code,
            message: &self.message,
            field: self.field.as_deref(),
            line: detail.and_then(|d| d.line),
            column: detail.and_then(|d| d.column),
        };
        let mut value = serde_json::to_value(body).unwrap_or(Json::Null);
        let extra = detail.and_then(|d| d.extra.as_ref());
        if let (Some((key, extra)), Json::Object(map)) = (extra, &mut value) {
            map.insert((*key).to_string(), extra.clone());
        }
        value
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.to_json() });
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> ApiError {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(format!(
                "the body is larger than this endpoint accepts ({})",
                r.body_text()
            ))
        } else {
            ApiError::bad_request("unreadable_body", r.body_text().to_lowercase())
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> ApiError {
        ApiError::bad_request("bad_path", r.body_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_render_in_the_envelope() {
        let e = ApiError::bad_request("invalid_field", "missing required field `at`").field(Some("at".into()));
        assert_eq!(
            e.to_json(),
            serde_json::json!({"code": "invalid_field", "message": "missing required field `at`", "field": "at"})
        );
    }

    /// One ledger error of each kind.
    fn every_kind() -> Vec<LedgerError> {
        let io = || std::io::Error::other("disk on fire");
        vec![
            LedgerError::BadUrl("x".into()),
            LedgerError::BadInput("`at`: not a time".into()),
            LedgerError::database("unreachable"),
            LedgerError::conflict("budget row"),
            LedgerError::Migration {
                version: 2,
                message: "syntax".into(),
                source: None,
            },
            LedgerError::SchemaTooNew { found: 9, known: 2 },
            LedgerError::corrupt_from("terms of coupon `MNT-X`", io()),
            LedgerError::entropy("an API key", io()),
            LedgerError::internal_from("cannot encode terms", io()),
            LedgerError::Refused {
                reason: "reservation_expired",
                message: "the reservation of `MNT-X` for order `o-1` expired".into(),
            },
        ]
    }

    #[test]
    fn each_kind_of_ledger_error_has_its_status_and_code() {
        let answers: Vec<(u16, &str)> = every_kind()
            .iter()
            .map(|e| {
                let a = ApiError::ledger(e);
                (a.status.as_u16(), a.code)
            })
            .collect();
        assert_eq!(
            answers,
            [
                (500, "ledger_error"),
                (400, "invalid_field"),
                (503, "ledger_unavailable"),
                (503, "ledger_unavailable"),
                (500, "ledger_error"),
                (500, "ledger_error"),
                (500, "ledger_corrupt"),
                (500, "internal"),
                (500, "internal"),
                (409, "reservation_expired"),
            ]
        );
    }

    /// The codes the ledger's errors map to are documented, with the same status, in
    /// `docs/service.md`'s table and in `docs/openapi.json`'s `ErrorBody.code`.
    #[test]
    fn ledger_error_codes_are_documented() {
        let page = include_str!("../../docs/service.md");
        let doc: Json = serde_json::from_str(super::super::openapi::DOCUMENT).unwrap();
        let codes = &doc["components"]["schemas"]["ErrorBody"]["properties"]["code"]["enum"];
        for e in every_kind() {
            let a = ApiError::ledger(&e);
            assert!(
                codes.as_array().unwrap().contains(&Json::from(a.code)),
                "`{}` is not in openapi.json's ErrorBody.code",
                a.code
            );
            let row = page
                .lines()
                .find(|l| {
                    l.starts_with("| ")
                        && l.split('|')
                            .nth(2)
                            .is_some_and(|c| c.contains(&format!("`{}`", a.code)))
                })
                .unwrap_or_else(|| panic!("`{}` is not in docs/service.md's table", a.code));
            assert!(row.starts_with(&format!("| {} |", a.status.as_u16())), "{row}");
        }
    }

    #[test]
    fn busy_databases_are_503() {
        let e = ApiError::ledger(&LedgerError::conflict("budget row"));
        assert_eq!(e.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(ApiError::ledger(&LedgerError::corrupt("x")).status, 500);
    }
}
