//! KUTTL's partial match (spec §3.2): is the expected tree a subset of the actual one?
//!
//! Maps are subsets key by key, lists must have the same length and match element by element in
//! order, scalars must have the same Go type (int64, float64, string, bool) and value. Messages and
//! paths are KUTTL's: `.spec.replicas: value mismatch, expected: 2 != actual: 1`.

use serde_json::Value;

/// Where and why the expected tree is not a subset.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mismatch {
    /// Map keys from the root; list indices are not part of it, as in KUTTL.
    pub path: Vec<String>,
    /// What differs.
    pub message: String,
}

impl std::error::Error for Mismatch {}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, ".{}: {}", self.path.join("."), self.message)
        }
    }
}

/// KUTTL's partial match: whether `expected` is a subset of `actual`, as a KUTTL assert file
/// matches a cluster object. Useful in typed tests too.
///
/// ```
/// use serde_json::json;
///
/// let actual = json!({"spec": {"replicas": 1, "paused": false}});
/// assert!(kuttl::is_subset(&json!({"spec": {"replicas": 1}}), &actual).is_ok());
/// let mismatch = kuttl::is_subset(&json!({"spec": {"replicas": 2}}), &actual).unwrap_err();
/// assert_eq!(mismatch.to_string(), ".spec.replicas: value mismatch, expected: 2 != actual: 1");
/// ```
///
/// # Errors
///
/// [`Mismatch`]: the first place where `expected` is not in `actual`.
pub fn is_subset(expected: &Value, actual: &Value) -> Result<(), Mismatch> {
    let (expected_type, actual_type) = (go_type(expected), go_type(actual));
    if expected_type != actual_type {
        return Err(mismatch(format!(
            "type mismatch: {expected_type} != {actual_type}"
        )));
    }
    if expected == actual {
        return Ok(());
    }
    match (expected, actual) {
        (Value::Array(expected), Value::Array(actual)) => {
            if expected.len() != actual.len() {
                return Err(mismatch(format!(
                    "slice length mismatch: {} != {}",
                    expected.len(),
                    actual.len()
                )));
            }
            expected
                .iter()
                .zip(actual)
                .try_for_each(|(expected, actual)| is_subset(expected, actual))
        }
        (Value::Object(expected), Value::Object(actual)) => {
            for (key, expected) in expected {
                let Some(actual) = actual.get(key) else {
                    return Err(Mismatch {
                        path: vec![key.clone()],
                        message: "key is missing from map".into(),
                    });
                };
                is_subset(expected, actual).map_err(|mut err| {
                    err.path.insert(0, key.clone());
                    err
                })?;
            }
            Ok(())
        }
        _ => Err(mismatch(format!(
            "value mismatch, expected: {} != actual: {}",
            go_display(expected),
            go_display(actual)
        ))),
    }
}

fn mismatch(message: String) -> Mismatch {
    Mismatch {
        path: Vec::new(),
        message,
    }
}

/// The Go type a value has after Kubernetes' JSON decoding.
fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// A scalar as Go's `%v` prints it.
fn go_display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    #[rstest]
    #[case::equal(json!({"a": 1}), json!({"a": 1}))]
    #[case::extra_keys_ignored(json!({"spec": {"replicas": 1}}), json!({"spec": {"replicas": 1, "paused": false}, "status": {}}))]
    #[case::empty_map_matches_any(json!({"spec": {}}), json!({"spec": {"x": [1, 2]}}))]
    #[case::partial_list_elements(json!({"c": [{"name": "a"}, {"name": "b"}]}), json!({"c": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}))]
    fn subsets(#[case] expected: Value, #[case] actual: Value) {
        assert_eq!(is_subset(&expected, &actual), Ok(()));
    }

    #[rstest]
    #[case::value(json!({"spec": {"replicas": 2}}), json!({"spec": {"replicas": 1}}), ".spec.replicas: value mismatch, expected: 2 != actual: 1")]
    #[case::string_value(json!({"data": {"k": "v1"}}), json!({"data": {"k": "v2"}}), ".data.k: value mismatch, expected: v1 != actual: v2")]
    #[case::missing_key(json!({"status": {"phase": "Running"}}), json!({"status": {}}), ".status.phase: key is missing from map")]
    #[case::quoted_number(json!({"port": "80"}), json!({"port": 80}), ".port: type mismatch: string != int64")]
    #[case::int_vs_float(json!({"x": 1}), json!({"x": 1.0}), ".x: type mismatch: int64 != float64")]
    #[case::null_expected(json!({"x": null}), json!({"x": "set"}), ".x: type mismatch: <nil> != string")]
    #[case::list_length(json!({"l": [1]}), json!({"l": [1, 2]}), ".l: slice length mismatch: 1 != 2")]
    #[case::list_order(json!({"l": [2, 1]}), json!({"l": [1, 2]}), ".l: value mismatch, expected: 2 != actual: 1")]
    #[case::list_index_not_in_path(json!({"c": [{"image": "a"}]}), json!({"c": [{"image": "b"}]}), ".c.image: value mismatch, expected: a != actual: b")]
    #[case::empty_list_vs_missing(json!({"l": []}), json!({}), ".l: key is missing from map")]
    #[case::root_type(json!([1]), json!({"a": 1}), "type mismatch: []interface {} != map[string]interface {}")]
    fn mismatches(#[case] expected: Value, #[case] actual: Value, #[case] message: &str) {
        assert_eq!(
            is_subset(&expected, &actual).unwrap_err().to_string(),
            message
        );
    }
}
