//! A YAML document's value as Go's sigs.k8s.io/yaml hands it on (YAML → Go values → JSON →
//! Kubernetes' unstructured objects), which is what kubectl and KUTTL read:
//! - map keys are converted to strings from their YAML type, so a plain key that YAML 1.1 reads as
//!   a boolean (`y`, `n`, `yes`, `off`, …) becomes `"true"` or `"false"`; a quoted one stays text;
//!   a sequence or map as a key is an error at once, as in Go (and parsing one could take
//!   serde-saphyr a long time);
//! - a float that JSON writes without a fraction or exponent (`1e3`, `!!float 1`, `3.0`) comes back
//!   as an integer, as the unstructured decoder reads such numbers as int64.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A YAML value with its keys still typed.
pub(crate) enum YamlValue {
    Scalar(Scalar),
    Seq(Vec<YamlValue>),
    Map(Vec<(Scalar, YamlValue)>),
}

/// A YAML scalar, typed as YAML 1.1 reads it.
pub(crate) enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
}

impl From<Scalar> for YamlValue {
    fn from(scalar: Scalar) -> Self {
        YamlValue::Scalar(scalar)
    }
}

impl YamlValue {
    /// The JSON value kubectl reads for this YAML value; the last of duplicate keys wins.
    pub(crate) fn into_json(self) -> Value {
        match self {
            YamlValue::Scalar(scalar) => scalar.into_json(),
            YamlValue::Seq(items) => {
                Value::Array(items.into_iter().map(YamlValue::into_json).collect())
            }
            YamlValue::Map(entries) => {
                let mut map = Map::new();
                for (key, value) in entries {
                    map.insert(key.into_key(), value.into_json());
                }
                Value::Object(map)
            }
        }
    }
}

impl Scalar {
    fn into_json(self) -> Value {
        match self {
            Scalar::Null => Value::Null,
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Int(i) => Value::from(i),
            Scalar::UInt(u) => Value::from(u),
            Scalar::Float(f) => float_as_json(f),
            Scalar::Str(s) => Value::String(s),
        }
    }

    /// The scalar as a map key: text, as Go formats the key's YAML value.
    fn into_key(self) -> String {
        match self.into_json() {
            Value::Null => "null".into(),
            Value::String(s) => s,
            other => other.to_string(),
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

/// The visits of scalars, the same for values and keys (`Self::Value: From<Scalar>`).
macro_rules! visit_scalars {
    () => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Scalar::Null.into())
        }

        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Scalar::Null.into())
        }

        fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            <Self::Value as Deserialize>::deserialize(d)
        }

        fn visit_bool<E>(self, b: bool) -> Result<Self::Value, E> {
            Ok(Scalar::Bool(b).into())
        }

        fn visit_i64<E>(self, i: i64) -> Result<Self::Value, E> {
            Ok(Scalar::Int(i).into())
        }

        fn visit_u64<E>(self, u: u64) -> Result<Self::Value, E> {
            Ok(Scalar::UInt(u).into())
        }

        fn visit_f64<E>(self, f: f64) -> Result<Self::Value, E> {
            Ok(Scalar::Float(f).into())
        }

        fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
            Ok(Scalar::Str(s.to_string()).into())
        }

        fn visit_string<E>(self, s: String) -> Result<Self::Value, E> {
            Ok(Scalar::Str(s).into())
        }
    };
}

impl<'de> Deserialize<'de> for YamlValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = YamlValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    visit_scalars!();

    fn visit_bytes<E>(self, bytes: &[u8]) -> Result<YamlValue, E> {
        Ok(Scalar::Str(String::from_utf8_lossy(bytes).into_owned()).into())
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

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor)
    }
}

/// Takes scalars only: the visitor's defaults reject a sequence or a map as a key.
struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar map key")
    }

    visit_scalars!();
}
