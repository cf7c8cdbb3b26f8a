//! The error of an environment variable that overrides a collection setting.

/// An environment variable whose value cannot be used; shown as `invalid value "<value>" for
/// environment variable <variable>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value {value:?} for environment variable {variable}: {reason}")]
pub struct EnvError {
    /// The variable's name.
    pub variable: &'static str,
    /// Its value.
    pub value: String,
    /// Why it cannot be used.
    pub reason: String,
}

impl EnvError {
    /// `variable` set to `value`, rejected for `reason`.
    pub(crate) fn new(variable: &'static str, value: &str, reason: impl Into<String>) -> Self {
        Self {
            variable,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
