//! JSON read as strictly as the documents describe it. serde's derived structs also
//! accept an array of their fields in order (`["o-x"]` for `{"order_id": "o-x"}`), and
//! `Option` fields accept `null`; these helpers read an object only as an object, and an
//! optional field as absent or a value, never `null`, where the schema says so.

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A `T` that must be written as a JSON object.
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                // The map's entries go to `T` as they are read: strings stay borrowed and
                // errors keep their place in the text.
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(V(PhantomData)).map(Object)
    }
}

/// `deserialize_with` for a field that holds an object.
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Object::deserialize(d).map(|o| o.0)
}

/// `deserialize_with` for an array of objects.
pub fn objects<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let items: Vec<Object<T>> = Vec::deserialize(d)?;
    Ok(items.into_iter().map(|o| o.0).collect())
}

/// `deserialize_with` (with `default`) for an optional field that may be absent but not
/// `null`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// `deserialize_with` (with `default`) for an optional object, absent but not `null`.
pub fn present_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    object(d).map(Some)
}

/// `deserialize_with` for an enum written as a string: serde_json reads `null` for an
/// enum as a syntax error (`expected value`), which the text is not.
pub fn string_enum<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<T, D::Error> {
    use serde::de::IntoDeserializer;
    let text = String::deserialize(d)?;
    T::deserialize(text.into_deserializer())
}

/// `deserialize_with` for a count (in `value`, which the checkout engine reads too).
pub use crate::value::count;

/// A whole text that must be one JSON object of `T`.
pub fn from_str<'a, T: Deserialize<'a>>(text: &'a str) -> serde_json::Result<T> {
    let mut d = serde_json::Deserializer::from_str(text);
    let value = object(&mut d)?;
    d.end()?;
    Ok(value)
}

/// [`from_str`] on bytes (strings are checked as UTF-8 where JSON holds them).
pub fn from_slice<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> serde_json::Result<T> {
    let mut d = serde_json::Deserializer::from_slice(bytes);
    let value = object(&mut d)?;
    d.end()?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Commit {
        order_id: String,
        #[serde(default, deserialize_with = "present")]
        code: Option<String>,
    }

    #[test]
    fn an_array_is_not_an_object() {
        assert!(
            serde_json::from_str::<Commit>(r#"["o-x"]"#).is_ok(),
            "serde alone takes it"
        );
        let e = from_str::<Commit>(r#"["o-x"]"#).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("invalid type: sequence, expected an object at line 1 column 0")
        );
        assert_eq!(
            from_str::<Commit>(r#"{"order_id": "o-x"}"#).ok(),
            Some(Commit {
                order_id: "o-x".into(),
                code: None
            })
        );
        assert!(
            from_str::<Commit>(r#"{"order_id": "o-x"} {}"#).is_err(),
            "one object only"
        );
        assert!(from_str::<Commit>(r#"{"order_id": "o-x", "other": 1}"#).is_err());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Line {
        #[serde(deserialize_with = "count")]
        qty: u32,
    }

    #[test]
    fn counts_may_be_written_with_a_zero_fraction() {
        assert_eq!(from_str::<Line>(r#"{"qty": 3.0}"#).ok(), Some(Line { qty: 3 }));
        assert_eq!(from_str::<Line>(r#"{"qty": 3}"#).ok(), Some(Line { qty: 3 }));
        for bad in ["3.5", "-1", "4294967296", "\"3\"", "null"] {
            assert!(from_str::<Line>(&format!(r#"{{"qty": {bad}}}"#)).is_err(), "{bad}");
        }
    }

    #[test]
    fn null_is_not_absent_where_the_field_says_so() {
        let e = from_str::<Commit>(r#"{"order_id": "o-x", "code": null}"#).err();
        assert!(e.is_some_and(|e| e.to_string().starts_with("invalid type: null, expected a string")));
    }
}
