//! The console's pages and scripts at `/console/`: embedded at build time from
//! `console/dist/` (see `build.rs`), or read from the folder `MINTAGE_CONSOLE_DIR` names
//! (for working on the console without building the binary again; empty or unset: the
//! embedded files). A binary built
//! without the console answers a page saying how to build it.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/console_assets.rs"));
}

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Mintage console</title>\
<h1>The console is not in this build</h1>\
<p>Build it from the sources in <code>console/</code>, then build the binary again:</p>\
<pre>cd console && npm ci && npm run build && cd .. && cargo build --release</pre>\
<p>The API it uses is all there: see <a href=\"/openapi.json\">/openapi.json</a>.</p>";

/// `/console`: the page's scripts are relative to `/console/`.
pub async fn index_redirect() -> Redirect {
    Redirect::permanent("/console/")
}

pub async fn index() -> Response {
    serve("index.html")
}

pub async fn asset(path: Result<Path<String>, PathRejection>) -> Response {
    match path {
        Ok(Path(path)) => serve(&path),
        Err(e) => crate::service::errors::ApiError::from(e).into_response(),
    }
}

fn mime(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn serve(path: &str) -> Response {
    let path = if path.is_empty() { "index.html" } else { path };
    if path
        .split('/')
        .any(|part| part == ".." || part.is_empty() || part.starts_with('.'))
    {
        return not_found(path);
    }
    let bytes: Option<Vec<u8>> = match std::env::var_os("MINTAGE_CONSOLE_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => std::fs::read(std::path::Path::new(&dir).join(path)).ok(),
        None => embedded::ASSETS
            .iter()
            .find(|(p, _)| *p == path)
            .map(|(_, b)| b.to_vec()),
    };
    match bytes {
        Some(b) => (
            [
                (header::CONTENT_TYPE, mime(path)),
                (header::CACHE_CONTROL, "no-cache"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                (header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"),
            ],
            b,
        )
            .into_response(),
        None if path == "index.html" && !embedded::BUILT => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], NOT_BUILT).into_response()
        }
        None => not_found(path),
    }
}

fn not_found(path: &str) -> Response {
    crate::service::errors::ApiError::not_found("no_route", format!("no console file `{path}`")).into_response()
}
