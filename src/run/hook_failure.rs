//! What a failed hook tells: every trial of its scope, the reports, and the other processes and
//! machines that share its outcome get this one value, not a message to parse.

use std::fmt;

/// What a hook run came to: every trial of its scope gets it.
pub(crate) type HookOutcome = Result<(), HookFailure>;

/// Why a hook failed. Made from text already scrubbed of masked values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct HookFailure {
    /// The hook's name: `beforeCollection`, `apps::afterSuite`.
    pub scope: String,
    /// The part of the hook that failed: `crdDir`, `manifestDirs`, `commands`, `delete`, `assert
    /// and errors checks`; `setup`, `loading` or `cluster` when it could not start.
    pub activity: String,
    /// `file:line` of its declaration, when it was read.
    pub source: Option<String>,
    /// What failed.
    pub summary: String,
    /// The hook's log up to its failure (empty when it did not start).
    pub log: String,
    /// The machine it ran on, when that is another machine of a shared run.
    pub machine: Option<String>,
}

impl HookFailure {
    /// A hook of `scope` that could not start: `activity` says what it was doing.
    pub(crate) fn not_started(
        scope: impl Into<String>,
        activity: &str,
        summary: impl fmt::Display,
    ) -> Self {
        Self {
            scope: scope.into(),
            activity: activity.into(),
            source: None,
            summary: summary.to_string(),
            log: String::new(),
            machine: None,
        }
    }

    /// The hook point: `beforeSuite` of `apps::beforeSuite`.
    fn point(&self) -> &str {
        self.scope.rsplit("::").next().unwrap_or(&self.scope)
    }

    /// This failure as another machine of a shared run reads it, with at most `limit` bytes of
    /// summary (its start) and of log (its end, where a failure shows), each cut one with a note
    /// saying where the rest is.
    pub(crate) fn bounded(mut self, limit: usize) -> Self {
        let elsewhere = "in the reports of the machine that ran the hook";
        if self.summary.len() > limit {
            let end = floor_char_boundary(&self.summary, limit);
            let cut = self.summary.len() - end;
            self.summary = format!(
                "{} … ({cut} more bytes: the whole message is {elsewhere})",
                &self.summary[..end]
            );
        }
        if self.log.len() > limit {
            let start = floor_char_boundary(&self.log, self.log.len() - limit);
            self.log = format!(
                "… ({start} earlier bytes: the whole log is {elsewhere})\n{}",
                &self.log[start..]
            );
        }
        self
    }
}

/// The largest char boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl fmt::Display for HookFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A Rust fixture's scope names it (`apps::fixture controller`); a hook's says its point.
        if self.point().starts_with("fixture ") {
            write!(f, "{}", self.scope)?;
        } else {
            write!(f, "{} hook {}", self.point(), self.scope)?;
        }
        if let Some(source) = &self.source {
            write!(f, " ({source})")?;
        }
        write!(f, " failed in its {}:\n{}", self.activity, self.summary)?;
        if !self.log.is_empty() {
            write!(f, "\nlog of {}:\n{}", self.scope, self.log)?;
        }
        if let Some(machine) = &self.machine {
            write!(f, "\n(it ran on machine {machine})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed_in_commands(log: &str) -> HookFailure {
        HookFailure {
            scope: "apps::beforeSuite".into(),
            activity: "commands".into(),
            source: Some("apps/kuttl-testsuite.yaml:3".into()),
            summary: "command \"false\" exited with 1".into(),
            log: log.into(),
            machine: None,
        }
    }

    #[test]
    fn a_failure_reads_as_the_hook_its_file_the_part_that_failed_and_its_log() {
        assert_eq!(
            failed_in_commands("running false\n").to_string(),
            "beforeSuite hook apps::beforeSuite (apps/kuttl-testsuite.yaml:3) failed in its commands:\ncommand \"false\" exited with 1\nlog of apps::beforeSuite:\nrunning false\n"
        );
        let elsewhere = HookFailure {
            machine: Some("host/b".into()),
            ..HookFailure::not_started("beforeCollection", "cluster", "no cluster")
        };
        assert_eq!(
            elsewhere.to_string(),
            "beforeCollection hook beforeCollection failed in its cluster:\nno cluster\n(it ran on machine host/b)"
        );
    }

    #[test]
    fn a_bounded_failure_keeps_the_start_of_its_summary_and_the_end_of_its_log() {
        let log = format!(
            "{}last line: exit status 1\n",
            "é earlier output\n".repeat(1000)
        );

        let bounded = failed_in_commands(&log).bounded(100);

        assert!(bounded.log.len() < 220, "{}", bounded.log.len());
        assert!(
            bounded.log.ends_with("last line: exit status 1\n"),
            "{}",
            bounded.log
        );
        assert!(
            bounded.log.starts_with("… (") && bounded.log.contains("earlier bytes"),
            "{}",
            bounded.log
        );
        assert_eq!(bounded.summary, failed_in_commands("").summary);
        assert_eq!(failed_in_commands("short").bounded(100).log, "short");

        let long = HookFailure {
            summary: "é".repeat(300),
            ..failed_in_commands("")
        }
        .bounded(101);
        assert!(
            long.summary.starts_with(&"é".repeat(50)),
            "{}",
            long.summary
        );
        assert!(
            long.summary.ends_with(
                "(500 more bytes: the whole message is in the reports of the machine that ran the hook)"
            ),
            "{}",
            long.summary
        );
    }
}
