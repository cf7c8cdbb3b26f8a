//! Reading a suite's own file at the suite folder's root: `kuttl-testsuite.yaml` (a
//! `kuttl.dev/v1beta2` `TestSuite` with `beforeSuite`, `afterSuite` and `timeout`), or a KUTTL
//! `kuttl-test.yaml` there, whose `crdDir`, `manifestDirs` and `commands` act as `beforeSuite` and
//! whose `timeout` applies to the suite, as KEP-6 describes.

use std::path::Path;

use super::diagnostic::{Diagnostic, LoadError, Warning};
use super::documents::{self, TypeMeta};
use super::hook;
use super::model::{Hook, HookPoint, Suite};
use crate::config::{LegacyTestSuite, TestSuite};

/// The suite file's name.
pub const SUITE_FILE: &str = "kuttl-testsuite.yaml";
/// KUTTL's configuration file name, read at a suite's root as KEP-6 describes.
pub const LEGACY_SUITE_FILE: &str = "kuttl-test.yaml";

/// Reads the suite file of `suite_dir` and the files its hooks name; the defaults when there is
/// no suite file.
///
/// # Errors
///
/// Both files present, a malformed file, one holding another kind of object, or a hook whose files
/// cannot be read.
pub fn read(suite_dir: &Path) -> Result<Suite, LoadError> {
    let path = suite_dir.join(SUITE_FILE);
    let legacy_path = suite_dir.join(LEGACY_SUITE_FILE);
    let mut suite = Suite::default();
    let (timeout, before, after) = match (path.exists(), legacy_path.exists()) {
        (false, false) => return Ok(suite),
        (true, true) => {
            return Err(Diagnostic::file(
                &legacy_path,
                format!(
                    "a suite has one suite file: {SUITE_FILE} or {LEGACY_SUITE_FILE}, not both"
                ),
            )
            .into());
        }
        (true, false) => read_suite_file(
            &path,
            suite_dir,
            &mut suite.warnings,
            &mut suite.requires_nodes,
        )?,
        (false, true) => read_legacy_file(&legacy_path, suite_dir, &mut suite.warnings)?,
    };
    suite.timeout = (timeout != 0).then_some(timeout);
    suite.before = before
        .map(|hook| hook::load(&hook, &mut suite.warnings))
        .transpose()?;
    suite.after = after
        .map(|hook| hook::load(&hook, &mut suite.warnings))
        .transpose()?;
    Ok(suite)
}

type Settings = (i64, Option<Hook>, Option<Hook>);

fn read_suite_file(
    path: &Path,
    suite_dir: &Path,
    warnings: &mut Vec<Warning>,
    requires_nodes: &mut bool,
) -> Result<Settings, LoadError> {
    let text = documents::read_text(path)?;
    let mut settings = (0, None, None);
    for (doc, value) in documents::values(path, &text)? {
        let meta = TypeMeta::of(&value);
        if !(meta.is_kuttl("TestSuite") && meta.version == "v1beta2") {
            return Err(unexpected(
                path,
                doc.first_line,
                &value,
                "a kuttl.dev/v1beta2 TestSuite",
            ));
        }
        let config: TestSuite = documents::typed(path, &doc, warnings)?;
        for need in &config.requires {
            if need != "nodes" {
                return Err(Diagnostic::at(
                    path,
                    crate::config::yaml::key_line(&doc, "requires"),
                    0,
                    format!("requires: {need:?} is not something a suite can require (nodes)"),
                )
                .into());
            }
        }
        *requires_nodes = config.requires.iter().any(|need| need == "nodes");
        settings = (
            config.timeout,
            hook::declared(
                HookPoint::BeforeSuite,
                config.before_suite,
                path,
                &doc,
                suite_dir,
            ),
            hook::declared(
                HookPoint::AfterSuite,
                config.after_suite,
                path,
                &doc,
                suite_dir,
            ),
        );
    }
    Ok(settings)
}

fn read_legacy_file(
    path: &Path,
    suite_dir: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<Settings, LoadError> {
    let text = documents::read_text(path)?;
    let mut settings = (0, None, None);
    for (doc, value) in documents::values(path, &text)? {
        if !TypeMeta::of(&value).is_kuttl("TestSuite") {
            return Err(unexpected(
                path,
                doc.first_line,
                &value,
                "a kuttl.dev TestSuite",
            ));
        }
        let config: LegacyTestSuite = documents::typed(path, &doc, warnings)?;
        if !config.test_dirs.is_empty() {
            warnings.push(Diagnostic::at(
                path,
                crate::config::yaml::key_line(&doc, "testDirs"),
                0,
                "field testDirs: a suite's own kuttl-test.yaml does not name suites; ignored, as KEP-6 says",
            ));
        }
        settings = (
            config.timeout,
            hook::legacy_before(HookPoint::BeforeSuite, &config, path, &doc, suite_dir),
            None,
        );
    }
    Ok(settings)
}

fn unexpected(path: &Path, line: usize, value: &serde_json::Value, expected: &str) -> LoadError {
    let meta = TypeMeta::of(value);
    Diagnostic::at(
        path,
        line,
        0,
        format!(
            "expected {expected}, found kind {:?} (apiVersion {:?})",
            meta.kind,
            value
                .get("apiVersion")
                .and_then(|v| v.as_str())
                .unwrap_or("")
        ),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite_with(text: &str) -> Result<Suite, String> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(SUITE_FILE),
            format!("apiVersion: kuttl.dev/v1beta2\nkind: TestSuite\n{text}"),
        )
        .unwrap();
        read(dir.path()).map_err(|err| err.to_string())
    }

    #[test]
    fn a_suite_may_require_nodes_and_nothing_else() {
        assert!(suite_with("requires: [nodes]\n").unwrap().requires_nodes);
        assert!(!suite_with("timeout: 5\n").unwrap().requires_nodes);
        let err = suite_with("requires: [gpus]\n").unwrap_err();
        assert!(
            err.contains(":3:")
                && err.contains("requires: \"gpus\" is not something a suite can require"),
            "{err}"
        );
    }
}
