//! Reading plain Kubernetes objects from files and folders, for step references and hooks.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, LoadError};
use super::documents;
use super::model::{Object, Source};
use crate::config::yaml::RawDocument;

/// Checks that a document is a Kubernetes object: a mapping with `apiVersion` and `kind`.
pub(crate) fn check_object(
    path: &Path,
    doc: &RawDocument<'_>,
    value: serde_json::Value,
) -> Result<Object, LoadError> {
    let text = |field: &str| {
        value
            .get(field)
            .and_then(serde_json::Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let problem = if !value.is_object() {
        Some("a document must be a mapping (a Kubernetes object), not a list or a scalar")
    } else if !text("kind") {
        Some("object has no kind")
    } else if !text("apiVersion") {
        Some("object has no apiVersion")
    } else {
        None
    };
    match problem {
        Some(message) => Err(Diagnostic::at(path, doc.first_line, 0, message).into()),
        None => Ok(Object {
            value,
            source: Source {
                path: path.to_path_buf(),
                line: doc.first_line,
            },
        }),
    }
}

/// Every object of a file, in document order.
pub(crate) fn objects_of(path: &Path) -> Result<Vec<Object>, LoadError> {
    objects_in(path, &documents::read_text(path)?)
}

/// Every object of `text`, read from `source` (a file, or the URL it was fetched from).
pub(crate) fn objects_in(source: &Path, text: &str) -> Result<Vec<Object>, LoadError> {
    documents::values(source, text)?
        .into_iter()
        .map(|(doc, value)| check_object(source, &doc, value))
        .collect()
}

/// The objects of a file, of a folder's `*.yaml` files, or of a URL's text, as KUTTL's `assert`
/// and `errors` commands take their arguments.
///
/// # Errors
///
/// A missing path, a URL that cannot be fetched, malformed YAML, an object without kind.
pub fn objects_at(entry: &str) -> Result<Vec<Object>, LoadError> {
    if super::remote::is_url(entry) {
        let source = Path::new(entry);
        let text = super::remote::fetch_text(entry).map_err(|err| Diagnostic::file(source, err))?;
        return objects_in(source, &text);
    }
    let path = Path::new(entry);
    let mut objects = Vec::new();
    for file in referenced_files(path).map_err(|err| Diagnostic::file(path, err))? {
        objects.extend(objects_of(&file)?);
    }
    Ok(objects)
}

/// A file itself, or a folder's `*.yaml` files (not recursive, sorted).
pub(crate) fn referenced_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    let metadata = std::fs::metadata(path).map_err(|err| format!("{}: {err}", path.display()))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|err| format!("{}: {err}", path.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Every `.yaml`, `.yml` and `.json` file below `dir`, recursively, in path order.
pub(crate) fn files_below(dir: &Path) -> Result<Vec<PathBuf>, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a folder", dir.display()));
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|path| {
            matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_or_a_folders_yaml_files_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, kind: &str| {
            std::fs::write(
                dir.path().join(name),
                format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\n"),
            )
            .unwrap();
        };
        write("b.yaml", "Secret");
        write("a.yaml", "ConfigMap");
        write("notes.txt", "Ignored");
        let kinds = |entry: &Path| -> Vec<String> {
            objects_at(entry.to_str().unwrap())
                .unwrap()
                .iter()
                .map(|o| o.value["kind"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(kinds(dir.path()), ["ConfigMap", "Secret"]);
        assert_eq!(kinds(&dir.path().join("b.yaml")), ["Secret"]);
        let missing = objects_at("/no/such/file.yaml").unwrap_err().to_string();
        assert!(missing.contains("/no/such/file.yaml"), "{missing}");
    }
}
