//! Request bodies: UTF-8 text, JSON parsed with an error that names the field at fault
//! (serde_json gives a line and column; [`field_at`] turns them into a path such as
//! `order.items[0].price`), events, and batches (a JSON array or JSON lines).

use super::errors::ApiError;
use crate::runtime::event::{Event, RawEvent, describe_json_error};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// The most events one batch may hold.
pub const MAX_BATCH: usize = 10_000;

/// The body as text; a body over the route's limit is a 413.
pub fn text(body: Result<Bytes, BytesRejection>) -> Result<String, ApiError> {
    let bytes = body?;
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        ApiError::bad_request(
            "malformed_json",
            format!("the body is not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// Parses JSON text into `T`; errors name the field and reason.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, ApiError> {
    serde_json::from_str(text).map_err(|e| json_error(text, &e))
}

/// A serde_json error as a 400 naming the field, line and column.
pub fn json_error(text: &str, e: &serde_json::Error) -> ApiError {
    let message = plain_types(&describe_json_error(e));
    let message = match message.rfind(" (column ") {
        Some(i) => format!("{} (line {}, column {})", &message[..i], e.line(), e.column()),
        None => message,
    };
    let missing = backticked_after(&message, "missing required field ");
    let mut field = field_at(text, e.line(), e.column(), missing.is_some());
    if let Some(missing) = missing {
        field = Some(join(field.as_deref(), missing));
    }
    ApiError::bad_request("malformed_json", message)
        .field(field)
        .at(e.line(), e.column())
}

/// One event: JSON errors name the field; the event's own rules (a `user` for most
/// types, `name`/`key`/`value` for signals) come from [`Event::from_raw`].
pub fn event(text: &str) -> Result<Event, ApiError> {
    let raw: RawEvent = parse(text)?;
    Event::from_raw(raw).map_err(|e| {
        let field = backticked_after(&e.0, "field ").map(str::to_string);
        ApiError::bad_request("invalid_event", e.0).field(field)
    })
}

/// One element of a batch: its JSON text, or why it could not be cut out.
pub struct Element {
    pub text: Result<String, ApiError>,
    /// 1-based line of a JSON lines body.
    pub line: Option<usize>,
}

/// Splits a batch body: a JSON array (which must parse as a whole) or JSON lines (a bad
/// line is an error of its element only). Blank lines are skipped.
pub fn batch(text: &str) -> Result<Vec<Element>, ApiError> {
    let elements = if text.trim_start().starts_with('[') {
        let values: Vec<Json> = parse(text)?;
        values
            .into_iter()
            .map(|v| Element {
                text: serde_json::to_string(&v).map_err(|e| ApiError::internal(e.to_string())),
                line: None,
            })
            .collect::<Vec<_>>()
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| Element {
                text: Ok(l.to_string()),
                line: Some(i + 1),
            })
            .collect()
    };
    if elements.len() > MAX_BATCH {
        return Err(ApiError::too_large(format!(
            "a batch holds at most {MAX_BATCH} events, this one has {}",
            elements.len()
        )));
    }
    Ok(elements)
}

/// serde names Rust types in what it expected (`expected f64`); clients read JSON types.
fn plain_types(message: &str) -> String {
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
        assert_eq!(e.as_ref().map(|e| e.code), Some("invalid_event"));
        assert_eq!(e.and_then(|e| e.field).as_deref(), Some("user"));
    }

    #[test]
    fn batches_are_arrays_or_lines() {
        let lines = batch("{\"a\": 1}\n\n{oops\n").unwrap_or_default();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].line, Some(3));
        let array = batch(" [{\"a\": 1}, {\"b\": [2]}]").unwrap_or_default();
        assert_eq!(array.len(), 2);
        assert_eq!(array[1].text.as_deref().ok(), Some(r#"{"b":[2]}"#));
        assert!(batch("[{\"a\": 1},").is_err());
    }
}
