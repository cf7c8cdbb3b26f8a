//! One check of a step's expectations (spec §3.1–§3.4, §3.6): every assert object, then the
//! TestAssert commands, then every errors object; all failures are collected.

use kube::api::{DynamicObject, ListParams};
use serde_json::Value;
use tokio::time::Instant;

use super::api_error::{api_message, is_not_found};
use super::cel;
use super::check_failure::CheckFailure;
use super::command::{self, Limit};
use super::diff::{pretty_diff, to_yaml};
use super::objects::{self, Target, metadata_str};
use super::subset::is_subset;
use super::test_state::Session;
use crate::config::{Command, TestAssertCommand};
use crate::load::{Object, Step};

/// Runs every check of `step` once.
pub(crate) async fn check_once(
    ctx: &Session<'_>,
    step: &Step,
    scope: &str,
    deadline: Instant,
) -> Vec<CheckFailure> {
    let mut failures = Vec::new();
    for object in &step.asserts {
        if let Err(failure) = check_assert(ctx, object).await {
            failures.push(failure);
        }
    }
    let commands = step
        .test_assert
        .as_ref()
        .map_or(&[][..], |settings| &settings.value.commands);
    if let Err(failure) = run_assert_commands(ctx, commands, scope, deadline).await {
        failures.push(failure);
    }
    if let Some(settings) = &step.test_assert
        && let Err(failure) = cel::check(ctx, settings).await
    {
        failures.push(failure);
    }
    for object in &step.errors {
        if let Err(failure) = check_error(ctx, object).await {
            failures.push(failure);
        }
    }
    failures
}

fn failure(object: &Object, message: String) -> CheckFailure {
    CheckFailure {
        what: object.source.to_string(),
        message,
        diff: None,
        state: None,
    }
}

async fn check_assert(ctx: &Session<'_>, object: &Object) -> Result<(), CheckFailure> {
    let mut expected = object.value.clone();
    let target = objects::target(ctx, &mut expected)
        .await
        .map_err(|err| failure(object, err.to_string()))?;
    if let Some(name) = metadata_str(&expected, "name") {
        let actual = target
            .api
            .get(name)
            .await
            .map_err(|err| failure(object, api_message(&err)))?;
        return compare(object, &target, &expected, actual);
    }
    let candidates = list(&target, &expected)
        .await
        .map_err(|err| failure(object, err.to_string()))?;
    if candidates.is_empty() {
        return Err(failure(
            object,
            format!("no resources matched of kind: {}", target.gvk()),
        ));
    }
    let mut closest: Option<CheckFailure> = None;
    let mut messages = Vec::new();
    for candidate in candidates {
        match compare(object, &target, &expected, candidate) {
            Ok(()) => return Ok(()),
            Err(failure) => {
                messages.push(failure.message.clone());
                let lines =
                    |f: &CheckFailure| f.diff.as_deref().map_or(usize::MAX, |d| d.lines().count());
                if closest
                    .as_ref()
                    .is_none_or(|best| lines(&failure) < lines(best))
                {
                    closest = Some(failure);
                }
            }
        }
    }
    let mut closest = closest.expect("at least one candidate failed");
    closest.message = messages.join("\n");
    Err(closest)
}

async fn check_error(ctx: &Session<'_>, object: &Object) -> Result<(), CheckFailure> {
    let mut expected = object.value.clone();
    let target = objects::target(ctx, &mut expected)
        .await
        .map_err(|err| failure(object, err.to_string()))?;
    let matching: Vec<String> = if let Some(name) = metadata_str(&expected, "name") {
        match target.api.get(name).await {
            Ok(actual) => matches(&expected, &actual)
                .then(|| name.to_string())
                .into_iter()
                .collect(),
            Err(err) if is_not_found(&err) => Vec::new(),
            Err(err) => return Err(failure(object, api_message(&err))),
        }
    } else {
        let candidates = list(&target, &expected)
            .await
            .map_err(|err| failure(object, err.to_string()))?;
        candidates
            .iter()
            .filter(|actual| matches(&expected, actual))
            .map(|actual| actual.metadata.name.clone().unwrap_or_default())
            .collect()
    };
    match matching.as_slice() {
        [] => Ok(()),
        [name] => Err(failure(
            object,
            format!("resource {} {name} matched error assertion", target.gvk()),
        )),
        [name, others @ ..] => Err(failure(
            object,
            format!(
                "resource {} {name} (and {} other resources) matched error assertion",
                target.gvk(),
                others.len()
            ),
        )),
    }
}

/// Lists the candidates of a nameless expectation: its kind in its namespace, filtered by its
/// labels with an exact-match selector.
async fn list(target: &Target, expected: &Value) -> Result<Vec<DynamicObject>, String> {
    let selector = expected
        .get("metadata")
        .and_then(|m| m.get("labels"))
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .map(|(key, value)| format!("{key}={}", value.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    target
        .api
        .list(&ListParams::default().labels(&selector))
        .await
        .map(|list| {
            // Items of a list response carry no apiVersion and kind; the expected document has them.
            let types = kube::api::TypeMeta {
                api_version: target.api_version.clone(),
                kind: target.kind.clone(),
            };
            list.items
                .into_iter()
                .map(|item| DynamicObject {
                    types: Some(types.clone()),
                    ..item
                })
                .collect()
        })
        .map_err(|err| format!("listing {} failed: {}", target.gvk(), api_message(&err)))
}

fn as_value(actual: &DynamicObject) -> Value {
    serde_json::to_value(actual).unwrap_or(Value::Null)
}

fn matches(expected: &Value, actual: &DynamicObject) -> bool {
    is_subset(expected, &as_value(actual)).is_ok()
}

fn compare(
    object: &Object,
    target: &Target,
    expected: &Value,
    actual: DynamicObject,
) -> Result<(), CheckFailure> {
    let actual = as_value(&actual);
    is_subset(expected, &actual).map_err(|mismatch| {
        let id = target.id(metadata_str(&actual, "name").unwrap_or_default());
        CheckFailure {
            what: object.source.to_string(),
            message: format!("resource {id}: {mismatch}"),
            diff: Some(pretty_diff(expected, &actual, &id, &id)),
            state: Some(to_yaml(&actual)),
        }
    })
}

/// Runs the TestAssert commands in order, each limited to what is left of the window; the first
/// failure stops the rest.
async fn run_assert_commands(
    ctx: &Session<'_>,
    commands: &[TestAssertCommand],
    scope: &str,
    deadline: Instant,
) -> Result<(), CheckFailure> {
    for assert_command in commands {
        let command = Command {
            command: assert_command.command.clone(),
            script: assert_command.script.clone(),
            namespaced: assert_command.namespaced,
            skip_log_output: assert_command.skip_log_output,
            ..Command::default()
        };
        let remaining = deadline.saturating_duration_since(Instant::now()).as_secs();
        let limit = if remaining == 0 {
            Limit::None
        } else {
            Limit::Seconds(remaining)
        };
        command::run(ctx, &command, limit, scope)
            .await
            .map_err(|err| CheckFailure {
                what: format!("TestAssert command {:?}", command::summary(&command)),
                message: err.to_string(),
                diff: None,
                state: None,
            })?;
    }
    Ok(())
}
