//! Assertion trees, with the semantics of kyverno-json's `core/assertion` (which Chainsaw's
//! `assert`, `error`, `check` and `match` use):
//!
//! - a map node checks only its keys; a plain key missing from the actual object fails ("field not
//!   found"), an `(expression)` key is evaluated with `@` at the current node and its result (even
//!   `null`) goes to the child;
//! - `~name.(expr)` checks the child against every element (or map value) of the projection, binding
//!   `$name` to the index (or key); `(expr)->b` binds the projection as `$b` for what follows;
//! - an array node needs the same length and checks pairwise;
//! - a scalar leaf is a literal, or `(expr)` evaluated against the actual value at that place, then
//!   compared with kyverno-json's `matching.Match`: numbers across int and float, maps as subsets,
//!   arrays by length and pairwise; other type mismatches are errors, not mismatches.
//!
//! A mismatch is a [`Failure`] (with its path); an error ([`TreeError`]) stops a poll at once, as
//! in Chainsaw.

use std::fmt;

use serde_json::Value;

use super::expression::{self, Bindings, Expressions};

/// A place in the checked value, in Kubernetes' `field.Path` form: `spec.containers[0].name`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldPath(String);

impl FieldPath {
    fn child(&self, name: &str) -> FieldPath {
        if self.0.is_empty() {
            FieldPath(name.to_string())
        } else {
            FieldPath(format!("{}.{name}", self.0))
        }
    }

    fn index(&self, at: usize) -> FieldPath {
        FieldPath(format!("{}[{at}]", self.0))
    }

    fn key(&self, key: &str) -> FieldPath {
        FieldPath(format!("{}[{key}]", self.0))
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("<root>")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// One way the actual value differs from the tree, as `field.Error` prints it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    pub path: FieldPath,
    pub kind: FailureKind,
}

/// What differs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FailureKind {
    /// A plain key the actual object lacks.
    Missing,
    /// A different value; `expected` is what the tree's leaf gave.
    Invalid { actual: Value, expected: Value },
    /// `{}` against `null`, or an array node against `null`.
    Null,
    /// An array node and an array of another length.
    Length { actual: Value },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FailureKind::Missing => write!(
                f,
                "{}: Required value: field not found in the input object",
                self.path
            ),
            FailureKind::Invalid { actual, expected } => write!(
                f,
                "{}: Invalid value: {}: Expected value: {}",
                self.path,
                short(actual),
                short(expected)
            ),
            FailureKind::Null => write!(
                f,
                "{}: Invalid value: \"null\": invalid value, must not be null",
                self.path
            ),
            FailureKind::Length { actual } => write!(
                f,
                "{}: Invalid value: {}: lengths of slices don't match",
                self.path,
                short(actual)
            ),
        }
    }
}

/// A value on one line, long ones cut.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Why a tree could not be checked at all: a bad expression, or values that cannot be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: Internal error: {message}")]
pub(crate) struct TreeError {
    pub path: FieldPath,
    pub message: String,
}

/// Checks `actual` against the tree `expected`. `Ok` holds every mismatch (none: it matches).
///
/// # Errors
///
/// An expression that does not compile or fails, a foreach over a scalar, or a leaf whose type
/// cannot be compared with the actual value's.
pub(crate) fn check(
    expected: &Value,
    actual: &Value,
    bindings: &Bindings,
    expressions: &Expressions,
) -> Result<Vec<Failure>, TreeError> {
    let mut failures = Vec::new();
    Checker { expressions }.node(
        &FieldPath::default(),
        expected,
        actual,
        bindings,
        &mut failures,
    )?;
    Ok(failures)
}

struct Checker<'a> {
    expressions: &'a Expressions,
}

impl Checker<'_> {
    fn node(
        &self,
        path: &FieldPath,
        expected: &Value,
        actual: &Value,
        bindings: &Bindings,
        failures: &mut Vec<Failure>,
    ) -> Result<(), TreeError> {
        match expected {
            Value::Array(items) => self.array(path, items, actual, bindings, failures),
            Value::Object(map) => self.map(path, map, actual, bindings, failures),
            scalar => self.scalar(path, scalar, actual, bindings, failures),
        }
    }

    fn array(
        &self,
        path: &FieldPath,
        items: &[Value],
        actual: &Value,
        bindings: &Bindings,
        failures: &mut Vec<Failure>,
    ) -> Result<(), TreeError> {
        match actual {
            Value::Null => failures.push(Failure {
                path: path.clone(),
                kind: FailureKind::Null,
            }),
            Value::Array(values) if values.len() != items.len() => failures.push(Failure {
                path: path.clone(),
                kind: FailureKind::Length {
                    actual: actual.clone(),
                },
            }),
            Value::Array(values) => {
                for (at, (item, value)) in items.iter().zip(values).enumerate() {
                    self.node(&path.index(at), item, value, bindings, failures)?;
                }
            }
            other => {
                return Err(TreeError {
                    path: path.clone(),
                    message: format!("expected a slice, found {}", kind_of(other)),
                });
            }
        }
        Ok(())
    }

    fn map(
        &self,
        path: &FieldPath,
        map: &serde_json::Map<String, Value>,
        actual: &Value,
        bindings: &Bindings,
        failures: &mut Vec<Failure>,
    ) -> Result<(), TreeError> {
        if map.is_empty() {
            if actual.is_null() {
                failures.push(Failure {
                    path: path.clone(),
                    kind: FailureKind::Null,
                });
            }
            return Ok(());
        }
        // kyverno-json registers a `->` binding on the bindings shared by the keys that follow.
        let mut bindings = bindings.clone();
        for (key, child) in map {
            let parsed = expression::parse_key(key);
            let here = path.child(key);
            let projected = match &parsed.statement {
                expression::Statement::Expression(compiled) => Some(
                    self.expressions
                        .search(compiled, actual, &bindings)
                        .map_err(|message| TreeError {
                            path: here.clone(),
                            message,
                        })?,
                ),
                expression::Statement::Plain(name) => match actual {
                    Value::Null => None,
                    Value::Object(fields) => fields.get(name).cloned(),
                    _ => {
                        return Err(TreeError {
                            path: here,
                            message: "projection not recognized".into(),
                        });
                    }
                },
            };
            let Some(projected) = projected else {
                failures.push(Failure {
                    path: here,
                    kind: FailureKind::Missing,
                });
                continue;
            };
            if let Some(name) = &parsed.binding {
                bindings = bindings.with(&format!("${name}"), projected.clone());
            }
            match &parsed.foreach {
                None => self.node(&here, child, &projected, &bindings, failures)?,
                Some(name) => match &projected {
                    Value::Array(values) => {
                        for (at, value) in values.iter().enumerate() {
                            let inner = match name {
                                Some(name) => bindings.with(&format!("${name}"), Value::from(at)),
                                None => bindings.clone(),
                            };
                            self.node(&here.index(at), child, value, &inner, failures)?;
                        }
                    }
                    Value::Object(fields) => {
                        for (field, value) in fields {
                            let inner = match name {
                                Some(name) => {
                                    bindings.with(&format!("${name}"), Value::from(field.clone()))
                                }
                                None => bindings.clone(),
                            };
                            self.node(&here.key(field), child, value, &inner, failures)?;
                        }
                    }
                    other => {
                        return Err(TreeError {
                            path: here,
                            message: format!("expected a slice or a map, found {}", kind_of(other)),
                        });
                    }
                },
            }
        }
        Ok(())
    }

    fn scalar(
        &self,
        path: &FieldPath,
        leaf: &Value,
        actual: &Value,
        bindings: &Bindings,
        failures: &mut Vec<Failure>,
    ) -> Result<(), TreeError> {
        let error = |message: String| TreeError {
            path: path.clone(),
            message,
        };
        let expected = match leaf {
            Value::String(text) => {
                let parsed = expression::parse_key(text);
                if parsed.foreach.is_some() {
                    return Err(error(
                        "foreach is not supported in scalar projections".into(),
                    ));
                }
                if parsed.binding.is_some() {
                    return Err(error(
                        "binding is not supported in scalar projections".into(),
                    ));
                }
                match &parsed.statement {
                    expression::Statement::Expression(compiled) => self
                        .expressions
                        .search(compiled, actual, bindings)
                        .map_err(error)?,
                    expression::Statement::Plain(text) => Value::String(text.clone()),
                }
            }
            literal => literal.clone(),
        };
        if !matches(&expected, actual).map_err(error)? {
            failures.push(Failure {
                path: path.clone(),
                kind: FailureKind::Invalid {
                    actual: actual.clone(),
                    expected,
                },
            });
        }
        Ok(())
    }
}

/// kyverno-json's `matching.Match`: a map matches as a subset, an array by length and pairwise,
/// anything else by [`equal`].
pub(crate) fn matches(expected: &Value, actual: &Value) -> Result<bool, String> {
    match (expected, actual) {
        (Value::Array(items), Value::Array(values)) => {
            if items.len() != values.len() {
                return Ok(false);
            }
            for (item, value) in items.iter().zip(values) {
                if !matches(item, value)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (Value::Array(_), other) => Err(format!(
            "invalid actual value, must be a slice, found {}",
            kind_of(other)
        )),
        (Value::Object(fields), Value::Object(values)) => {
            for (key, item) in fields {
                match values.get(key) {
                    None => return Ok(false),
                    Some(value) if !matches(item, value)? => return Ok(false),
                    Some(_) => {}
                }
            }
            Ok(true)
        }
        (Value::Object(_), other) => Err(format!(
            "invalid actual value, must be a map, found {}",
            kind_of(other)
        )),
        _ => equal(expected, actual),
    }
}

/// kyverno-json's `matching.Equal`: `null` equals only `null`; numbers compare by value whatever
/// their type; values of one type compare deeply; other pairs cannot be compared.
fn equal(expected: &Value, actual: &Value) -> Result<bool, String> {
    match (expected, actual) {
        (Value::Null, Value::Null) => Ok(true),
        (Value::Null, _) | (_, Value::Null) => Ok(false),
        (Value::Number(e), Value::Number(a)) => Ok(e.as_f64() == a.as_f64()),
        (Value::String(e), Value::String(a)) => Ok(e == a),
        (Value::Bool(e), Value::Bool(a)) => Ok(e == a),
        (e, a) if std::mem::discriminant(e) == std::mem::discriminant(a) => Ok(e == a),
        (e, a) => Err(format!(
            "types are not comparable, {} - {}",
            kind_of(e),
            kind_of(a)
        )),
    }
}

/// Go's `reflect.Kind` name for a decoded JSON value.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "invalid",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "slice",
        Value::Object(_) => "map",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(tree: Value, actual: Value) -> Result<Vec<String>, String> {
        let expressions = crate::chainsaw::functions::expressions();
        let bindings = Bindings::new().with("$namespace", json!("ns"));
        check(&tree, &actual, &bindings, &expressions)
            .map(|failures| failures.iter().map(ToString::to_string).collect())
            .map_err(|err| err.to_string())
    }

    #[test]
    fn maps_are_subsets_and_a_missing_plain_key_fails() {
        let actual = json!({"metadata": {"name": "a", "labels": {"x": "1"}}, "data": {"k": "v"}});
        assert_eq!(
            run(json!({"metadata": {"name": "a"}}), actual.clone()),
            Ok(vec![])
        );
        assert_eq!(
            run(json!({"data": {"other": "v"}}), actual.clone()),
            Ok(vec![
                "data.other: Required value: field not found in the input object".to_string()
            ])
        );
        assert_eq!(
            run(json!({"data": {"k": "w"}}), actual),
            Ok(vec![
                "data.k: Invalid value: \"v\": Expected value: \"w\"".to_string()
            ])
        );
    }

    #[test]
    fn expression_keys_give_their_result_even_null_to_the_child() {
        let actual = json!({"spec": {"replicas": 3}});
        assert_eq!(
            run(json!({"(spec.replicas > `2`)": true}), actual.clone()),
            Ok(vec![])
        );
        assert_eq!(
            run(json!({"(spec.missing)": null}), actual.clone()),
            Ok(vec![])
        );
        assert_eq!(
            run(json!({"(spec.replicas)": 4}), actual),
            Ok(vec![
                "(spec.replicas): Invalid value: 3: Expected value: 4".to_string()
            ])
        );
    }

    #[test]
    fn leaves_may_be_expressions_over_the_actual_value_and_bindings() {
        let actual = json!({"metadata": {"namespace": "ns", "name": "my-first-cm"}});
        let tree = json!({"metadata": {
            "namespace": "($namespace)",
            "name": "(starts_with(@, 'my-first-'))",
        }});
        // A leaf expression that gives a value other than the actual one is compared with it:
        // `true` against a string is not comparable, which is an error, not a mismatch.
        let error = run(tree, actual.clone()).unwrap_err();
        assert!(error.contains("types are not comparable"), "{error}");
        let tree =
            json!({"metadata": {"namespace": "($namespace)", "(starts_with(name, 'my-'))": true}});
        assert_eq!(run(tree, actual), Ok(vec![]));
    }

    #[test]
    fn arrays_need_the_same_length_and_numbers_compare_across_int_and_float() {
        let actual = json!({"items": [1, 2.0]});
        assert_eq!(run(json!({"items": [1.0, 2]}), actual.clone()), Ok(vec![]));
        let failures = run(json!({"items": [1]}), actual).unwrap();
        assert_eq!(failures.len(), 1);
        assert!(
            failures[0].ends_with("lengths of slices don't match"),
            "{failures:?}"
        );
    }

    #[test]
    fn foreach_checks_every_element_and_binds_the_index() {
        let actual = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}]}});
        let tree = json!({"spec": {"~i.(containers)": {"(name != '')": true}}});
        assert_eq!(run(tree, actual.clone()), Ok(vec![]));
        let tree = json!({"spec": {"~.(containers)": {"name": "a"}}});
        let failures = run(tree, actual.clone()).unwrap();
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(
            failures[0].contains("Expected value: \"a\""),
            "{failures:?}"
        );
        let error = run(json!({"~.(spec.containers[0].name)": {}}), actual).unwrap_err();
        assert!(!error.is_empty());
    }

    #[test]
    fn an_empty_map_only_asserts_not_null() {
        assert_eq!(
            run(json!({"status": {}}), json!({"status": {"a": 1}})),
            Ok(vec![])
        );
        let failures = run(json!({"status": {}}), json!({"status": null})).unwrap();
        assert_eq!(failures.len(), 1, "{failures:?}");
    }

    #[test]
    fn a_bad_expression_is_an_error_that_names_it() {
        let error = run(json!({"(foo.[bar)": 1}), json!({})).unwrap_err();
        assert!(error.contains("foo.[bar"), "{error}");
    }
}
