//! CEL expressions (`(cel;…)`, `compiler: cel`) as kyverno-json's CEL compiler evaluates them:
//! the current value is `object`, and `bindings.resolve("name")` reads the binding `$name`. The
//! Kubernetes CEL libraries are those kuttl-rs's own CEL assertions have.

use std::sync::Arc;

use cel::extractors::This;
use cel::{Context, ExecutionError, FunctionContext, Program};
use kube_cel::KubeCelExt;
use serde_json::Value;

use jp::Bindings;

/// Evaluates `text` with `object` set to `data`.
///
/// # Errors
///
/// The expression does not compile or fails; the message names it.
pub(crate) fn evaluate(text: &str, data: &Value, bindings: &Bindings) -> Result<Value, String> {
    let failed = |err: &dyn std::fmt::Display| format!("{err} (in CEL expression {text:?})");
    let program = Program::compile(text).map_err(|err| failed(&err))?;
    let mut context = Context::default().with_all();
    context.add_variable_from_value("object", to_cel(data));
    // Only a receiver for `resolve`: the bindings themselves are read through the function.
    context.add_variable_from_value("bindings", cel::Value::Null);
    let known = bindings.clone();
    context.add_function(
        "resolve",
        move |ftx: &FunctionContext, This(_): This<cel::Value>, name: Arc<String>| {
            resolve(ftx, &known, &name)
        },
    );
    let value = program.execute(&context).map_err(|err| failed(&err))?;
    value.json().map_err(|err| failed(&err))
}

fn resolve(
    ftx: &FunctionContext,
    bindings: &Bindings,
    name: &str,
) -> Result<cel::Value, ExecutionError> {
    bindings
        .get(&format!("${name}"))
        .map(to_cel)
        .ok_or_else(|| ftx.error(format!("variable not defined: ${name}")))
}

/// A JSON value as Go's CEL adapter sees a decoded Kubernetes object: whole numbers are `int`
/// (`int64` in Go), other numbers `double`.
fn to_cel(value: &Value) -> cel::Value {
    match value {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => cel::Value::Int(i),
            (None, Some(u)) => cel::Value::UInt(u),
            _ => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => cel::Value::String(Arc::new(s.clone())),
        Value::Array(items) => cel::Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Object(map) => {
            let entries: std::collections::HashMap<cel::objects::Key, cel::Value> = map
                .iter()
                .map(|(k, v)| (cel::objects::Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            cel::Value::Map(cel::objects::Map {
                map: Arc::new(entries),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_object_and_bindings_as_chainsaw_does() {
        let bindings = Bindings::new().with("$a", json!(1)).with("$b", json!(2));
        assert_eq!(
            evaluate(
                r#"string(bindings.resolve("a") + bindings.resolve("b"))"#,
                &Value::Null,
                &bindings
            ),
            Ok(json!("3"))
        );
        assert_eq!(
            evaluate(
                "object.data.x + 'y'",
                &json!({"data": {"x": "x"}}),
                &bindings
            ),
            Ok(json!("xy"))
        );
        // Whole numbers are ints, as in Go: an int binding times an int literal.
        assert_eq!(
            evaluate(r#"bindings.resolve("b") * 3"#, &Value::Null, &bindings),
            Ok(json!(6))
        );
        assert_eq!(
            evaluate(
                "object.spec.replicas > 2",
                &json!({"spec": {"replicas": 3}}),
                &bindings
            ),
            Ok(json!(true))
        );
        let missing = evaluate(r#"bindings.resolve("nope")"#, &Value::Null, &bindings);
        assert!(
            missing
                .as_ref()
                .is_err_and(|err| err.contains("variable not defined: $nope")),
            "{missing:?}"
        );
    }
}
