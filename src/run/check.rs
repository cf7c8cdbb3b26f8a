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
use super::objects::{self, metadata_str};
use super::subset::{Mismatch, is_subset};
use super::target::Target;
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
        return compare(ctx, object, &target, &expected, actual);
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
        match compare(ctx, object, &target, &expected, candidate) {
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

/// Matches with the real values; the failure shows both sides masked.
fn compare(
    ctx: &Session<'_>,
    object: &Object,
    target: &Target,
    expected: &Value,
    actual: DynamicObject,
) -> Result<(), CheckFailure> {
    let actual = as_value(&actual);
    is_subset(expected, &actual).map_err(|mismatch| {
        let id = target.id(metadata_str(&actual, "name").unwrap_or_default());
        mismatch_failure(
            object.source.to_string(),
            &id,
            mismatch,
            &ctx.test.shown(expected),
            &ctx.test.shown(&actual),
        )
    })
}

/// The failure of a mismatch, shown with the documents as they may be shown (masked). The
/// mismatch is found again between those, where masked values differ exactly where the real ones
/// do; two encodings of one Secret value differ only for real, and then the real mismatch's place
/// is named without its values.
fn mismatch_failure(
    what: String,
    id: &str,
    real: Mismatch,
    expected: &Value,
    actual: &Value,
) -> CheckFailure {
    let shown = is_subset(expected, actual).err().unwrap_or(Mismatch {
        path: real.path,
        message: "value mismatch (masked values)".into(),
    });
    CheckFailure {
        what,
        message: format!("resource {id}: {shown}"),
        diff: Some(pretty_diff(expected, actual, id, id)),
        state: Some(to_yaml(actual)),
    }
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

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use serde_json::json;

    use super::*;
    use crate::mask::{MaskField, Masks};

    const LIVE: &str = "s3cr3t-from-the-ci-store";

    fn b64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    fn failure_of(masks: &Masks, expected: &Value, actual: &Value) -> CheckFailure {
        let real = is_subset(expected, actual).unwrap_err();
        let shown = |value: &Value| masks.masked(value).unwrap_or_else(|| value.clone());
        mismatch_failure(
            "01-assert.yaml:1".into(),
            "Secret:ns/s",
            real,
            &shown(expected),
            &shown(actual),
        )
    }

    fn rendered(failure: &CheckFailure) -> String {
        format!(
            "{}\n{}\n{}",
            failure.message,
            failure.diff.as_deref().unwrap_or_default(),
            failure.state.as_deref().unwrap_or_default()
        )
    }

    fn secret(password: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
               "data": {"password": b64(password), "user": b64("admin-user")}})
    }

    #[test]
    fn a_secret_mismatch_names_the_key_and_shows_neither_value() {
        let failure = failure_of(&Masks::default(), &secret("expected-pw"), &secret(LIVE));
        let text = rendered(&failure);
        for leaked in [LIVE, &b64(LIVE), "expected-pw", &b64("expected-pw")] {
            assert!(!text.contains(leaked), "{leaked} leaked:\n{text}");
        }
        assert!(
            failure.message.starts_with(
                "resource Secret:ns/s: .data.password: value mismatch, expected: <secret 11 bytes hmac:"
            ),
            "{}",
            failure.message
        );
        assert!(
            failure
                .message
                .contains("!= actual: <secret 24 bytes hmac:")
        );
        let diff = failure.diff.unwrap();
        // The unchanged key keeps one tag on both sides: only the password line differs.
        let removed = diff
            .lines()
            .filter(|line| line.starts_with('-') && !line.starts_with("---"));
        assert_eq!(removed.count(), 1, "{diff}");
        assert!(diff.contains(" user: <secret 10 bytes hmac:"), "{diff}");
    }

    #[test]
    fn values_that_differ_only_in_type_are_named_without_values() {
        let masks = Masks::new(vec![MaskField::new(None, None, "spec.pin").unwrap()]);
        let failure = failure_of(
            &masks,
            &json!({"kind": "Lock", "spec": {"pin": 4711}}),
            &json!({"kind": "Lock", "spec": {"pin": "4711"}}),
        );
        assert_eq!(
            failure.message,
            "resource Secret:ns/s: .spec.pin: value mismatch (masked values)"
        );
        assert!(!rendered(&failure).contains("4711"));
    }

    #[test]
    fn mask_fields_cover_other_kinds_and_the_rest_stays_readable() {
        let masks = Masks::new(vec![
            MaskField::new(Some("ConfigMap".into()), None, "data.token").unwrap(),
        ]);
        let config_map = |token: &str, mode: &str| {
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                   "data": {"token": token, "mode": mode}})
        };
        let token_differs = failure_of(
            &masks,
            &config_map("old-token", "a"),
            &config_map(LIVE, "a"),
        );
        assert!(!rendered(&token_differs).contains(LIVE));
        let mode_differs = failure_of(&masks, &config_map(LIVE, "a"), &config_map(LIVE, "b"));
        assert_eq!(
            mode_differs.message,
            "resource Secret:ns/s: .data.mode: value mismatch, expected: a != actual: b"
        );
        assert!(!rendered(&mode_differs).contains(LIVE));
    }
}
