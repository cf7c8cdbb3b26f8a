//! Lexical path cleaning, as Go's `filepath.Clean` does it.

use std::path::{Component, Path, PathBuf};

/// Drops `.` and folds `..` into the folder before it (a leading `..` stays, and `..` at the root
/// is the root, as in Go), without touching the file system: `./tests/e2e/` is `tests/e2e`, and two
/// spellings of one file are one path. Nothing left is `.`, as in Go.
pub fn clean(path: &Path) -> PathBuf {
    let mut cleaned = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(cleaned.components().next_back(), Some(Component::Normal(_))) =>
            {
                cleaned.pop();
            }
            // `/..` is `/`.
            Component::ParentDir
                if matches!(cleaned.components().next_back(), Some(Component::RootDir)) => {}
            other => cleaned.push(other),
        }
    }
    if cleaned.as_os_str().is_empty() {
        cleaned.push(".");
    }
    cleaned
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("./tests/e2e/", "tests/e2e")]
    #[case("a/./b/../c", "a/c")]
    #[case("../x", "../x")]
    #[case("a/../../x", "../x")]
    #[case("/a/b/..", "/a")]
    #[case("/../../", "/")]
    #[case("a/..", ".")]
    #[case("", ".")]
    #[case("/a/../../b", "/b")]
    fn cleans_like_go(#[case] path: &str, #[case] expected: &str) {
        assert_eq!(clean(Path::new(path)), Path::new(expected));
    }
}
