//! Reading a file's documents with every error and warning placed at its file and line.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::diagnostic::{Diagnostic, LoadError, Warning};
use crate::config::Unsupported;
use crate::config::yaml::{self, RawDocument, YamlError};

/// Reads a file as UTF-8 text.
pub(crate) fn read_text(path: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(path)
        .map_err(|err| Diagnostic::file(path, format!("cannot read file: {err}")).into())
}

/// Splits a file's text into documents.
pub(crate) fn split<'a>(path: &Path, text: &'a str) -> Result<Vec<RawDocument<'a>>, LoadError> {
    yaml::split_documents(text).map_err(|err| located(path, err))
}

/// Every non-empty document of a file's text with its value, in order.
pub(crate) fn values<'a>(
    path: &Path,
    text: &'a str,
) -> Result<Vec<(RawDocument<'a>, serde_json::Value)>, LoadError> {
    let mut values = Vec::new();
    for doc in split(path, text)? {
        if let Some(value) = value(path, &doc)? {
            values.push((doc, value));
        }
    }
    Ok(values)
}

/// Parses one document into a JSON value (`None` for an empty one).
pub(crate) fn value(
    path: &Path,
    doc: &RawDocument<'_>,
) -> Result<Option<serde_json::Value>, LoadError> {
    yaml::parse_value(doc).map_err(|err| located(path, err))
}

/// Parses one document into a config type, adding a warning for each field set that kuttl-rs
/// reads but does not act on.
pub(crate) fn typed<T: DeserializeOwned + Unsupported>(
    path: &Path,
    doc: &RawDocument<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<T, LoadError> {
    let value: T = yaml::parse_typed(doc).map_err(|err| located(path, err))?;
    warnings.extend(
        value
            .unsupported_fields()
            .into_iter()
            .map(|(field, reason)| {
                Diagnostic::at(
                    path,
                    yaml::key_line(doc, field),
                    0,
                    format!("field {field}: {reason}"),
                )
            }),
    );
    Ok(value)
}

fn located(path: &Path, err: YamlError) -> LoadError {
    Diagnostic::at(path, err.line, err.column, err.message).into()
}

/// `apiVersion` split into group and version, and `kind`, of a parsed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TypeMeta<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
}

impl<'a> TypeMeta<'a> {
    /// Reads the type of a document.
    pub(crate) fn of(value: &'a serde_json::Value) -> Self {
        let api_version = value
            .get("apiVersion")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let kind = value.get("kind").and_then(|v| v.as_str()).unwrap_or("");
        Self {
            group,
            version,
            kind,
        }
    }

    /// Whether this is a kuttl.dev object of `kind` (any version, as in KUTTL).
    pub(crate) fn is_kuttl(&self, kind: &str) -> bool {
        self.group == "kuttl.dev" && self.kind == kind
    }
}
