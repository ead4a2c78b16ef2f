//! API keys: `Authorization: Bearer KEY`, checked against the ledger (which keeps only
//! digests, made by `ledger::keys`) and cached here for a few seconds so that a busy
//! client costs one lookup per key and period. A route names the scopes that may call
//! it; `admin` may call all.

use super::AppState;
use super::errors::ApiError;
use crate::ledger::{KeyDigest, Scope};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No key needed.
    Open,
    /// A key holding one of these scopes (or `admin`).
    AnyOf(&'static [Scope]),
}

impl Access {
    pub fn allows(self, held: &[Scope]) -> bool {
        match self {
            Access::Open => true,
            Access::AnyOf(wanted) => held.contains(&Scope::Admin) || wanted.iter().any(|s| held.contains(s)),
        }
    }

    /// "`decide` or `admin`", for messages.
    pub fn describe(self) -> String {
        match self {
            Access::Open => "no key".to_string(),
            Access::AnyOf(scopes) => {
                let mut names: Vec<String> = scopes.iter().map(|s| format!("`{}`", s.as_str())).collect();
                if !scopes.contains(&Scope::Admin) {
                    names.push("`admin`".into());
                }
                names.join(" or ")
            }
        }
    }
}

/// The scopes of the key a request came with, for handlers whose answer depends on them
/// (a `tick` needs `admin`). In the request's extensions on every route that needs a key.
#[derive(Debug, Clone)]
pub struct Caller {
    pub scopes: Vec<Scope>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.scopes.contains(&Scope::Admin)
    }
}

/// How long a key's scopes are trusted without asking the ledger again. A key added
/// with `mintage keys add` works at once (unknown keys are cached for less).
const KNOWN_TTL: Duration = Duration::from_secs(10);
const UNKNOWN_TTL: Duration = Duration::from_secs(1);
/// Past this many entries the cache starts afresh (it holds keys, not users).
const MAX_ENTRIES: usize = 10_000;

/// A key's scopes (`None`: unknown key) and when the ledger said so.
type Lookup = (Option<Vec<Scope>>, Instant);

/// Key digest → lookup.
#[derive(Default)]
pub struct KeyCache {
    entries: Mutex<HashMap<KeyDigest, Lookup>>,
}

impl KeyCache {
    fn get(&self, digest: &KeyDigest) -> Option<Option<Vec<Scope>>> {
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (scopes, at) = entries.get(digest)?;
        let ttl = if scopes.is_some() { KNOWN_TTL } else { UNKNOWN_TTL };
        (at.elapsed() < ttl).then(|| scopes.clone())
    }

    fn put(&self, digest: KeyDigest, scopes: Option<Vec<Scope>>) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(digest, (scopes, Instant::now()));
    }
}

/// The middleware of a route: 401 without a valid key, 403 with the wrong scope.
pub async fn require(State((state, access)): State<(AppState, Access)>, mut request: Request, next: Next) -> Response {
    if access == Access::Open {
        return next.run(request).await;
    }
    let Some(key) = bearer(&request) else {
        return unauthorized("send an API key as `Authorization: Bearer KEY`");
    };
    let scopes = match scopes_of(&state, &key).await {
        Ok(Some(s)) => s,
        Ok(None) => return unauthorized("the API key is not known (or was revoked)"),
        Err(e) => return e.into_response(),
    };
    if !access.allows(&scopes) {
        let held: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        let message = format!(
            "this endpoint needs a key with scope {}; this key has `{}`",
            access.describe(),
            held.join(",")
        );
        return ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).into_response();
    }
    request.extensions_mut().insert(Caller { scopes });
    next.run(request).await
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response();
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    response
}

fn bearer(request: &Request) -> Option<String> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, key) = value.split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then(|| key.to_string())
}

async fn scopes_of(state: &AppState, key: &str) -> Result<Option<Vec<Scope>>, ApiError> {
    let digest = KeyDigest::of(key);
    if let Some(hit) = state.keys.get(&digest) {
        return Ok(hit);
    }
    let asked = digest.clone();
    let scopes = state.ledger_call(move |ledger| ledger.key_scopes(&asked)).await?;
    state.keys.put(digest, scopes.clone());
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_may_call_everything() {
        let decide = Access::AnyOf(&[Scope::Decide]);
        assert!(decide.allows(&[Scope::Admin]));
        assert!(decide.allows(&[Scope::Redeem, Scope::Decide]));
        assert!(!decide.allows(&[Scope::Redeem]));
        assert!(!Access::AnyOf(&[Scope::Admin]).allows(&[Scope::Decide, Scope::Redeem]));
        assert_eq!(decide.describe(), "`decide` or `admin`");
    }
}
