//! The expected document against an actual object, as a unified diff of their YAML (spec §3.7):
//! volatile metadata is removed from both sides, and in the actual object any field the expected
//! document does not mention and whose YAML spans 10 lines or more is elided.

use serde_json::Value;

const VOLATILE_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "creationTimestamp",
    "selfLink",
    "uid",
    "generation",
];
const ELIDE_AT_LINES: usize = 10;
const ELIDED: &str = "[... elided field over 10 lines long ...]";

/// A unified diff with `--- <expected id>` / `+++ <actual id>` headers and 3 lines of context.
pub(crate) fn pretty_diff(
    expected: &Value,
    actual: &Value,
    expected_id: &str,
    actual_id: &str,
) -> String {
    let expected = clean(expected.clone());
    let mut actual = clean(actual.clone());
    elide(&expected, &mut actual);
    let (expected, actual) = (to_yaml(&expected), to_yaml(&actual));
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header(expected_id, actual_id)
        .to_string()
}

/// An object's `status` (or, without one, the whole object less volatile metadata) as YAML: how
/// a state is shown in a timeline.
pub(crate) fn describe_state(object: &impl serde::Serialize) -> String {
    let value = clean(serde_json::to_value(object).unwrap_or(Value::Null));
    let shown = match value.get("status") {
        Some(status) => serde_json::json!({ "status": status }),
        None => value,
    };
    to_yaml(&shown)
}

/// An object as YAML with sorted keys.
pub(crate) fn to_yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).unwrap_or_else(|_| value.to_string())
}

fn clean(mut value: Value) -> Value {
    if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in VOLATILE_METADATA {
            metadata.remove(*key);
        }
        if let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove("deployment.kubernetes.io/revision");
            if annotations.is_empty() {
                metadata.remove("annotations");
            }
        }
    }
    value
}

fn elide(expected: &Value, actual: &mut Value) {
    let Value::Object(actual) = actual else {
        return;
    };
    for (key, value) in actual.iter_mut() {
        match expected.get(key) {
            Some(expected) => elide(expected, value),
            None if to_yaml(value).lines().count() >= ELIDE_AT_LINES => {
                *value = Value::String(ELIDED.into())
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn diffs_yaml_without_volatile_fields_and_elides_large_unasserted_fields() {
        let expected = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": "Running"}});
        let spec: serde_json::Map<String, Value> =
            (0..12).map(|i| (format!("k{i:02}"), json!(i))).collect();
        let actual = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "uid": "123", "resourceVersion": "9", "annotations": {"deployment.kubernetes.io/revision": "1"}},
            "spec": spec,
            "status": {"phase": "Pending"}
        });
        let diff = pretty_diff(&expected, &actual, "Pod:ns/p", "Pod:ns/p");
        assert!(diff.starts_with("--- Pod:ns/p\n+++ Pod:ns/p\n"), "{diff}");
        assert!(
            diff.contains("-  phase: Running\n+  phase: Pending\n"),
            "{diff}"
        );
        assert!(diff.contains(ELIDED), "{diff}");
        assert!(
            !diff.contains("uid")
                && !diff.contains("resourceVersion")
                && !diff.contains("annotations"),
            "{diff}"
        );
    }
}
