//! Reading `kuttl-testsuite.yaml`, the optional per-suite file at a suite folder's root.

use std::path::Path;

use super::diagnostic::{Diagnostic, LoadError};
use super::documents::{self, TypeMeta};
use super::model::Suite;
use crate::config::TestSuite;

/// The suite file's name.
pub const SUITE_FILE: &str = "kuttl-testsuite.yaml";

/// Reads the suite file of `suite_dir`, or the defaults when there is none.
///
/// # Errors
///
/// A malformed file, or one holding anything but a `kuttl.dev/v1beta2` `TestSuite`.
pub fn read(suite_dir: &Path) -> Result<Suite, LoadError> {
    let path = suite_dir.join(SUITE_FILE);
    if !path.exists() {
        return Ok(Suite::default());
    }
    let text = documents::read_text(&path)?;
    let mut suite = Suite::default();
    for doc in documents::split(&path, &text)? {
        let Some(value) = documents::value(&path, &doc)? else {
            continue;
        };
        let meta = TypeMeta::of(&value);
        if !(meta.is_kuttl("TestSuite") && meta.version == "v1beta2") {
            return Err(Diagnostic::at(
                &path,
                doc.first_line,
                0,
                format!(
                    "expected a kuttl.dev/v1beta2 TestSuite, found kind {:?} (apiVersion {:?})",
                    meta.kind,
                    value
                        .get("apiVersion")
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                ),
            )
            .into());
        }
        let config: TestSuite = documents::typed(&path, &doc, &mut suite.warnings)?;
        suite.timeout = (config.timeout != 0).then_some(config.timeout);
    }
    Ok(suite)
}
