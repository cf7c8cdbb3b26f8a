//! Go's view of decoded JSON: truthiness, `reflect.DeepEqual`, numbers as `float64`, and
//! `encoding/json`'s output.
//!
//! go-jmespath sees every JSON number as a `float64`, so here numbers compare, order and compute
//! by their `f64` value whatever their `serde_json` representation (`1 == 1.0`). A computed number
//! is stored as an integer when it is one (below 2^53), so it serializes as Go prints it (`2`, not
//! `2.0`).

use serde_json::{Map, Value};

/// go-jmespath's `IsFalse`: `false`, `null`, and empty strings, arrays and objects.
pub(crate) fn is_false(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        Value::Number(_) => false,
    }
}

/// `reflect.DeepEqual` on decoded JSON, numbers compared by value.
pub(crate) fn equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| equal(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, a)| b.get(key).is_some_and(|b| equal(a, b)))
        }
        _ => left == right,
    }
}

/// The number a value holds, as the `float64` Go would see.
pub(crate) fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// A computed `float64` as a JSON value; `None` for infinities and NaN, which JSON cannot hold.
pub(crate) fn number(value: f64) -> Option<Value> {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact
    if !value.is_finite() {
        return None;
    }
    if value.fract() == 0.0 && value.abs() < EXACT {
        // The cast is exact: the value is an integer below 2^53.
        #[allow(clippy::cast_possible_truncation)]
        return Some(Value::from(value as i64));
    }
    serde_json::Number::from_f64(value).map(Value::Number)
}

/// The JMESPath type name of a value, as the `type()` function reports it.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go's `json.Marshal` of a decoded value: compact, keys sorted, `<`, `>` and `&` escaped, numbers
/// as `float64`.
pub(crate) fn to_go_json(value: &Value) -> String {
    let mut out = String::new();
    write_go_json(&mut out, value);
    out
}

fn write_go_json(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_json_float(n.as_f64().unwrap_or_default())),
        Value::String(s) => gostd::write_json_string(out, s, true),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in sorted_entries(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                gostd::write_json_string(out, key, true);
                out.push(':');
                write_go_json(out, item);
            }
            out.push('}');
        }
    }
}

fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// `encoding/json`'s float format: shortest digits, plain below 1e21 and from 1e-6, otherwise
/// exponent form with Go's `e+21` / `e-7` exponents.
pub(crate) fn format_json_float(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-6..1e21).contains(&magnitude) {
        return format!("{value}");
    }
    let scientific = format!("{value:e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    match exponent.strip_prefix('-') {
        Some(negative) => format!("{mantissa}e-{negative}"),
        None => format!("{mantissa}e+{exponent:0>2}"),
    }
}

/// A `[start:stop:step]` slice of `items`, as go-jmespath's `util.Slice` computes it; `None` for a
/// step of 0.
pub(crate) fn slice<T: Clone>(items: &[T], parts: [Option<i64>; 3]) -> Option<Vec<T>> {
    let step = parts[2].unwrap_or(1);
    if step == 0 {
        return None;
    }
    let length = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let cap = |actual: i64| -> i64 {
        if actual < 0 {
            let from_end = actual.saturating_add(length);
            match (from_end < 0, step < 0) {
                (true, true) => -1,
                (true, false) => 0,
                (false, _) => from_end,
            }
        } else if actual >= length {
            if step < 0 { length - 1 } else { length }
        } else {
            actual
        }
    };
    let start = parts[0].map_or(if step < 0 { length - 1 } else { 0 }, cap);
    let stop = parts[1].map_or(if step < 0 { -1 } else { length }, cap);
    let mut result = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        // `cap` keeps `i` within `0..length` while the loop runs.
        if let Some(item) = usize::try_from(i).ok().and_then(|i| items.get(i)) {
            result.push(item.clone());
        }
        i = i.saturating_add(step);
    }
    Some(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_format_as_go_s_json() {
        assert_eq!(format_json_float(1e21), "1e+21");
        assert_eq!(format_json_float(1e20), "100000000000000000000");
        assert_eq!(format_json_float(1.5e-7), "1.5e-7");
        assert_eq!(format_json_float(1e-10), "1e-10");
        assert_eq!(format_json_float(0.000001), "0.000001");
        assert_eq!(format_json_float(3.0), "3");
        assert_eq!(format_json_float(-2.5), "-2.5");
        assert_eq!(format_json_float(1.23e300), "1.23e+300");
    }

    #[test]
    fn go_json_sorts_keys_and_escapes_html() {
        let value = json!({"b": [1, 2.5, null], "a": "<&>\u{1}\u{8}"});
        assert_eq!(
            to_go_json(&value),
            r#"{"a":"\u003c\u0026\u003e\u0001\b","b":[1,2.5,null]}"#
        );
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(equal(&json!({"a": [1]}), &json!({"a": [1.0]})));
        assert!(!equal(&json!(1), &json!("1")));
        assert_eq!(number(2.0), Some(json!(2)));
        assert_eq!(number(f64::INFINITY), None);
    }

    #[test]
    fn slices_follow_python_rules() {
        let items = [0, 1, 2, 3, 4];
        assert_eq!(
            slice(&items, [None, None, Some(-1)]),
            Some(vec![4, 3, 2, 1, 0])
        );
        assert_eq!(slice(&items, [Some(-2), None, None]), Some(vec![3, 4]));
        assert_eq!(
            slice(&items, [Some(10), Some(-10), Some(-2)]),
            Some(vec![4, 2, 0])
        );
        assert_eq!(slice(&items, [None, None, Some(0)]), None);
    }
}
