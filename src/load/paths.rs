//! Lexical path cleaning, as Go's `filepath.Clean` does it for the paths KUTTL joins.

use std::path::{Component, Path, PathBuf};

/// Drops `.` and folds `..` into the folder before it (a leading `..` stays), without touching the
/// file system: `./tests/e2e/` is `tests/e2e`, and two spellings of one file are one path.
pub(crate) fn clean(path: &Path) -> PathBuf {
    let mut cleaned = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(cleaned.components().next_back(), Some(Component::Normal(_))) =>
            {
                cleaned.pop();
            }
            other => cleaned.push(other),
        }
    }
    cleaned
}
