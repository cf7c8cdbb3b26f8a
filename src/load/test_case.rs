//! Loading one test folder into a [`TestCase`]: KUTTL's step-file collection (spec §1.3), step
//! building (§1.4), special objects (§1.6), `TestFile` selection (§1.9) and `TestStep` references
//! (§1.7).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::commands;
use super::diagnostic::{Diagnostic, LoadError, Warning};
use super::discover::TestRef;
use super::documents::{self, TypeMeta};
use super::file_name::{self, FileName, FileNameError, FileType};
use super::model::{Located, Object, Source, Step, TestCase};
use super::objects::{self, check_object, objects_of};
use super::remote;
use super::selector;
use super::step_cluster;
use crate::config::yaml::{self, RawDocument};
use crate::config::{TestAssert, TestFile, TestStep};
use crate::expand::expand_env;
use gostd::Glob;

/// What loading needs besides the folder.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions<'a> {
    /// Globs of top-level entries to skip silently.
    pub ignore_files: &'a [Glob],
    /// The run's labels, for `TestFile.testRunSelector`.
    pub run_labels: &'a BTreeMap<String, String>,
    /// `.Namespace` of `*.gotmpl.yaml` files.
    pub namespace: &'a str,
    /// `.Vars` of `*.gotmpl.yaml` files.
    pub template_vars: &'a BTreeMap<String, serde_json::Value>,
}

/// A file of a step, with its classified name.
struct StepFile {
    path: PathBuf,
    name: FileName,
}

/// Loads a test folder.
///
/// # Errors
///
/// The first problem found: an unreadable folder or file, malformed YAML, an unknown file inside a
/// step folder, a misplaced or duplicated special object, a bad command, a missing reference, …
pub fn load(test: &TestRef, options: &LoadOptions<'_>) -> Result<TestCase, LoadError> {
    let mut warnings = Vec::new();
    let groups = collect_step_files(&test.dir, options.ignore_files, &mut warnings)?;
    let steps = groups
        .into_iter()
        .map(|(index, files)| load_step(test, index, files, options, &mut warnings))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TestCase {
        suite: test.suite.clone(),
        name: test.name.clone(),
        dir: test.dir.clone(),
        steps,
        warnings,
    })
}

/// Entries of a folder sorted by name bytes, as Go's `os.ReadDir` returns them.
fn sorted_entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>, LoadError> {
    let mut entries = std::fs::read_dir(dir)
        .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
        .map_err(|err| Diagnostic::file(dir, format!("cannot read folder: {err}")))?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    Ok(entries)
}

fn collect_step_files(
    dir: &Path,
    ignore_files: &[Glob],
    warnings: &mut Vec<Warning>,
) -> Result<BTreeMap<u32, Vec<StepFile>>, LoadError> {
    let mut groups: BTreeMap<u32, Vec<StepFile>> = BTreeMap::new();
    for entry in sorted_entries(dir)? {
        let base = entry.file_name().to_string_lossy().into_owned();
        if ignore_files.iter().any(|glob| glob.is_match(&base)) {
            continue;
        }
        let path = entry.path();
        let name = match file_name::parse(&base) {
            Ok(name) => name,
            // KUTTL ignores such a file and the test passes without it; it is meant as a step.
            Err(err @ FileNameError::Index(_)) => {
                return Err(Diagnostic::file(
                    &path,
                    format!("{err}: step indices must fit a signed 32-bit integer"),
                )
                .into());
            }
            Err(err) => {
                warnings.push(Diagnostic::file(&path, format!("ignoring {base:?}: {err}")));
                continue;
            }
        };
        let Some(index) = name.index else {
            warnings.push(Diagnostic::file(
                &path,
                format!("ignoring {base:?}: does not begin with a number followed by a dash"),
            ));
            continue;
        };
        let files = groups.entry(index).or_default();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            files.extend(step_folder_files(&path)?);
        } else {
            files.push(StepFile { path, name });
        }
    }
    Ok(groups)
}

/// Every entry of a step folder is a step file named by its own base name; anything else fails.
fn step_folder_files(dir: &Path) -> Result<Vec<StepFile>, LoadError> {
    sorted_entries(dir)?
        .into_iter()
        .map(|entry| {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                return Err(Diagnostic::file(&path, "step folders cannot hold folders").into());
            }
            let base = entry.file_name().to_string_lossy().into_owned();
            let name = file_name::parse(&base).map_err(|err| {
                Diagnostic::file(
                    &path,
                    format!("unrecognized file {base:?} in a step folder: {err}"),
                )
            })?;
            Ok(StepFile { path, name })
        })
        .collect()
}

fn load_step(
    test: &TestRef,
    index: u32,
    files: Vec<StepFile>,
    options: &LoadOptions<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Step, LoadError> {
    let mut step = Step {
        index,
        ..Step::default()
    };
    for file in files {
        load_step_file(&mut step, &file, options, warnings)?;
    }
    if let Some(name) = step
        .test_step
        .as_ref()
        .and_then(|s| s.value.metadata.get("name"))
        .and_then(|name| name.as_str())
    {
        step.name = name.to_string();
    }
    if let Some(settings) = step.test_step.clone() {
        load_references(&mut step, &settings, &test.dir)?;
        step.cluster =
            step_cluster::resolve(&settings.value, &test.dir, |name| std::env::var(name).ok());
    }
    Ok(step)
}

/// Renders a `*.gotmpl.yaml` file as KUTTL does (spec §1.8); errors name the template's line.
fn render(path: &Path, text: &str, options: &LoadOptions<'_>) -> Result<String, LoadError> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    gotemplate::Template::parse(&name, text)
        .and_then(|template| template.render(options.namespace, options.template_vars))
        .map_err(|err| Diagnostic::at(path, err.line(), 0, err.message().to_string()).into())
}

fn load_step_file(
    step: &mut Step,
    file: &StepFile,
    options: &LoadOptions<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<(), LoadError> {
    let path = &file.path;
    let mut text = documents::read_text(path)?;
    if file.name.template {
        text = render(path, &text, options)?;
    }
    let mut docs = documents::values(path, &text).map_err(|err| {
        if !file.name.template {
            return err;
        }
        let mut diagnostic = err.diagnostic().clone();
        diagnostic
            .message
            .push_str(" (line and column of the rendered template)");
        diagnostic.into()
    })?;
    if !is_selected(path, &mut docs, options, warnings)? {
        return Ok(());
    }
    if let (true, Some(name)) = (step.name.is_empty(), &file.name.step_name) {
        step.name.clone_from(name);
    }
    for (doc, value) in docs {
        let meta = TypeMeta::of(&value);
        match (file.name.file_type, meta.kind) {
            (FileType::Apply, "TestStep") if meta.group == "kuttl.dev" => {
                let settings: TestStep = documents::typed(path, &doc, warnings)?;
                check_test_step(path, &doc, &settings)?;
                if step.test_step.is_some() {
                    return Err(Diagnostic::at(
                        path,
                        doc.first_line,
                        0,
                        format!(
                            "more than 1 TestStep not allowed in step {:?}",
                            step.label()
                        ),
                    )
                    .into());
                }
                step.test_step = Some(located(settings, path, &doc));
            }
            (FileType::Assert, "TestAssert") if meta.group == "kuttl.dev" => {
                let settings: TestAssert = documents::typed(path, &doc, warnings)?;
                check_test_assert(path, &doc, &settings)?;
                if let Some(previous) = &step.test_assert {
                    warnings.push(Diagnostic::at(
                        path,
                        doc.first_line,
                        0,
                        format!(
                            "step {:?} has several TestAssert objects: this one replaces the one at {} (the last one wins, as in KUTTL)",
                            step.label(),
                            previous.source
                        ),
                    ));
                }
                step.test_assert = Some(located(settings, path, &doc));
            }
            (FileType::Apply, "TestStep") | (FileType::Assert, "TestAssert") => {
                return Err(Diagnostic::at(
                    path,
                    doc.first_line,
                    0,
                    format!(
                        "failed to load {} object: its apiVersion must be kuttl.dev/v1beta1, found {:?}",
                        meta.kind,
                        value.get("apiVersion").and_then(|v| v.as_str()).unwrap_or("")
                    ),
                )
                .into());
            }
            (file_type, kind @ ("TestStep" | "TestAssert")) if meta.group == "kuttl.dev" => {
                let belongs = if kind == "TestStep" {
                    "an apply"
                } else {
                    "an assert"
                };
                return Err(Diagnostic::at(
                    path,
                    doc.first_line,
                    0,
                    format!(
                        "a {kind} belongs in {belongs} file; in this {} file KUTTL would treat it as a cluster object",
                        file_type_word(file_type)
                    ),
                )
                .into());
            }
            (file_type, _) => {
                let object = check_object(path, &doc, value)?;
                match file_type {
                    FileType::Apply => step.apply.push(object),
                    FileType::Assert => step.asserts.push(object),
                    FileType::Errors => step.errors.push(object),
                }
            }
        }
    }
    Ok(())
}

fn file_type_word(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Apply => "apply",
        FileType::Assert => "assert",
        FileType::Errors => "errors",
    }
}

/// Takes the file's `TestFile` object out of `docs` and says whether the run selects the file.
fn is_selected(
    path: &Path,
    docs: &mut Vec<(RawDocument<'_>, serde_json::Value)>,
    options: &LoadOptions<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<bool, LoadError> {
    let mut test_files = docs
        .iter()
        .enumerate()
        .filter(|(_, (_, value))| TypeMeta::of(value).is_kuttl("TestFile"))
        .map(|(position, _)| position);
    let Some(position) = test_files.next() else {
        return Ok(true);
    };
    if let Some(second) = test_files.next() {
        return Err(Diagnostic::at(
            path,
            docs[second].0.first_line,
            0,
            "more than 1 TestFile not allowed in a file",
        )
        .into());
    }
    let (doc, _) = docs.remove(position);
    let test_file: TestFile = documents::typed(path, &doc, warnings)?;
    let Some(selector) = test_file.test_run_selector else {
        warnings.push(Diagnostic::at(
            path,
            doc.first_line,
            0,
            "TestFile without testRunSelector: the file is skipped in every run, as in KUTTL (use `testRunSelector: {}` to always use it)",
        ));
        return Ok(false);
    };
    selector::matches(&selector, options.run_labels).map_err(|message| {
        Diagnostic::at(path, yaml::key_line(&doc, "testRunSelector"), 0, message).into()
    })
}

fn check_test_step(
    path: &Path,
    doc: &RawDocument<'_>,
    settings: &TestStep,
) -> Result<(), LoadError> {
    if !matches!(settings.kubeconfig_loading.as_str(), "" | "Eager" | "Lazy") {
        return Err(Diagnostic::at(
            path,
            yaml::key_line(doc, "kubeconfigLoading"),
            0,
            format!(
                "attribute 'kubeconfigLoading' has invalid value {:?} (Eager or Lazy)",
                settings.kubeconfig_loading
            ),
        )
        .into());
    }
    for command in &settings.commands {
        commands::check(&command.command, &command.script, command.namespaced)
            .map_err(|message| Diagnostic::at(path, yaml::key_line(doc, "commands"), 0, message))?;
    }
    Ok(())
}

/// KUTTL's load-time checks of `resourceRefs`, and every CEL expression must parse.
fn check_cel(path: &Path, doc: &RawDocument<'_>, settings: &TestAssert) -> Result<(), LoadError> {
    let fail = |key: &str, message: String| -> LoadError {
        Diagnostic::at(path, yaml::key_line(doc, key), 0, message).into()
    };
    for reference in &settings.resource_refs {
        let api_version = &reference.api_version;
        if api_version.is_empty() || api_version.matches('/').count() > 1 {
            return Err(fail(
                "resourceRefs",
                format!(
                    "resourceRefs: apiVersion {api_version:?} must be \"version\" or \"group/version\""
                ),
            ));
        }
        for (field, value) in [
            ("kind", &reference.kind),
            ("name", &reference.name),
            ("ref", &reference.reference),
        ] {
            if value.is_empty() {
                return Err(fail(
                    "resourceRefs",
                    format!("resourceRefs: {field} is required"),
                ));
            }
        }
    }
    for (key, expressions) in [
        ("assertAll", &settings.assert_all),
        ("assertAny", &settings.assert_any),
    ] {
        for expression in expressions {
            kube_cel::cel::Program::compile(&expression.cel_expr).map_err(|err| {
                fail(
                    key,
                    format!(
                        "{key}: CEL expression {:?} does not compile: {err}",
                        expression.cel_expr
                    ),
                )
            })?;
        }
    }
    Ok(())
}

fn check_test_assert(
    path: &Path,
    doc: &RawDocument<'_>,
    settings: &TestAssert,
) -> Result<(), LoadError> {
    check_cel(path, doc, settings)?;
    for command in &settings.commands {
        commands::check(&command.command, &command.script, command.namespaced)
            .map_err(|message| Diagnostic::at(path, yaml::key_line(doc, "commands"), 0, message))?;
    }
    Ok(())
}

fn located<T>(value: T, path: &Path, doc: &RawDocument<'_>) -> Located<T> {
    Located {
        value,
        source: Source {
            path: path.to_path_buf(),
            line: doc.first_line,
        },
    }
}

/// Adds the objects of `TestStep.apply`, `.assert` and `.error`: each entry is `$VAR`-expanded with
/// the process environment; a URL is fetched, anything else is resolved against the test folder,
/// where a folder gives its `*.yaml` files. Referenced files are plain objects: no templates, no
/// `TestFile`, no special objects.
fn load_references(
    step: &mut Step,
    settings: &Located<TestStep>,
    test_dir: &Path,
) -> Result<(), LoadError> {
    let lists = [
        ("apply", &settings.value.apply),
        ("assert", &settings.value.assert),
        ("error", &settings.value.error),
    ];
    for (field, entries) in lists {
        for entry in entries {
            let objects = referenced_objects(settings, field, entry, test_dir)?;
            match field {
                "apply" => step.apply.extend(objects),
                "assert" => step.asserts.extend(objects),
                _ => step.errors.extend(objects),
            }
        }
    }
    Ok(())
}

fn referenced_objects(
    settings: &Located<TestStep>,
    field: &str,
    entry: &str,
    test_dir: &Path,
) -> Result<Vec<Object>, LoadError> {
    let fail = |message: String| -> LoadError {
        Diagnostic::at(
            &settings.source.path,
            settings.source.line,
            0,
            format!("TestStep {field}: {entry:?}: {message}"),
        )
        .into()
    };
    let expanded = expand_env(entry);
    if remote::is_url(&expanded) {
        let text = remote::fetch_text(&expanded).map_err(fail)?;
        return objects::objects_in(Path::new(&expanded), &text);
    }
    let mut found = Vec::new();
    for path in objects::referenced_files(&test_dir.join(&expanded)).map_err(fail)? {
        found.extend(objects_of(&path)?);
    }
    Ok(found)
}
