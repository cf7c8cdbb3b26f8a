//! `Command` (suite, hook and step commands) and `TestAssertCommand`.

use serde::Deserialize;

/// A command or script run by a step, a hook or a legacy suite (KUTTL `Command`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Command {
    /// Split shell-like after `$VAR` expansion and run without a shell.
    pub command: String,
    /// Run as `sh -c <script>`.
    pub script: String,
    /// Append `--namespace <test namespace>` to `command`.
    pub namespaced: bool,
    /// A non-zero exit does not fail the step.
    pub ignore_failure: bool,
    /// Start the command and do not wait for it; it is killed when its scope ends.
    pub background: bool,
    /// Seconds: `> 0` overrides the inherited timeout, `< 0` means none, `0` inherits.
    pub timeout: i64,
    /// Keep the command's output out of the log.
    pub skip_log_output: bool,
}

/// A command re-run in every iteration of an assert window (KUTTL `TestAssertCommand`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TestAssertCommand {
    /// As [`Command::command`].
    pub command: String,
    /// As [`Command::script`].
    pub script: String,
    /// As [`Command::namespaced`].
    pub namespaced: bool,
    /// As [`Command::skip_log_output`].
    pub skip_log_output: bool,
}
