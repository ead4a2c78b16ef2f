//! Request bodies: their media type, UTF-8 text, JSON parsed with an error that names the
//! field at fault (serde_json gives a line and column; [`field_at`] turns them into a
//! path such as `order.items[0].price`), events, and batches (a JSON array or JSON lines).
//!
//! One code per kind of mistake, on every route: a body that is not JSON at all is
//! `malformed_json`; JSON whose fields do not fit (a wrong type, a field missing, unknown
//! or `null` where it may not be, an array for an object, a value out of its domain, an
//! event that breaks the contract) is `invalid_field`, with the field's path.

use super::errors::ApiError;
use crate::runtime::event::{Event, RawEvent, describe_json_error};
use crate::runtime::json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// The most events one batch may hold.
pub const MAX_BATCH: usize = 10_000;

/// The media types a body may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Media {
    /// `application/json`: one JSON value.
    Json,
    /// `application/x-ndjson`: one JSON value per line.
    JsonLines,
}

impl Media {
    pub fn mime(self) -> &'static str {
        match self {
            Media::Json => "application/json",
            Media::JsonLines => "application/x-ndjson",
        }
    }
}

/// The request's media type, among those the route takes (415 otherwise). Parameters
/// other than `charset` are ignored; a charset must be UTF-8, as JSON is.
pub fn media(headers: &HeaderMap, accepted: &[Media]) -> Result<Media, ApiError> {
    let names: Vec<String> = accepted.iter().map(|m| format!("`{}`", m.mime())).collect();
    let want = names.join(" or ");
    let unsupported =
        |message: String| ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", message);
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(unsupported(format!("the body has no `Content-Type`; send {want}")));
    };
    let text = value.to_str().unwrap_or_default();
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let Some(found) = accepted.iter().find(|m| m.mime() == essence) else {
        return Err(unsupported(format!(
            "`Content-Type: {text}` is not taken here; send {want}"
        )));
    };
    for parameter in parts {
        let (name, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        let value = value.trim().trim_matches('"');
        if name.trim().eq_ignore_ascii_case("charset") && !value.eq_ignore_ascii_case("utf-8") {
            return Err(unsupported(format!("`charset={value}`: JSON bodies are UTF-8")));
        }
    }
    Ok(*found)
}

/// The body as text; a body over the route's limit is a 413. The text may not hold the
/// NUL character, which PostgreSQL cannot store: both ledgers refuse it alike.
pub fn text(body: Result<Bytes, BytesRejection>) -> Result<String, ApiError> {
    let bytes = body?;
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
        ApiError::bad_request(
            "malformed_json",
            format!("the body is not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        )
    })?;
    if let Some(at) = nul_escape(&text) {
        let field = field_at_offset(&text, at);
        let message = "text may not hold the NUL character (`\\u0000`)";
        return Err(ApiError::bad_request("invalid_field", message).field(field));
    }
    Ok(text)
}

/// Parses a body that must be one JSON object of `T`; errors name the field and reason.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    if blank(text) {
        return Err(ApiError::bad_request(
            "malformed_json",
            "the body is empty; send a JSON object",
        ));
    }
    json::from_str(text).map_err(|e| json_error(text, &e))
}

/// A serde_json error as a 400 naming the field, line and column: `malformed_json` when
/// the text is not JSON, `invalid_field` when it is but does not fit.
pub fn json_error(text: &str, e: &serde_json::Error) -> ApiError {
    // serde_json says column 0 for a value it has only peeked at: the first column.
    let (line, column) = (e.line(), e.column().max(1));
    let message = plain_types(&describe_json_error(e));
    let message = match message.rfind(" (column ") {
        Some(i) => format!("{} (line {line}, column {column})", &message[..i]),
        None => message,
    };
    let missing = backticked_after(&message, "missing required field ");
    let mut field = field_at(text, e.line(), e.column(), missing.is_some());
    if let Some(missing) = missing {
        field = Some(join(field.as_deref(), missing));
    }
    // Whether the text is JSON at all decides the code, not serde's category: some type
    // errors come out as syntax errors (`null` for an enum).
    let is_json = e.classify() == serde_json::error::Category::Data
        || serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    let code = if is_json { "invalid_field" } else { "malformed_json" };
    ApiError::bad_request(code, message).field(field).at(line, column)
}

/// One event: JSON errors name the field; the event's own rules (a `user` for most
/// types, `name`/`key`/`value` for signals) come from [`Event::from_raw`].
pub fn event(text: &str) -> Result<Event, ApiError> {
    let raw: RawEvent = parse(text)?;
    Event::from_raw(raw).map_err(|e| {
        let field = backticked_after(&e.0, "field ").map(str::to_string);
        // Each field fits, but two name different users: a 409, as for an order that
        // contradicts itself (the document cannot say that two fields must agree).
        if crate::event::referral::is_mismatch(&e) {
            return ApiError::new(axum::http::StatusCode::CONFLICT, "bad_referral", e.0).field(field);
        }
        ApiError::bad_request("invalid_field", e.0).field(field)
    })
}

/// One element of a batch: its JSON text, or why it could not be cut out.
pub struct Element {
    pub text: Result<String, ApiError>,
    /// 1-based line of a JSON lines body.
    pub line: Option<usize>,
}

/// Splits a batch body: a JSON array (`application/json`, which must parse as a whole)
/// or JSON lines (`application/x-ndjson`; a bad line is an error of its element only,
/// blank lines are skipped). An empty body is an error: it is no batch.
pub fn batch(text: &str, media: Media) -> Result<Vec<Element>, ApiError> {
    if blank(text) {
        return Err(ApiError::bad_request(
            "malformed_json",
            "the body is empty; send a JSON array of events (`application/json`) or one event per line (`application/x-ndjson`)",
        ));
    }
    let elements = match media {
        Media::Json => {
            let values: Vec<Json> = serde_json::from_str(text).map_err(|e| json_error(text, &e))?;
            values
                .into_iter()
                .map(|v| Element {
                    text: serde_json::to_string(&v).map_err(|e| ApiError::internal(e.to_string())),
                    line: None,
                })
                .collect::<Vec<_>>()
        }
        Media::JsonLines => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !blank(l))
            .map(|(i, l)| Element {
                text: Ok(l.to_string()),
                line: Some(i + 1),
            })
            .collect(),
    };
    if elements.len() > MAX_BATCH {
        return Err(ApiError::too_large(format!(
            "a batch holds at most {MAX_BATCH} events, this one has {}",
            elements.len()
        )));
    }
    Ok(elements)
}

/// Whether a text holds nothing but JSON's whitespace (space, tab, line feed, carriage
/// return): other characters are not JSON, and are answered as such.
fn blank(text: &str) -> bool {
    text.trim_matches([' ', '\t', '\n', '\r']).is_empty()
}

/// The byte offset of the first `\u0000` escape in JSON text (an escape: preceded by an
/// even number of backslashes).
fn nul_escape(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text.get(from..)?.find("u0000").map(|i| i + from) {
        let before = bytes.get(..i).unwrap_or_default();
        let slashes = before.iter().rev().take_while(|b| **b == b'\\').count();
        if slashes % 2 == 1 {
            return Some(i - 1);
        }
        from = i + 1;
    }
    None
}

/// [`field_at`] for a byte offset.
fn field_at_offset(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = offset - before.rfind('\n').map_or(0, |i| i + 1);
    field_at(text, line, column, false)
}

/// serde names Rust types in what it expected (`expected f64`) and its own in what it
/// found (`sequence`); clients read JSON types.
fn plain_types(message: &str) -> String {
    let message = message
        .replacen("wrong type: sequence,", "wrong type: array,", 1)
        .replacen("wrong type: map,", "wrong type: object,", 1);
    let message = message.as_str();
    let Some(i) = message.find("expected ") else {
        return message.to_string();
    };
    let (head, tail) = message.split_at(i + "expected ".len());
    let end = tail.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(tail.len());
    let plain = match &tail[..end] {
        "f32" | "f64" => "a number",
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" => "an integer",
        _ => return message.to_string(),
    };
    format!("{head}{plain}{}", &tail[end..])
}

/// The name in backticks right after `prefix` in `message`.
fn backticked_after<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('`')?;
    Some(&rest[..rest.find('`')?])
}

fn join(path: Option<&str>, name: &str) -> String {
    match path {
        Some(p) if !p.is_empty() => format!("{p}.{name}"),
        _ => name.to_string(),
    }
}

enum Frame {
    Object { key: Option<String>, want_key: bool },
    Array { index: usize },
}

/// The JSON path of the value at `line`/`column` (1-based, as serde_json reports them):
/// the text before that point is scanned for the keys and indexes that lead there. An
/// error on a closing brace belongs to the object it closes; with `object`, the path
/// ends at that object (serde_json reports a missing field there, after the last key).
pub fn field_at(text: &str, line: usize, column: usize, object: bool) -> Option<String> {
    let end = offset(text, line, column);
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        let Some(&b) = bytes.get(i) else { break };
        let last = i + 1 == end;
        match b {
            b'{' => stack.push(Frame::Object {
                key: None,
                want_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' if !last => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { key, want_key }) => {
                    *key = None;
                    *want_key = true;
                }
                None => {}
            },
            b':' => {
                if let Some(Frame::Object { want_key, .. }) = stack.last_mut() {
                    *want_key = false;
                }
            }
            b'"' => {
                let (s, next) = string_at(text, i);
                if let Some(Frame::Object { key, want_key: true }) = stack.last_mut() {
                    *key = Some(s);
                }
                i = next;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if object && let Some(Frame::Object { key, .. }) = stack.last_mut() {
        *key = None;
    }
    let mut path = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Object { key: None, .. } => break,
            Frame::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    (!path.is_empty()).then_some(path)
}

/// The byte offset of a 1-based line and column, clamped to the text.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (start + column).min(text.len())
}

/// The string starting at the quote at `start`, unescaped, and the offset after it.
fn string_at(text: &str, start: usize) -> (String, usize) {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    let mut escaped = false;
    while let Some(&b) = bytes.get(i) {
        match (escaped, b) {
            (true, _) => escaped = false,
            (false, b'\\') => escaped = true,
            (false, b'"') => break,
            _ => {}
        }
        i += 1;
    }
    let end = (i + 1).min(text.len());
    let quoted = text.get(start..end).unwrap_or_default();
    let s = serde_json::from_str::<String>(quoted).unwrap_or_else(|_| quoted.trim_matches('"').to_string());
    (s, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of<T: DeserializeOwned + std::fmt::Debug>(text: &str) -> Option<String> {
        parse::<T>(text).err().and_then(|e| e.field)
    }

    #[test]
    fn type_errors_name_the_nested_field() {
        let text = r#"{"id": "e-1", "type": "view_item", "at": "2026-11-02T10:00:00+08:00",
            "user": {"id": "u-1", "paid_orders": "none"}}"#;
        assert_eq!(field_of::<RawEvent>(text).as_deref(), Some("user.paid_orders"));
    }

    #[test]
    fn missing_fields_are_named_with_their_object() {
        assert_eq!(
            field_of::<RawEvent>(r#"{"id": "e-1", "type": "x"}"#).as_deref(),
            Some("at")
        );
        let req = r#"{"code": "MNT-1", "order": {"id": "o-1", "items": []}}"#;
        assert_eq!(
            field_of::<crate::ledger::RedeemRequest>(req).as_deref(),
            Some("order.buyer_id")
        );
    }

    #[test]
    fn messages_name_json_types() {
        let e = parse::<crate::ledger::OrderItem>(r#"{"id": "i-1", "price": "ten"}"#).err();
        let message = e.map(|e| e.message).unwrap_or_default();
        assert_eq!(
            message,
            r#"wrong type: string "ten", expected a number (line 1, column 28)"#
        );
    }

    #[test]
    fn array_elements_are_indexed() {
        let req = r#"{"code": "MNT-1", "order": {"id": "o-1", "buyer_id": "u-1",
            "items": [{"id": "i-1", "price": 10}, {"id": "i-2", "price": "ten"}]}}"#;
        assert_eq!(
            field_of::<crate::ledger::RedeemRequest>(req).as_deref(),
            Some("order.items[1].price")
        );
    }

    #[test]
    fn bad_times_name_at() {
        let text = r#"{"id": "e-1", "type": "tick", "at": "yesterday"}"#;
        let e = event(text).err();
        assert_eq!(e.as_ref().and_then(|e| e.field.as_deref()), Some("at"));
    }

    #[test]
    fn syntax_errors_have_a_line_and_column() {
        let e = parse::<Json>("{\n  \"id\": \"e-1\",\n  \"type\": }").err();
        assert_eq!(e.as_ref().and_then(ApiError::line), Some(3));
        assert_eq!(e.as_ref().and_then(|e| e.field.as_deref()), Some("type"));
    }

    #[test]
    fn events_without_a_user_are_rejected_naming_it() {
        let e = event(r#"{"id": "e-1", "type": "view_item", "at": "2026-11-02T10:00:00+08:00"}"#).err();
        assert_eq!(e.as_ref().map(|e| e.code), Some("invalid_field"));
        assert_eq!(e.and_then(|e| e.field).as_deref(), Some("user"));
    }

    #[test]
    fn batches_are_arrays_or_lines() {
        let lines = batch("{\"a\": 1}\n\n{oops\n", Media::JsonLines).unwrap_or_default();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].line, Some(3));
        let array = batch(" [{\"a\": 1}, {\"b\": [2]}]", Media::Json).unwrap_or_default();
        assert_eq!(array.len(), 2);
        assert_eq!(array[1].text.as_deref().ok(), Some(r#"{"b":[2]}"#));
        assert!(batch("[{\"a\": 1},", Media::Json).is_err());
    }
}
