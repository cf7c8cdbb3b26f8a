//! An expectation of a step that does not hold (yet): what checks report, and what the assert window
//! and failure messages show.

/// An expectation that does not hold (yet).
#[derive(Debug, Clone)]
pub(crate) struct CheckFailure {
    /// The expectation: an object's file and line, or a command.
    pub what: String,
    /// Why it fails, in KUTTL's words.
    pub message: String,
    /// Expected document against the closest actual object.
    pub diff: Option<String>,
    /// The closest actual object as YAML, to tell distinct states apart.
    pub state: Option<String>,
}
