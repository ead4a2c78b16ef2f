//! Answers held to their schema in `docs/openapi.json`, all the way down.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use serde_json::Value;

pub fn document() -> Value {
    serde_json::from_str(mintage::service::openapi::DOCUMENT).unwrap()
}

/// `value` fits the schema `name` (or the inline schema `s`) all the way down: objects
/// have the keys their schema names and requires and no others, arrays' items fit theirs.
pub fn fits(doc: &Value, s: &Value, value: &Value, at: &str) {
    if let Some(name) = s["$ref"].as_str() {
        let name = name.trim_start_matches("#/components/schemas/");
        let schema = &doc["components"]["schemas"][name];
        assert!(schema.is_object(), "no schema {name}");
        return fits(doc, schema, value, &format!("{at} ({name})"));
    }
    let types: Vec<&str> = match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert!(
        types.contains(&kind) || (kind == "integer" && types.contains(&"number")),
        "{at}: a {kind} where the document says {types:?}: {value}"
    );
    if let Some(options) = s["enum"].as_array() {
        assert!(options.contains(value), "{at}: {value} is not one of {options:?}");
    }
    match value {
        Value::Object(object) => {
            assert_eq!(s["additionalProperties"], false, "{at} is not typed");
            let properties = s["properties"].as_object().unwrap();
            for (key, v) in object {
                let p = properties
                    .get(key)
                    .unwrap_or_else(|| panic!("{at} does not name `{key}`: {value}"));
                fits(doc, p, v, &format!("{at}.{key}"));
            }
            for key in s["required"].as_array().into_iter().flatten() {
                let key = key.as_str().unwrap();
                assert!(object.contains_key(key), "{at} requires `{key}`: {value}");
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                fits(doc, &s["items"], v, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}
