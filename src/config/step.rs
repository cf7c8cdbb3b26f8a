//! The kuttl.dev objects that live in step files: `TestStep`, `TestAssert`, `TestFile`, and the
//! types they hold.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::command::{Command, TestAssertCommand};
use super::unsupported::{Unsupported, set_fields};

const NEEDS_KUBECONFIG: &str = "has no effect without kubeconfig, as in KUTTL";

/// Step settings, found in an apply-type step file (KUTTL `TestStep`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TestStep {
    /// `kuttl.dev/<any version>`.
    pub api_version: String,
    /// `TestStep`.
    pub kind: String,
    /// `metadata.name` overrides the step name.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Ignored by KUTTL: the file name gives the index.
    pub index: Option<i64>,
    /// Extra files or folders applied in this step, relative to the test folder.
    pub apply: Vec<String>,
    /// Extra files or folders asserted in this step.
    pub assert: Vec<String>,
    /// Extra files or folders checked as errors in this step.
    pub error: Vec<String>,
    /// Objects deleted (and waited for) at the start of the step.
    pub delete: Vec<ObjectReference>,
    /// Commands run after `delete`, before apply.
    pub commands: Vec<Command>,
    /// Parsed, no effect in KUTTL.
    pub unit_test: bool,
    /// An alternate kubeconfig for every cluster operation and command of the step; `$VAR`s
    /// expanded, relative to the test folder.
    pub kubeconfig: String,
    /// `Eager` (connect when the test starts, the default) or `Lazy` (just before the step).
    pub kubeconfig_loading: String,
    /// A context inside `kubeconfig`; empty: its current context.
    pub context: String,
    /// Removed from KUTTL long ago and ignored by it; accepted so old suites still load.
    pub kubectl: Option<serde_json::Value>,
}

impl Unsupported for TestStep {
    fn unsupported_fields(&self) -> Vec<(&'static str, &'static str)> {
        set_fields(&[
            (
                self.index.is_some(),
                "index",
                "ignored, as by KUTTL: the file name gives the index",
            ),
            (self.unit_test, "unitTest", "has no effect, as in KUTTL"),
            (
                self.kubectl.is_some(),
                "kubectl",
                "removed from KUTTL and ignored; use commands",
            ),
            (
                self.kubeconfig.is_empty() && !self.kubeconfig_loading.is_empty(),
                "kubeconfigLoading",
                NEEDS_KUBECONFIG,
            ),
            (
                self.kubeconfig.is_empty() && !self.context.is_empty(),
                "context",
                NEEDS_KUBECONFIG,
            ),
        ])
    }
}

/// Assert settings, found in an assert-type step file (KUTTL `TestAssert`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TestAssert {
    /// `kuttl.dev/<any version>`.
    pub api_version: String,
    /// `TestAssert`.
    pub kind: String,
    /// Unused.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Seconds; non-zero overrides the assert window and the delete wait of the step.
    pub timeout: i64,
    /// Run when the assert window fails.
    pub collectors: Vec<TestCollector>,
    /// Commands re-run in every iteration of the window.
    pub commands: Vec<TestAssertCommand>,
    /// Objects bound to CEL variables.
    pub resource_refs: Vec<ResourceRef>,
    /// CEL expressions that must all be true.
    pub assert_all: Vec<CelExpression>,
    /// CEL expressions of which one must be true.
    pub assert_any: Vec<CelExpression>,
}

impl Unsupported for TestAssert {
    fn unsupported_fields(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
}

/// A per-file run selector (KUTTL `TestFile`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TestFile {
    /// `kuttl.dev/<any version>`.
    pub api_version: String,
    /// `TestFile`.
    pub kind: String,
    /// Unused.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Absent: the file is always skipped (as in KUTTL); `{}`: always used.
    pub test_run_selector: Option<LabelSelector>,
}

impl Unsupported for TestFile {
    fn unsupported_fields(&self) -> Vec<(&'static str, &'static str)> {
        Vec::new()
    }
}

/// A Kubernetes label selector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    /// Labels that must be present with these values.
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One set-based requirement of a [`LabelSelector`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelectorRequirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    pub operator: String,
    /// The values for `In` and `NotIn`.
    pub values: Vec<String>,
}

/// An object deleted at the start of a step or by a hook (KUTTL `ObjectReference`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectReference {
    /// Group and version, e.g. `v1` or `apps/v1`.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// The name; empty means every object of the kind (filtered by `labels`).
    pub name: String,
    /// The namespace; empty means the test namespace.
    pub namespace: String,
    /// Labels that select the objects when `name` is empty.
    pub labels: BTreeMap<String, String>,
    /// Accepted, unused (a Kubernetes `ObjectReference` field).
    pub uid: String,
    /// Accepted, unused.
    pub resource_version: String,
    /// Accepted, unused.
    pub field_path: String,
}

/// Output collected when an assert window fails (KUTTL `TestCollector`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TestCollector {
    /// `pod`, `command` or `events`.
    #[serde(rename = "type")]
    pub collector_type: String,
    /// Pod (or event) name.
    pub pod: String,
    /// Namespace; empty means the test namespace.
    pub namespace: String,
    /// Container; empty means all containers.
    pub container: String,
    /// Label selector for pods.
    pub selector: String,
    /// Lines of log to keep.
    pub tail: i64,
    /// A command whose output is collected.
    pub command: String,
}

/// An object fetched and bound to a CEL variable (KUTTL `TestResourceRef`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceRef {
    /// Group and version.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// The namespace; empty means the test namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
    /// The CEL variable name.
    #[serde(rename = "ref")]
    pub reference: String,
}

/// One CEL expression of `assertAll` or `assertAny`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct CelExpression {
    /// The expression.
    #[serde(rename = "celExpr")]
    pub cel_expr: String,
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::acted_on("kc.yaml", "other", "Lazy", &[])]
    #[case::context_alone("", "other", "", &["context"])]
    #[case::loading_alone("", "", "Lazy", &["kubeconfigLoading"])]
    fn context_and_loading_warn_only_without_a_kubeconfig(
        #[case] kubeconfig: &str,
        #[case] context: &str,
        #[case] loading: &str,
        #[case] warned: &[&str],
    ) {
        let step = TestStep {
            kubeconfig: kubeconfig.into(),
            context: context.into(),
            kubeconfig_loading: loading.into(),
            ..TestStep::default()
        };
        let fields: Vec<&str> = step
            .unsupported_fields()
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(fields, warned);
    }
}
