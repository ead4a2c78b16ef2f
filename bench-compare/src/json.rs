//! The JSON front end the general engines need: an event as `serde_json::Value`, with its
//! times turned into UTC milliseconds (`now`, `user.registered_at`) and its type copied
//! to `kind`, the name every engine's rules use. This is what a platform team would write
//! in front of rhai, CEL, zen or Cedar; Mintage and the hand-written floor parse their own.

use serde_json::Value;

pub fn time_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Parses an event and brings it into the shape the rules read.
pub fn parse(json: &str) -> Value {
    let mut v: Value = serde_json::from_str(json).unwrap_or_else(|e| crate::die(&format!("bad event JSON: {e}")));
    normalize(&mut v);
    v
}

pub fn normalize(v: &mut Value) {
    let Some(obj) = v.as_object_mut() else { return };
    let kind = obj.get("type").cloned().unwrap_or(Value::Null);
    let now = obj.get("at").and_then(Value::as_str).and_then(time_ms);
    obj.insert("kind".into(), kind);
    obj.insert("now".into(), now.map(Value::from).unwrap_or(Value::Null));
    if let Some(user) = obj.get_mut("user").and_then(Value::as_object_mut) {
        for key in ["registered_at", "last_order_at"] {
            if let Some(slot) = user.get_mut(key) {
                let ms = slot.as_str().and_then(time_ms);
                *slot = ms.map(Value::from).unwrap_or(Value::Null);
            }
        }
    }
}

/// The top-level variables the rules read, in every engine but zen (which takes the
/// whole object).
pub const VARIABLES: &[&str] = &["kind", "now", "user", "item", "cart", "scores"];

/// Matched rules by name, as a JSON array: the decision that goes back out.
pub fn write_names(buf: &mut Vec<u8>, names: &[String], ids: &[u32]) {
    use serde::Serializer;
    buf.clear();
    let mut ser = serde_json::Serializer::new(buf);
    let _ = ser.collect_seq(ids.iter().map(|&i| names[i as usize].as_str()));
}
