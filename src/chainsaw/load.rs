//! Reading `chainsaw-test.yaml`: its Test documents, with their step templates (`use`) expanded as
//! Chainsaw's discovery does (`pkg/discovery/load.go`).

use std::path::Path;
use std::time::Duration;

use super::api;
use super::model::{Action, Operation, Scenario, Step, Test, Timeouts};
use crate::config::yaml::RawDocument;
use crate::load::diagnostic::{Diagnostic, LoadError};
use crate::load::documents;

/// The names Chainsaw looks for in a test folder, in its order.
pub(crate) const TEST_FILES: [&str; 2] = ["chainsaw-test.yaml", "chainsaw-test.yml"];

const API_VERSION: &str = "chainsaw.kyverno.io/v1alpha1";

/// The test file of a folder, if it has one.
pub(crate) fn test_file(dir: &Path) -> Option<std::path::PathBuf> {
    TEST_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
}

/// What a document says it is.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Header {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
}

/// A Test document as written, and where.
pub(crate) struct Document {
    pub test: api::Test,
    pub line: usize,
}

/// Reads the Test documents of a file, in order.
///
/// # Errors
///
/// An unreadable file, bad YAML, a document that is not a `chainsaw.kyverno.io/v1alpha1` Test, a
/// field Chainsaw does not know, or a Test without a name.
pub(crate) fn documents(file: &Path) -> Result<Vec<Document>, LoadError> {
    let text = documents::read_text(file)?;
    let mut found = Vec::new();
    for doc in documents::split(file, &text)? {
        if documents::value(file, &doc)?.is_none() {
            continue;
        }
        // The kind first: a document of another kind gets that said, not its fields listed.
        let header: Header = typed(file, &doc)?;
        if header.api_version != API_VERSION || header.kind != "Test" {
            return Err(at(
                file,
                doc.first_line,
                format!(
                    "expected apiVersion {API_VERSION} kind Test, found apiVersion {:?} kind {:?}",
                    header.api_version, header.kind
                ),
            ));
        }
        let test: api::Test = typed(file, &doc)?;
        if test.metadata.name.is_empty() {
            return Err(at(file, doc.first_line, "the Test has no metadata.name"));
        }
        found.push(Document {
            test,
            line: doc.first_line,
        });
    }
    Ok(found)
}

/// Loads the Test document `document` (from 0) of `file` for `scenario`, as a trial names it.
///
/// # Errors
///
/// As [`documents`] and [`load`]; also a file that no longer holds the document.
pub(crate) fn load_document(
    file: &Path,
    document: usize,
    scenario: usize,
) -> Result<Test, LoadError> {
    let mut found = documents(file)?;
    if document >= found.len() {
        return Err(at(
            file,
            0,
            format!("has no Test document {} any more", document + 1),
        ));
    }
    load(file, found.swap_remove(document), scenario)
}

/// Loads one Test document for one scenario (`0` when it has none; else from 1).
///
/// # Errors
///
/// A step template that cannot be read, an entry with no operation or more than one, a duration
/// Go cannot parse.
pub(crate) fn load(file: &Path, document: Document, scenario: usize) -> Result<Test, LoadError> {
    let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let Document { test, line } = document;
    let here = |message: String| {
        at(
            file,
            line,
            format!("Test {}: {message}", test.metadata.name),
        )
    };
    let mut spec = test.spec;
    let scenario = match scenario {
        0 => None,
        id => Some(Scenario {
            id,
            bindings: spec
                .scenarios
                .get(id - 1)
                .ok_or_else(|| here(format!("has no scenario {id}")))?
                .bindings
                .clone(),
        }),
    };
    let timeouts = timeouts(spec.timeouts.as_ref()).map_err(&here)?;
    let steps = std::mem::take(&mut spec.steps)
        .into_iter()
        .enumerate()
        .map(|(index, step)| load_step(&dir, index, step).map_err(&here))
        .collect::<Result<Vec<_>, _>>()?;
    let catch = finally_operations("catch", std::mem::take(&mut spec.catch)).map_err(&here)?;
    for (field, value) in [
        (
            "forceTerminationGracePeriod",
            &spec.force_termination_grace_period,
        ),
        ("delayBeforeCleanup", &spec.delay_before_cleanup),
    ] {
        if let Some(value) = value {
            duration(value).map_err(|err| here(format!("{field}: {err}")))?;
        }
    }
    Ok(Test {
        name: test.metadata.name,
        dir,
        scenario,
        spec,
        timeouts,
        steps,
        catch,
    })
}

fn load_step(dir: &Path, index: usize, step: api::TestStep) -> Result<Step, String> {
    let label = if step.name.is_empty() {
        format!("step-{}", index + 1)
    } else {
        step.name.clone()
    };
    let within = |message: String| format!("{label}: {message}");
    let (mut bindings, mut tries, mut catch, mut finally, mut cleanup) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if let Some(used) = &step.r#use {
        let template = step_template(&dir.join(&used.template)).map_err(&within)?;
        bindings.extend(template.bindings);
        bindings.extend(used.with.bindings.iter().cloned());
        tries = template.r#try;
        catch = template.catch;
        finally = template.finally;
        cleanup = template.cleanup;
    }
    // Chainsaw appends the template's entries after the step's own, and its bindings too.
    let mut own_bindings = step.bindings;
    own_bindings.extend(bindings);
    let mut all_tries = step.r#try;
    all_tries.extend(tries);
    let join = |mut own: Vec<api::Finally>, more: Vec<api::Finally>| {
        own.extend(more);
        own
    };
    Ok(Step {
        name: label.clone(),
        description: step.description,
        cluster: step.cluster,
        clusters: step.clusters,
        deletion_propagation_policy: step.deletion_propagation_policy,
        timeouts: timeouts(step.timeouts.as_ref()).map_err(&within)?,
        skip_delete: step.skip_delete,
        template: step.template,
        compiler: step.compiler,
        bindings: own_bindings,
        r#try: all_tries
            .into_iter()
            .enumerate()
            .map(|(at, op)| try_operation(at, op))
            .collect::<Result<_, _>>()
            .map_err(&within)?,
        catch: finally_operations("catch", join(step.catch, catch)).map_err(&within)?,
        finally: finally_operations("finally", join(step.finally, finally)).map_err(&within)?,
        cleanup: finally_operations("cleanup", join(step.cleanup, cleanup)).map_err(&within)?,
    })
}

/// Reads a step template file: exactly one `StepTemplate` document.
fn step_template(path: &Path) -> Result<api::StepTemplateSpec, String> {
    let text = documents::read_text(path).map_err(|err| err.to_string())?;
    let mut templates = Vec::new();
    for doc in documents::split(path, &text).map_err(|err| err.to_string())? {
        if documents::value(path, &doc)
            .map_err(|err| err.to_string())?
            .is_none()
        {
            continue;
        }
        let template: api::StepTemplate = typed(path, &doc).map_err(|err| err.to_string())?;
        if template.api_version != API_VERSION || template.kind != "StepTemplate" {
            return Err(format!(
                "{}:{}: expected apiVersion {API_VERSION} kind StepTemplate",
                path.display(),
                doc.first_line
            ));
        }
        templates.push(template.spec);
    }
    match templates.len() {
        1 => Ok(templates.remove(0)),
        n => Err(format!(
            "{}: step template not found or multiple templates exist ({n} StepTemplate documents)",
            path.display()
        )),
    }
}

fn try_operation(at: usize, op: api::Operation) -> Result<Operation, String> {
    let place = format!("try[{at}]");
    let mut actions: Vec<Action> = Vec::new();
    let api::Operation {
        description,
        continue_on_error,
        compiler,
        apply,
        create,
        patch,
        update,
        delete,
        assert,
        error,
        command,
        script,
        sleep,
        wait,
        get,
        describe,
        events,
        pod_logs,
        proxy,
    } = op;
    for (name, resource) in [("apply", &apply), ("create", &create), ("update", &update)] {
        if resource.as_ref().is_some_and(|r| r.subresource.is_some()) {
            return Err(format!(
                "{place}: {name} has no field subresource (patch has)"
            ));
        }
    }
    actions.extend(apply.map(Action::Apply));
    actions.extend(create.map(Action::Create));
    actions.extend(patch.map(Action::Patch));
    actions.extend(update.map(Action::Update));
    actions.extend(assert.map(Action::Assert));
    actions.extend(error.map(Action::Error));
    actions.extend(proxy.map(Action::Proxy));
    let common = Common {
        delete,
        command,
        script,
        sleep,
        wait,
        get,
        describe,
        events,
        pod_logs,
    };
    common.into_actions(&place, &mut actions)?;
    one(
        place,
        description,
        continue_on_error.unwrap_or(false),
        compiler,
        actions,
    )
}

pub(crate) fn finally_operations(
    field: &str,
    entries: Vec<api::Finally>,
) -> Result<Vec<Operation>, String> {
    entries
        .into_iter()
        .enumerate()
        .map(|(at, entry)| {
            let place = format!("{field}[{at}]");
            let api::Finally {
                description,
                compiler,
                pod_logs,
                events,
                describe,
                wait,
                get,
                delete,
                command,
                script,
                sleep,
            } = entry;
            let mut actions = Vec::new();
            Common {
                delete,
                command,
                script,
                sleep,
                wait,
                get,
                describe,
                events,
                pod_logs,
            }
            .into_actions(&place, &mut actions)?;
            one(place, description, false, compiler, actions)
        })
        .collect()
}

/// The operations `try` shares with `catch`, `finally` and `cleanup`.
struct Common {
    delete: Option<api::Delete>,
    command: Option<api::Command>,
    script: Option<api::Script>,
    sleep: Option<api::Sleep>,
    wait: Option<api::Wait>,
    get: Option<api::Get>,
    describe: Option<api::Describe>,
    events: Option<api::Events>,
    pod_logs: Option<api::PodLogs>,
}

impl Common {
    fn into_actions(self, place: &str, actions: &mut Vec<Action>) -> Result<(), String> {
        actions.extend(self.delete.map(Action::Delete));
        actions.extend(self.command.map(Action::Command));
        actions.extend(self.script.map(Action::Script));
        if let Some(sleep) = self.sleep {
            let slept =
                duration(&sleep.duration).map_err(|err| format!("{place}: sleep: {err}"))?;
            actions.push(Action::Sleep(slept));
        }
        actions.extend(self.wait.map(Action::Wait));
        actions.extend(self.get.map(Action::Get));
        actions.extend(self.describe.map(Action::Describe));
        actions.extend(self.events.map(Action::Events));
        actions.extend(self.pod_logs.map(Action::PodLogs));
        Ok(())
    }
}

fn one(
    place: String,
    description: Option<String>,
    continue_on_error: bool,
    compiler: Option<api::Compiler>,
    mut actions: Vec<Action>,
) -> Result<Operation, String> {
    match actions.len() {
        1 => Ok(Operation {
            place,
            description,
            continue_on_error,
            compiler,
            action: actions.remove(0),
        }),
        0 => Err(format!("{place}: no operation")),
        _ => Err(format!(
            "{place}: one operation per entry, found {}",
            actions
                .iter()
                .map(Action::kind)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

pub(crate) fn timeouts(set: Option<&api::Timeouts>) -> Result<Timeouts, String> {
    let Some(set) = set else {
        return Ok(Timeouts::default());
    };
    let parse = |field: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|text| duration(text).map_err(|err| format!("timeouts.{field}: {err}")))
            .transpose()
    };
    Ok(Timeouts {
        apply: parse("apply", &set.apply)?,
        assert: parse("assert", &set.assert)?,
        cleanup: parse("cleanup", &set.cleanup)?,
        delete: parse("delete", &set.delete)?,
        error: parse("error", &set.error)?,
        exec: parse("exec", &set.exec)?,
    })
}

/// A `metav1.Duration`: Go's duration syntax.
pub(crate) fn duration(text: &str) -> Result<Duration, gostd::BadDuration> {
    gostd::parse_duration(text)
}

pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    file: &Path,
    doc: &RawDocument<'_>,
) -> Result<T, LoadError> {
    crate::config::yaml::parse_typed(doc)
        .map_err(|err| LoadError(Diagnostic::at(file, err.line, err.column, err.message)))
}

pub(crate) fn at(file: &Path, line: usize, message: impl Into<String>) -> LoadError {
    LoadError(Diagnostic::at(file, line, 0, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(file);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn load_first(text: &str, files: &[(&str, &str)]) -> Result<Test, String> {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in files {
            write(dir.path(), name, content);
        }
        let file = write(dir.path(), "chainsaw-test.yaml", text);
        let mut found = documents(&file).map_err(|err| err.to_string())?;
        load(&file, found.remove(0), 0).map_err(|err| err.to_string())
    }

    const HEAD: &str =
        "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\nspec:\n";

    #[test]
    fn a_step_template_is_expanded_after_the_steps_own_entries_with_its_bindings() {
        let template = "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: StepTemplate\nmetadata:\n  name: tpl\nspec:\n  bindings:\n  - name: a\n    value: from-template\n  try:\n  - sleep:\n      duration: 1s\n  cleanup:\n  - sleep:\n      duration: 2s\n";
        let test = format!(
            "{HEAD}  steps:\n  - name: used\n    use:\n      template: tpl.yaml\n      with:\n        bindings:\n        - name: a\n          value: from-with\n    try:\n    - script:\n        content: echo own\n"
        );
        let test = load_first(&test, &[("tpl.yaml", template)]).unwrap();
        let step = &test.steps[0];
        let kinds: Vec<&str> = step.r#try.iter().map(|op| op.action.kind()).collect();
        assert_eq!(kinds, ["script", "sleep"]);
        assert_eq!(step.cleanup.len(), 1);
        let values: Vec<&serde_json::Value> = step.bindings.iter().map(|b| &b.value).collect();
        assert_eq!(values, ["from-template", "from-with"]);
    }

    #[test]
    fn an_entry_holds_exactly_one_operation() {
        let two = format!(
            "{HEAD}  steps:\n  - try:\n    - sleep:\n        duration: 1s\n      script:\n        content: x\n"
        );
        let error = load_first(&two, &[]).unwrap_err();
        assert!(
            error.contains("try[0]: one operation per entry, found script, sleep"),
            "{error}"
        );
        let none = format!("{HEAD}  steps:\n  - try:\n    - description: nothing\n");
        assert!(
            load_first(&none, &[])
                .unwrap_err()
                .contains("try[0]: no operation")
        );
    }

    #[test]
    fn bad_input_names_the_file_line_and_field() {
        let unknown = format!("{HEAD}  steps:\n  - try:\n    - aply: {{}}\n");
        let error = load_first(&unknown, &[]).unwrap_err();
        assert!(error.contains("chainsaw-test.yaml:8"), "{error}");
        assert!(error.contains("aply"), "{error}");
        let duration = format!("{HEAD}  timeouts:\n    apply: 5 seconds\n  steps: []\n");
        let error = load_first(&duration, &[]).unwrap_err();
        assert!(
            error.contains("timeouts.apply: time: unknown unit"),
            "{error}"
        );
        let subresource = format!(
            "{HEAD}  steps:\n  - try:\n    - apply:\n        subresource: status\n        file: x.yaml\n"
        );
        let error = load_first(&subresource, &[]).unwrap_err();
        assert!(error.contains("apply has no field subresource"), "{error}");
        let clusters = format!("{HEAD}  clusters:\n    other:\n      kubeconfig: k\n  steps: []\n");
        assert!(load_first(&clusters, &[]).is_ok());
        let clusters = format!("{HEAD}  clusters:\n    other:\n      kubeconf: k\n  steps: []\n");
        let error = load_first(&clusters, &[]).unwrap_err();
        assert!(error.contains("unknown field `kubeconf`"), "{error}");
        let kind = "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: t\nspec: {}\n";
        assert!(load_first(kind, &[]).unwrap_err().contains("kind Test"));
    }

    #[test]
    fn catch_finally_and_cleanup_take_only_what_chainsaw_allows() {
        let apply_in_finally =
            format!("{HEAD}  steps:\n  - finally:\n    - apply:\n        file: x.yaml\n");
        let error = load_first(&apply_in_finally, &[]).unwrap_err();
        assert!(error.contains("apply"), "{error}");
    }
}
