//! `assert` and `error`: an assertion tree checked against the objects it names, polled until it
//! holds or the timeout passes (Chainsaw's `engine/operations/{assert,error}`).
//!
//! With a name, the candidate is that object; without, every object of the kind in the namespace
//! (and with the tree's string labels). `assert` passes when any candidate matches; `error` when
//! none does (no candidate at all included). A tree without `apiVersion` and `kind` is checked
//! against `null`, with the bindings alone. An error in the tree (a bad expression, values that
//! cannot be compared) ends the poll at once.

use kube::api::{DynamicObject, ListParams};
use serde_json::Value;
use tokio::time::Instant;

use super::super::api;
use super::super::expression::Bindings;
use super::super::tree::{self, Failure};
use super::bindings;
use super::resource::{documents_of, resource_reference};
use super::scope::{POLL, Scope};

/// Which outcome the operation waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Expect {
    /// `assert`: some candidate matches.
    Match,
    /// `error`: no candidate matches.
    NoMatch,
}

/// Runs an `assert` or `error` operation.
pub(super) async fn run(
    scope: &Scope<'_>,
    check: &api::Check,
    bindings: &Bindings,
    expect: Expect,
) -> Result<(), String> {
    let expressions = scope.expressions();
    let bindings = bindings::register(expressions, bindings.clone(), &check.bindings)?;
    let class = match expect {
        Expect::Match => scope.timeout(|t| t.assert, check.timeout.as_deref()),
        Expect::NoMatch => scope.timeout(|t| t.error, check.timeout.as_deref()),
    };
    let deadline = Instant::now() + class;
    let template = check.template.unwrap_or(scope.template);
    let trees = documents_of(
        scope,
        check.file.as_deref(),
        check.resource.as_ref(),
        &bindings,
    )?;
    for tree in trees {
        let tree = if template {
            resource_reference(expressions, tree, &bindings)?
        } else {
            tree
        };
        one(scope, &tree, &bindings, expect, deadline).await?;
    }
    Ok(())
}

async fn one(
    scope: &Scope<'_>,
    tree: &Value,
    bindings: &Bindings,
    expect: Expect,
    deadline: Instant,
) -> Result<(), String> {
    let expressions = scope.expressions();
    let names_object = !api_str(tree, "apiVersion").is_empty() && !api_str(tree, "kind").is_empty();
    let mut expected = tree.clone();
    let target = if names_object {
        let session = scope.session();
        Some(
            crate::run::object_target_served_by(&session, &mut expected, Some(deadline))
                .await
                .map_err(|err| err.to_string())?,
        )
    } else {
        None
    };
    let opened = Instant::now();
    let mut seen = StatesSeen::default();
    loop {
        let candidates = match &target {
            None => Ok(vec![Value::Null]),
            Some(target) => read(target, &expected).await,
        };
        let mut mismatches: Vec<String> = Vec::new();
        // The candidate with the fewest mismatches, and how many others there were.
        let mut closest: Option<(Value, Vec<Failure>)> = None;
        let mut others = 0;
        let mut matched = false;
        match candidates {
            Err(err) => mismatches.push(err),
            Ok(candidates) if candidates.is_empty() => {
                mismatches.push("no actual resource found".into())
            }
            Ok(candidates) => {
                for candidate in candidates {
                    let failures = tree::check(&expected, &candidate, bindings, expressions)
                        .map_err(|err| err.to_string())?;
                    if failures.is_empty() {
                        matched = true;
                        if expect == Expect::NoMatch {
                            mismatches.push(matched_message(scope, &candidate));
                        }
                        break;
                    }
                    if expect == Expect::Match {
                        match &closest {
                            Some((_, best)) if best.len() <= failures.len() => others += 1,
                            Some(_) => {
                                others += 1;
                                closest = Some((candidate, failures));
                            }
                            None => closest = Some((candidate, failures)),
                        }
                    }
                }
            }
        }
        if expect == Expect::Match {
            seen.observe(
                opened.elapsed(),
                closest.as_ref().map(|(_, f)| f.as_slice()),
                &mismatches,
            );
        }
        if let Some((candidate, failures)) = &closest {
            mismatches.push(mismatch_message(scope, &expected, candidate, failures));
            if others > 0 {
                mismatches.push(format!(
                    "({others} other candidate{} did not match either)",
                    if others == 1 { "" } else { "s" }
                ));
            }
        }
        let done = match expect {
            Expect::Match => matched,
            Expect::NoMatch => !matched,
        };
        if done {
            return Ok(());
        }
        if Instant::now() >= deadline {
            mismatches.extend(seen.shown());
            return Err(mismatches.join("\n"));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// What a failing `assert` saw over its window: each time the closest candidate's mismatches (or
/// the error, or the lack of a candidate) changed, when.
#[derive(Default)]
struct StatesSeen {
    states: Vec<(std::time::Duration, String)>,
}

impl StatesSeen {
    fn observe(&mut self, at: std::time::Duration, closest: Option<&[Failure]>, other: &[String]) {
        let state = match closest {
            Some(failures) => {
                let mut lines: Vec<String> = failures.iter().map(|f| format!("* {f}")).collect();
                lines.sort();
                lines.join("\n")
            }
            None => other.join("\n"),
        };
        if self.states.last().is_none_or(|(_, last)| *last != state) {
            self.states.push((at, state));
        }
    }

    /// The states, when there was more than one: one alone is the failure itself.
    fn shown(&self) -> Option<String> {
        if self.states.len() < 2 {
            return None;
        }
        let mut out = format!("states seen during the window ({}):", self.states.len());
        for (at, state) in &self.states {
            let state = state.replace('\n', "\n          ");
            out.push_str(&format!("\n  +{:.3}s {state}", at.as_secs_f64()));
        }
        Some(out)
    }
}

/// The candidates: the named object (none when it is absent), or the list.
async fn read(target: &crate::run::Target, expected: &Value) -> Result<Vec<Value>, String> {
    let as_value = |object: DynamicObject| serde_json::to_value(object).unwrap_or(Value::Null);
    if let Some(name) = crate::run::metadata_str(expected, "name") {
        return match target.api.get_opt(name).await {
            Ok(found) => Ok(found.map(as_value).into_iter().collect()),
            Err(err) => Err(crate::run::api_error::api_message(&err)),
        };
    }
    let labels: Vec<String> = expected
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(key, value)| value.as_str().map(|v| format!("{key}={v}")))
                .collect()
        })
        .unwrap_or_default();
    let params = ListParams::default().labels(&labels.join(","));
    // The API server leaves `apiVersion` and `kind` out of a list's items; Chainsaw's client
    // sets them, and trees check them.
    let types = kube::core::TypeMeta {
        api_version: target.api_version.clone(),
        kind: target.kind.clone(),
    };
    match target.api.list(&params).await {
        Ok(list) => Ok(list
            .items
            .into_iter()
            .map(|mut item| {
                item.types = Some(types.clone());
                as_value(item)
            })
            .collect()),
        Err(err) => Err(crate::run::api_error::api_message(&err)),
    }
}

fn api_str<'a>(value: &'a Value, field: &str) -> &'a str {
    value.get(field).and_then(Value::as_str).unwrap_or("")
}

/// Chainsaw's resource error: a header naming the object, each mismatch with its path, and the
/// diff of the expected tree against the object.
fn mismatch_message(
    scope: &Scope<'_>,
    expected: &Value,
    actual: &Value,
    failures: &[Failure],
) -> String {
    let header = object_id(actual);
    let rule = "-".repeat(header.len());
    let mut lines: Vec<String> = failures.iter().map(|f| format!("* {f}")).collect();
    lines.sort();
    let shown_actual = scope.test.shown(actual);
    let shown_expected = scope.test.shown(expected);
    let diff = crate::run::pretty_diff(&shown_expected, &shown_actual, "expected", "actual");
    format!("{rule}\n{header}\n{rule}\n{}\n\n{diff}", lines.join("\n"))
}

/// `error`'s failure: the object that still matches.
fn matched_message(scope: &Scope<'_>, actual: &Value) -> String {
    format!(
        "{} matches the error tree (it must not):\n{}",
        object_id(actual),
        crate::run::to_yaml(&scope.test.shown(actual))
    )
}

/// `apiVersion/kind/namespace/name`, as Chainsaw heads a resource error.
fn object_id(actual: &Value) -> String {
    if actual.is_null() {
        return "(no resource)".to_string();
    }
    let meta = |field: &str| crate::run::metadata_str(actual, field).unwrap_or("");
    let name = match meta("namespace") {
        "" => meta("name").to_string(),
        namespace => format!("{namespace}/{}", meta("name")),
    };
    format!(
        "{}/{}/{name}",
        api_str(actual, "apiVersion"),
        api_str(actual, "kind")
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn states_seen_are_the_changes_and_one_state_alone_is_not_listed() {
        let mut seen = StatesSeen::default();
        let absent = ["no actual resource found".to_string()];
        seen.observe(Duration::ZERO, None, &absent);
        seen.observe(Duration::from_millis(50), None, &absent);
        assert_eq!(seen.shown(), None);
        seen.observe(
            Duration::from_millis(1500),
            None,
            &["forbidden".to_string()],
        );
        assert_eq!(
            seen.shown().unwrap(),
            "states seen during the window (2):\n  +0.000s no actual resource found\n  +1.500s forbidden"
        );
    }
}
