//! Bindings (`$namespace`, `$values`, `$test`, the test's, step's and operation's own) and
//! templating: every string of the form `(expr)` in a value is replaced by what the expression
//! gives, with `@` at the matching place of the current object (Chainsaw's `pkg/mutate`).

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::super::api;
use super::super::expression::{self, Bindings, Expressions, Statement};
use super::super::functions;
use super::super::model::Test;
use super::scope::{Scope, Settings};
use crate::run::TestState;

/// The bindings of the run and the test, and the scenario's, which the test's `cluster` sees (it
/// is chosen before the test's own bindings, as in Chainsaw).
pub(super) fn for_test(
    ctx: &Arc<TestState>,
    test: &Test,
    settings: &Settings,
    expressions: &Expressions,
) -> Result<Bindings, String> {
    let timeouts = test.timeouts.over(settings.config.timeouts);
    let seconds = |d: Option<std::time::Duration>| {
        Value::from(format!("{}s", d.unwrap_or_default().as_secs_f64()))
    };
    let (client, config) = functions::handles(None);
    let bindings = Bindings::new()
        .with("$namespace", Value::from(ctx.namespace.clone()))
        .with("$values", settings.config.values.clone())
        .with(
            "$test",
            json!({
                "id": 1,
                "scenarioId": test.scenario.as_ref().map_or(0, |s| s.id),
                "metadata": {"name": test.name},
            }),
        )
        .with(
            "$timeouts",
            json!({
                "apply": seconds(timeouts.apply),
                "assert": seconds(timeouts.assert),
                "cleanup": seconds(timeouts.cleanup),
                "delete": seconds(timeouts.delete),
                "error": seconds(timeouts.error),
                "exec": seconds(timeouts.exec),
            }),
        )
        .with("$client", client)
        .with("$config", config);
    match &test.scenario {
        Some(scenario) => register(expressions, bindings, &scenario.bindings),
        None => Ok(bindings),
    }
}

/// `bindings` with the test's own.
pub(super) fn with_test_bindings(
    expressions: &Expressions,
    bindings: Bindings,
    test: &Test,
) -> Result<Bindings, String> {
    register(expressions, bindings, &test.spec.bindings)
}

/// The cluster a level's `cluster` (an expression) names; `None` when it names none.
pub(super) fn cluster_name(
    expressions: &Expressions,
    written: Option<&str>,
    bindings: &Bindings,
) -> Result<Option<String>, String> {
    written
        .map(|written| string(expressions, written, bindings))
        .transpose()
}

/// A step's bindings: `$step`, then the step's own.
pub(super) fn for_step(
    scope: &Scope<'_>,
    base: &Bindings,
    step: &super::super::model::Step,
) -> Result<Bindings, String> {
    let bindings = base.with("$step", json!({"id": scope.step}));
    register(scope.expressions(), bindings, &step.bindings)
}

/// Adds `declared` in order; each sees the ones before it.
pub(super) fn register(
    expressions: &Expressions,
    mut bindings: Bindings,
    declared: &[api::Binding],
) -> Result<Bindings, String> {
    for binding in declared {
        let expressions = expressions.with_default(binding.compiler);
        let name = name(&expressions, &binding.name, &bindings)?;
        let value = template(&expressions, &binding.value, &Value::Null, &bindings)
            .map_err(|err| format!("binding {name}: {err}"))?;
        bindings = bindings.with(&format!("${name}"), value);
    }
    Ok(bindings)
}

/// A binding's name: literal, or an expression giving a string; a word either way.
pub(super) fn name(
    expressions: &Expressions,
    written: &str,
    bindings: &Bindings,
) -> Result<String, String> {
    let name = string(expressions, written, bindings)?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("invalid name {written}"));
    }
    Ok(name)
}

/// A string field that may be an expression (`namespace: ($ns)`): the text, or what the expression
/// gives, which must be a string.
pub(super) fn string(
    expressions: &Expressions,
    written: &str,
    bindings: &Bindings,
) -> Result<String, String> {
    match expression::parse(written) {
        Statement::Plain(text) => Ok(text),
        Statement::Expression(expression) => {
            match expressions.search(&expression, &Value::Null, bindings)? {
                Value::String(text) => Ok(text),
                _ => Err(format!(
                    "expression didn't evaluate to a string ({written})"
                )),
            }
        }
    }
}

/// Templates `value`: each string leaf that is an expression is evaluated with `@` at the same
/// place in `current` (`null` where `current` has nothing).
pub(super) fn template(
    expressions: &Expressions,
    value: &Value,
    current: &Value,
    bindings: &Bindings,
) -> Result<Value, String> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                let at = current.get(key).unwrap_or(&Value::Null);
                out.insert(key.clone(), template(expressions, item, at, bindings)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => {
            if !matches!(current, Value::Null | Value::Array(_)) {
                return Err("expected a slice or array".into());
            }
            items
                .iter()
                .enumerate()
                .map(|(at, item)| {
                    let here = current.get(at).unwrap_or(&Value::Null);
                    template(expressions, item, here, bindings)
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        Value::String(text) => match expression::parse(text) {
            Statement::Plain(_) => Ok(value.clone()),
            Statement::Expression(expression) => expressions.search(&expression, current, bindings),
        },
        other => Ok(other.clone()),
    }
}

/// Chainsaw's `TemplateAndMerge` of a resource with itself: the templated values merged over the
/// resource (maps deeply, anything else replaced).
pub(super) fn template_resource(
    expressions: &Expressions,
    resource: &Value,
    bindings: &Bindings,
) -> Result<Value, String> {
    let templated = template(expressions, resource, resource, bindings)?;
    Ok(merge(resource.clone(), templated))
}

fn merge(base: Value, over: Value) -> Value {
    match (base, over) {
        (Value::Object(mut base), Value::Object(over)) => {
            for (key, value) in over {
                let merged = match base.remove(&key) {
                    Some(old) => merge(old, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            Value::Object(base)
        }
        (_, over) => over,
    }
}
