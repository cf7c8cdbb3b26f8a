//! CEL assertions (`TestAssert.assertAll` / `assertAny` with `resourceRefs`, spec §3.5): each check
//! fetches every referenced object, binds it to its `ref` name and evaluates every expression with
//! the Kubernetes CEL library. An expression passes only when it evaluates to `true`.

use kube_cel::KubeCelExt;
use kube_cel::cel::{Context, Program, Value};
use serde_json::json;

use super::api_error::api_message;
use super::check_failure::CheckFailure;
use super::objects;
use super::test_state::Session;
use crate::config::{CelExpression, TestAssert};
use crate::load::Located;

/// Checks a step's CEL assertions once.
pub(crate) async fn check(
    ctx: &Session<'_>,
    settings: &Located<TestAssert>,
) -> Result<(), CheckFailure> {
    let assert = &settings.value;
    if assert.assert_all.is_empty() && assert.assert_any.is_empty() {
        return Ok(());
    }
    let fail = |message: String| CheckFailure {
        what: format!("TestAssert CEL expressions ({})", settings.source),
        message,
        diff: None,
        state: None,
    };
    let mut context = Context::default().with_all();
    for reference in &assert.resource_refs {
        let namespace = if reference.namespace.is_empty() {
            &ctx.test.namespace
        } else {
            &reference.namespace
        };
        let mut value = json!({
            "apiVersion": reference.api_version,
            "kind": reference.kind,
            "metadata": {"name": reference.name, "namespace": namespace},
        });
        let object = match objects::target(ctx, &mut value).await {
            Ok(target) => target
                .api
                .get(&reference.name)
                .await
                .map_err(|err| api_message(&err)),
            Err(err) => Err(err.to_string()),
        }
        .map_err(|err| {
            fail(format!(
                "failed to get referenced resource '{namespace}/{}': {err}",
                reference.name
            ))
        })?;
        context
            .add_variable(reference.reference.as_str(), &object)
            .map_err(|err| fail(format!("binding {:?}: {err}", reference.reference)))?;
    }
    let outcomes = |expressions: &[CelExpression]| -> Vec<Result<(), String>> {
        expressions
            .iter()
            .map(|e| evaluate(&context, &e.cel_expr))
            .collect()
    };
    let any = outcomes(&assert.assert_any);
    let all = outcomes(&assert.assert_all);
    let mut errors = Vec::new();
    if !any.is_empty() && any.iter().all(Result::is_err) {
        errors.push(format!("no expression evaluated to true: {}", joined(&any)));
    }
    if all.iter().any(Result::is_err) {
        errors.push(format!(
            "not all assertAll expressions evaluated to true: {}",
            joined(&all)
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(fail(errors.join("\n")))
    }
}

fn evaluate(context: &Context<'_>, expression: &str) -> Result<(), String> {
    let program = Program::compile(expression)
        .map_err(|err| format!("expression {expression:?} does not compile: {err}"))?;
    match program.execute(context) {
        Ok(Value::Bool(true)) => Ok(()),
        Ok(other) => Err(format!(
            "expression {expression:?} evaluated to '{}'",
            show(&other)
        )),
        Err(err) => Err(format!("expression {expression:?} failed: {err}")),
    }
}

/// A result as CEL would print it, for the common kinds of value.
fn show(value: &Value) -> String {
    match value {
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => s.to_string(),
        Value::Null => "null".into(),
        other => format!("{other:?}"),
    }
}

fn joined(outcomes: &[Result<(), String>]) -> String {
    outcomes
        .iter()
        .filter_map(|o| o.as_ref().err().cloned())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn context() -> Context<'static> {
        let mut context = Context::default().with_all();
        let deployment = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3}, "status": {"readyReplicas": 3, "conditions": [{"type": "Available", "status": "True"}]}});
        context.add_variable("deploy", &deployment).unwrap();
        context
    }

    #[rstest]
    #[case("deploy.status.readyReplicas == deploy.spec.replicas", Ok(()))]
    #[case("deploy.status.conditions.exists(c, c.type == 'Available' && c.status == 'True')", Ok(()))]
    #[case("deploy.spec.replicas > 5", Err("expression \"deploy.spec.replicas > 5\" evaluated to 'false'".to_string()))]
    #[case("deploy.spec.replicas", Err("expression \"deploy.spec.replicas\" evaluated to '3'".to_string()))]
    fn evaluates_like_kuttl(#[case] expression: &str, #[case] expected: Result<(), String>) {
        assert_eq!(evaluate(&context(), expression), expected);
    }

    #[test]
    fn an_undeclared_variable_fails_with_the_expression() {
        let err = evaluate(&context(), "svc.spec.type == 'ClusterIP'").unwrap_err();
        assert!(
            err.starts_with("expression \"svc.spec.type == 'ClusterIP'\" failed:"),
            "{err}"
        );
    }
}
