//! CEL expressions (`(cel;…)`, `compiler: cel`) as kyverno-json's CEL compiler evaluates them:
//! the current value is `object`, and `bindings.resolve("name")` reads the binding `$name`. The
//! Kubernetes CEL libraries are those kuttl-rs's own CEL assertions have.

use std::sync::Arc;

use cel::extractors::This;
use cel::{Context, ExecutionError, FunctionContext, Program};
use kube_cel::KubeCelExt;
use serde_json::Value;

use super::expression::Bindings;

/// Evaluates `text` with `object` set to `data`.
///
/// # Errors
///
/// The expression does not compile or fails; the message names it.
pub(crate) fn evaluate(text: &str, data: &Value, bindings: &Bindings) -> Result<Value, String> {
    let failed = |err: &dyn std::fmt::Display| format!("{err} (in CEL expression {text:?})");
    let program = Program::compile(text).map_err(|err| failed(&err))?;
    let mut context = Context::default().with_all();
    context
        .add_variable("object", data)
        .map_err(|err| failed(&err))?;
    // Only a receiver for `resolve`: the bindings themselves are read through the function.
    context
        .add_variable("bindings", serde_json::json!({}))
        .map_err(|err| failed(&err))?;
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
    let value = bindings
        .get(&format!("${name}"))
        .ok_or_else(|| ftx.error(format!("variable not defined: ${name}")))?;
    cel::to_value(value).map_err(|err| ftx.error(err.to_string()))
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
        let missing = evaluate(r#"bindings.resolve("nope")"#, &Value::Null, &bindings);
        assert!(
            missing
                .as_ref()
                .is_err_and(|err| err.contains("variable not defined: $nope")),
            "{missing:?}"
        );
    }
}
