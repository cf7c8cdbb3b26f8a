//! Load errors and warnings, each pointing at a file, line and column.

use std::fmt;
use std::path::{Path, PathBuf};

/// A message about a place in a file: `path:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file (or folder) concerned.
    pub path: PathBuf,
    /// 1-based line, `0` when the message is about the whole file.
    pub line: usize,
    /// 1-based column, `0` when unknown.
    pub column: usize,
    /// What is wrong, lowercase, no final period.
    pub message: String,
}

impl Diagnostic {
    /// A message about a whole file or folder.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self::at(path, 0, 0, message)
    }

    /// A message about a line (and column) of a file.
    pub fn at(path: &Path, line: usize, column: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cwd = std::env::current_dir().unwrap_or_default();
        let path = self.path.strip_prefix(&cwd).unwrap_or(&self.path);
        write!(f, "{}", path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a test, suite or collection could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub Diagnostic);

impl LoadError {
    /// The place and message.
    pub fn diagnostic(&self) -> &Diagnostic {
        &self.0
    }
}

impl From<Diagnostic> for LoadError {
    fn from(diagnostic: Diagnostic) -> Self {
        Self(diagnostic)
    }
}

/// Something that loads but deserves the user's attention (an ignored file or field).
pub type Warning = Diagnostic;
