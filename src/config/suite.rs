//! `TestSuite` (`kuttl.dev/v1beta2`, `kuttl-testsuite.yaml` at a suite's root): KEP-6 suite hooks.

use serde::Deserialize;

use super::collection::Hook;
use super::unsupported::Unsupported;

/// Hooks and defaults of one suite folder.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TestSuite {
    /// `kuttl.dev/v1beta2`.
    pub api_version: String,
    /// `TestSuite`.
    pub kind: String,
    /// Unused.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Step timeout in seconds for this suite's tests; overrides the collection's.
    pub timeout: i64,
    /// What the suite's tests need of the cluster: `nodes` (nodes that run pods). A kuttl-rs field.
    pub requires: Vec<String>,
    /// Runs once before the suite's first selected test.
    pub before_suite: Option<Hook>,
    /// Runs once after the suite's last selected test.
    pub after_suite: Option<Hook>,
}

impl Unsupported for TestSuite {
    fn unsupported_fields(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
}
