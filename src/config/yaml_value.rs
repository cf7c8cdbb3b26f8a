//! A YAML document's value as Go's sigs.k8s.io/yaml hands it on (YAML → Go values → JSON →
//! Kubernetes' unstructured objects), which is what kubectl and KUTTL read:
//! - map keys are converted to strings from their YAML type, so a plain key that YAML 1.1 reads as
//!   a boolean (`y`, `n`, `yes`, `off`, …) becomes `"true"` or `"false"`; a quoted one stays text;
//! - a float that JSON writes without a fraction or exponent (`1e3`, `!!float 1`, `3.0`) comes back
//!   as an integer, as the unstructured decoder reads such numbers as int64.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A YAML value with its keys still typed.
pub(crate) enum YamlValue {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<YamlValue>),
    Map(Vec<(YamlKey, YamlValue)>),
}

impl YamlValue {
    /// The JSON value kubectl reads for this YAML value; the last of duplicate keys wins.
    pub(crate) fn into_json(self) -> Value {
        match self {
            YamlValue::Null => Value::Null,
            YamlValue::Bool(b) => Value::Bool(b),
            YamlValue::Int(i) => Value::from(i),
            YamlValue::UInt(u) => Value::from(u),
            YamlValue::Float(f) => float_as_json(f),
            YamlValue::Str(s) => Value::String(s),
            YamlValue::Seq(items) => {
                Value::Array(items.into_iter().map(YamlValue::into_json).collect())
            }
            YamlValue::Map(entries) => {
                let mut map = Map::new();
                for (key, value) in entries {
                    map.insert(key.into_text(), value.into_json());
                }
                Value::Object(map)
            }
        }
    }
}

/// A map key: a scalar. A sequence or map as a key is an error at once, as in Go's YAML-to-JSON
/// conversion (and parsing one could take serde-saphyr a long time).
pub(crate) enum YamlKey {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
}

impl YamlKey {
    /// The key as text, as Go formats the key's YAML value.
    fn into_text(self) -> String {
        match self {
            YamlKey::Null => "null".into(),
            YamlKey::Bool(b) => b.to_string(),
            YamlKey::Int(i) => i.to_string(),
            YamlKey::UInt(u) => u.to_string(),
            YamlKey::Float(f) => match float_as_json(f) {
                Value::Number(n) => n.to_string(),
                other => other.to_string(),
            },
            YamlKey::Str(s) => s,
        }
    }
}

/// A float as it comes back from Go's JSON: integral values below 2^63 in magnitude are written
/// without a fraction (encoding/json uses plain notation below 1e21) and read back as int64.
fn float_as_json(f: f64) -> Value {
    const I64_LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if f.is_finite() && f.fract() == 0.0 && f.abs() < I64_LIMIT {
        Value::from(f as i64)
    } else {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

impl<'de> Deserialize<'de> for YamlValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(YamlVisitor)
    }
}

struct YamlVisitor;

impl<'de> Visitor<'de> for YamlVisitor {
    type Value = YamlValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E>(self) -> Result<YamlValue, E> {
        Ok(YamlValue::Null)
    }

    fn visit_none<E>(self) -> Result<YamlValue, E> {
        Ok(YamlValue::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<YamlValue, D::Error> {
        YamlValue::deserialize(d)
    }

    fn visit_bool<E>(self, b: bool) -> Result<YamlValue, E> {
        Ok(YamlValue::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<YamlValue, E> {
        Ok(YamlValue::Int(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<YamlValue, E> {
        Ok(YamlValue::UInt(u))
    }

    fn visit_f64<E>(self, f: f64) -> Result<YamlValue, E> {
        Ok(YamlValue::Float(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<YamlValue, E> {
        Ok(YamlValue::Str(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<YamlValue, E> {
        Ok(YamlValue::Str(s))
    }

    fn visit_bytes<E>(self, bytes: &[u8]) -> Result<YamlValue, E> {
        Ok(YamlValue::Str(String::from_utf8_lossy(bytes).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<YamlValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(YamlValue::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<YamlValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(YamlValue::Map(entries))
    }
}

impl<'de> Deserialize<'de> for YamlKey {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

/// Takes scalars only: the visitor's defaults reject a sequence or a map.
struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = YamlKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar map key")
    }

    fn visit_unit<E>(self) -> Result<YamlKey, E> {
        Ok(YamlKey::Null)
    }

    fn visit_none<E>(self) -> Result<YamlKey, E> {
        Ok(YamlKey::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<YamlKey, D::Error> {
        YamlKey::deserialize(d)
    }

    fn visit_bool<E>(self, b: bool) -> Result<YamlKey, E> {
        Ok(YamlKey::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<YamlKey, E> {
        Ok(YamlKey::Int(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<YamlKey, E> {
        Ok(YamlKey::UInt(u))
    }

    fn visit_f64<E>(self, f: f64) -> Result<YamlKey, E> {
        Ok(YamlKey::Float(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<YamlKey, E> {
        Ok(YamlKey::Str(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<YamlKey, E> {
        Ok(YamlKey::Str(s))
    }
}
