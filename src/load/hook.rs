//! Reading a hook's files: the CRDs of `crdDir` and the objects of `manifestDirs` (walked
//! recursively, `.yaml`, `.yml` and `.json` files, as KUTTL does), and the `assert` and `errors`
//! files or folders (a folder gives its `*.yaml` files). Every path is relative to the hook's base.

use std::path::Path;

use super::commands;
use super::diagnostic::{Diagnostic, LoadError, Warning};
use super::documents::TypeMeta;
use super::model::{Hook, HookPoint, LoadedHook, Source};
use super::objects::{files_below, objects_of, referenced_files};
use crate::config::yaml::{self, RawDocument};
use crate::config::{self, LegacyTestSuite};

/// A hook declared under `key` of a document; `None` when the document has none.
pub(crate) fn declared(
    point: HookPoint,
    activities: Option<config::Hook>,
    path: &Path,
    doc: &RawDocument<'_>,
    base: &Path,
) -> Option<Hook> {
    activities.map(|activities| Hook {
        point,
        source: Source {
            path: path.to_path_buf(),
            line: yaml::key_line(doc, point.field()),
        },
        base: base.to_path_buf(),
        activities,
    })
}

/// KUTTL's `crdDir`, `manifestDirs` and `commands` of a `kuttl.dev/v1beta1` `TestSuite`, as a
/// before hook (`None` when all three are empty).
pub(crate) fn legacy_before(
    point: HookPoint,
    config: &LegacyTestSuite,
    path: &Path,
    doc: &RawDocument<'_>,
    base: &Path,
) -> Option<Hook> {
    let set = !config.crd_dir.is_empty()
        || !config.manifest_dirs.is_empty()
        || !config.commands.is_empty();
    let line = ["crdDir", "manifestDirs", "commands"]
        .iter()
        .map(|key| yaml::key_line(doc, key))
        .filter(|&line| line != doc.first_line)
        .min()
        .unwrap_or(doc.first_line);
    set.then(|| Hook {
        point,
        source: Source {
            path: path.to_path_buf(),
            line,
        },
        base: base.to_path_buf(),
        activities: config::Hook {
            crd_dir: config.crd_dir.clone(),
            manifest_dirs: config.manifest_dirs.clone(),
            commands: config.commands.clone(),
            ..config::Hook::default()
        },
    })
}

/// Reads and checks the files a hook names.
///
/// # Errors
///
/// A missing path, malformed YAML, an object without kind, or a malformed command.
pub fn load(hook: &Hook, warnings: &mut Vec<Warning>) -> Result<LoadedHook, LoadError> {
    let activities = &hook.activities;
    let fail = |message: String| -> LoadError {
        Diagnostic::at(
            &hook.source.path,
            hook.source.line,
            0,
            format!("{}: {message}", hook.point.field()),
        )
        .into()
    };
    for command in &activities.commands {
        commands::check(&command.command, &command.script, command.namespaced).map_err(&fail)?;
    }
    let mut crds = Vec::new();
    if !activities.crd_dir.is_empty() {
        let dir = hook.base.join(&activities.crd_dir);
        for path in files_below(&dir).map_err(|err| fail(format!("crdDir: {err}")))? {
            for object in objects_of(&path)? {
                let meta = TypeMeta::of(&object.value);
                if meta.group == "apiextensions.k8s.io" && meta.kind == "CustomResourceDefinition" {
                    crds.push(object);
                } else {
                    warnings.push(Diagnostic::at(
                        &object.source.path,
                        object.source.line,
                        0,
                        format!("crdDir holds a {:?}, not a CustomResourceDefinition: skipped, as in KUTTL", meta.kind),
                    ));
                }
            }
        }
    }
    let mut manifests = Vec::new();
    for dir in &activities.manifest_dirs {
        for path in
            files_below(&hook.base.join(dir)).map_err(|err| fail(format!("manifestDirs: {err}")))?
        {
            manifests.extend(objects_of(&path)?);
        }
    }
    let mut asserts = Vec::new();
    for entry in &activities.assert {
        for path in referenced_files(&hook.base.join(entry))
            .map_err(|err| fail(format!("assert: {entry:?}: {err}")))?
        {
            asserts.extend(objects_of(&path)?);
        }
    }
    let mut errors = Vec::new();
    for entry in &activities.errors {
        for path in referenced_files(&hook.base.join(entry))
            .map_err(|err| fail(format!("errors: {entry:?}: {err}")))?
        {
            errors.extend(objects_of(&path)?);
        }
    }
    Ok(LoadedHook {
        hook: hook.clone(),
        crds,
        manifests,
        asserts,
        errors,
    })
}
