//! The shapes of Chainsaw's files (`chainsaw.kyverno.io/v1alpha1` `Test` and `StepTemplate`), as
//! Chainsaw v0.2.15 declares them in `pkg/apis/v1alpha1`. Unknown fields are errors, as Chainsaw's
//! validation against its CRD schemas makes them. Expressions stay text here; durations are checked
//! when the test is loaded.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// `kind: Test`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Test {
    /// Checked before the document is read as a Test.
    #[serde(rename = "apiVersion")]
    _api_version: String,
    #[serde(rename = "kind")]
    _kind: String,
    pub metadata: Metadata,
    pub spec: TestSpec,
}

/// `kind: StepTemplate`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct StepTemplate {
    pub api_version: String,
    pub kind: String,
    #[serde(rename = "metadata")]
    _metadata: Metadata,
    pub spec: StepTemplateSpec,
}

/// The `metadata` Chainsaw reads: a name, and labels for `--selector`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Metadata {
    #[serde(default)]
    pub name: String,
    /// What a selector (`chainsaw.selector`, `--selector`) matches.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// `Test.spec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TestSpec {
    pub description: Option<String>,
    /// Declared, but Chainsaw reads only the Configuration's `failFast`.
    #[serde(rename = "failFast")]
    _fail_fast: Option<bool>,
    pub timeouts: Option<Timeouts>,
    /// The cluster, by name (`""`: the run's); an expression.
    pub cluster: Option<String>,
    /// Clusters it declares, by name, over the outer levels'.
    #[serde(default)]
    pub clusters: Clusters,
    pub skip: Option<bool>,
    pub concurrent: Option<bool>,
    pub skip_delete: Option<bool>,
    pub template: Option<bool>,
    pub compiler: Option<Compiler>,
    pub namespace: Option<String>,
    pub namespace_template: Option<Value>,
    pub namespace_template_compiler: Option<Compiler>,
    /// Chainsaw then does not wait for the namespace to go. kuttl-rs's trial waits for it, but
    /// with its slot given to the next test, which is what the setting is for.
    #[serde(rename = "fastNamespaceDeletion")]
    _fast_namespace_deletion: Option<bool>,
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
    #[serde(default)]
    pub bindings: Vec<Binding>,
    pub steps: Vec<TestStep>,
    #[serde(default)]
    pub catch: Vec<Finally>,
    pub force_termination_grace_period: Option<String>,
    pub delay_before_cleanup: Option<String>,
    pub deletion_propagation_policy: Option<String>,
}

/// One entry of `scenarios`: the test runs once per scenario, with its bindings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Scenario {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub bindings: Vec<Binding>,
}

/// `StepTemplate.spec`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct StepTemplateSpec {
    #[serde(default)]
    pub bindings: Vec<Binding>,
    #[serde(default)]
    pub r#try: Vec<Operation>,
    #[serde(default)]
    pub catch: Vec<Finally>,
    #[serde(default)]
    pub finally: Vec<Finally>,
    #[serde(default)]
    pub cleanup: Vec<Finally>,
}

/// One of `spec.steps`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TestStep {
    #[serde(default)]
    pub name: String,
    pub r#use: Option<Use>,
    pub description: Option<String>,
    pub timeouts: Option<Timeouts>,
    pub deletion_propagation_policy: Option<String>,
    /// The cluster, by name (`""`: the run's); an expression.
    pub cluster: Option<String>,
    /// Clusters it declares, by name, over the outer levels'.
    #[serde(default)]
    pub clusters: Clusters,
    pub skip_delete: Option<bool>,
    pub template: Option<bool>,
    pub compiler: Option<Compiler>,
    #[serde(default)]
    pub bindings: Vec<Binding>,
    #[serde(default)]
    pub r#try: Vec<Operation>,
    #[serde(default)]
    pub catch: Vec<Finally>,
    #[serde(default)]
    pub finally: Vec<Finally>,
    #[serde(default)]
    pub cleanup: Vec<Finally>,
}

/// `use`: a step template, by a path relative to the test folder, with bindings of its own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Use {
    pub template: String,
    #[serde(default)]
    pub with: With,
}

/// `use.with`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct With {
    #[serde(default)]
    pub bindings: Vec<Binding>,
}

/// A named value: `name` may itself be an expression, `value` is templated.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Binding {
    pub name: String,
    pub compiler: Option<Compiler>,
    pub value: Value,
}

/// An `outputs` entry: a binding, for the operations after it, when `match` holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Output {
    pub name: String,
    pub compiler: Option<Compiler>,
    pub value: Value,
    #[serde(rename = "match")]
    pub when: Option<Value>,
}

/// An `expect` entry: when `match` selects the resource, `check` decides instead of the API error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Expectation {
    #[serde(rename = "match")]
    pub when: Option<Value>,
    pub check: Value,
}

/// The expression language of an expression that names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Compiler {
    /// JMESPath (community dialect).
    Jp,
    /// CEL.
    Cel,
}

/// `clusters`: other clusters by name, each a kubeconfig file (relative to the test's folder; a
/// Configuration's to the working directory, as Chainsaw resolves them) and a context in it.
pub(crate) type Clusters = BTreeMap<String, ClusterRef>;

/// One entry of `clusters`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ClusterRef {
    pub kubeconfig: String,
    pub context: Option<String>,
}

/// Timeouts by class; each one unset keeps the outer level's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Timeouts {
    pub apply: Option<String>,
    pub assert: Option<String>,
    pub cleanup: Option<String>,
    pub delete: Option<String>,
    pub error: Option<String>,
    pub exec: Option<String>,
}

/// One `try` entry: exactly one operation, with the settings every operation takes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Operation {
    pub description: Option<String>,
    pub continue_on_error: Option<bool>,
    pub compiler: Option<Compiler>,
    pub apply: Option<ResourceAction>,
    pub create: Option<ResourceAction>,
    pub patch: Option<ResourceAction>,
    pub update: Option<ResourceAction>,
    pub delete: Option<Delete>,
    pub assert: Option<Check>,
    pub error: Option<Check>,
    pub command: Option<Command>,
    pub script: Option<Script>,
    pub sleep: Option<Sleep>,
    pub wait: Option<Wait>,
    pub get: Option<Get>,
    pub describe: Option<Describe>,
    pub events: Option<Events>,
    pub pod_logs: Option<PodLogs>,
    pub proxy: Option<Proxy>,
}

/// One `catch`, `finally` or `cleanup` entry: the operations that only collect or tidy up.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Finally {
    pub description: Option<String>,
    pub compiler: Option<Compiler>,
    pub pod_logs: Option<PodLogs>,
    pub events: Option<Events>,
    pub describe: Option<Describe>,
    pub wait: Option<Wait>,
    pub get: Option<Get>,
    pub delete: Option<Delete>,
    pub command: Option<Command>,
    pub script: Option<Script>,
    pub sleep: Option<Sleep>,
}

/// `apply`, `create`, `patch` and `update`: a resource from `file` or inline. `subresource` is
/// `patch`'s alone (checked when the test is loaded).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ResourceAction {
    #[serde(default)]
    pub bindings: Vec<Binding>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    pub dry_run: Option<bool>,
    #[serde(default)]
    pub expect: Vec<Expectation>,
    #[serde(default)]
    pub outputs: Vec<Output>,
    pub file: Option<String>,
    pub resource: Option<Value>,
    pub template: Option<bool>,
    pub timeout: Option<String>,
    pub subresource: Option<String>,
}

/// `assert` and `error`: an assertion tree from `file` or inline.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Check {
    #[serde(default)]
    pub bindings: Vec<Binding>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    pub file: Option<String>,
    pub resource: Option<Value>,
    pub template: Option<bool>,
    pub timeout: Option<String>,
}

/// `delete`: by reference or from a file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Delete {
    #[serde(default)]
    pub bindings: Vec<Binding>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    #[serde(default)]
    pub expect: Vec<Expectation>,
    pub timeout: Option<String>,
    pub template: Option<bool>,
    pub file: Option<String>,
    #[serde(rename = "ref")]
    pub reference: Option<ObjectReference>,
    pub deletion_propagation_policy: Option<String>,
}

/// `delete.ref`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ObjectReference {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// `command`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Command {
    #[serde(default)]
    pub bindings: Vec<Binding>,
    pub check: Option<Value>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    #[serde(default)]
    pub env: Vec<Binding>,
    #[serde(default)]
    pub skip_log_output: bool,
    #[serde(default)]
    pub skip_command_output: bool,
    #[serde(default)]
    pub outputs: Vec<Output>,
    pub timeout: Option<String>,
    pub entrypoint: String,
    #[serde(default)]
    pub args: Vec<String>,
    pub work_dir: Option<String>,
}

/// `script`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Script {
    #[serde(default)]
    pub bindings: Vec<Binding>,
    pub check: Option<Value>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    #[serde(default)]
    pub env: Vec<Binding>,
    #[serde(default)]
    pub skip_log_output: bool,
    #[serde(default)]
    pub skip_command_output: bool,
    #[serde(default)]
    pub outputs: Vec<Output>,
    pub timeout: Option<String>,
    #[serde(default)]
    pub content: String,
    pub shell: Option<String>,
    pub shell_args: Option<Vec<String>>,
    pub work_dir: Option<String>,
}

/// `sleep`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Sleep {
    pub duration: String,
}

/// The object (or objects) a kubectl-backed operation names.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Wait {
    pub timeout: Option<String>,
    pub format: Option<String>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub selector: Option<String>,
    #[serde(rename = "for")]
    pub wait_for: WaitFor,
}

/// `wait.for`: exactly one condition.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct WaitFor {
    pub creation: Option<Value>,
    pub deletion: Option<Value>,
    pub condition: Option<WaitForValue>,
    pub json_path: Option<WaitForPath>,
}

/// `wait.for.condition`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct WaitForValue {
    pub name: String,
    pub value: Option<String>,
}

/// `wait.for.jsonPath`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct WaitForPath {
    pub path: String,
    pub value: Option<String>,
}

/// `get`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Get {
    pub timeout: Option<String>,
    pub format: Option<String>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub selector: Option<String>,
}

/// `describe`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Describe {
    pub timeout: Option<String>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub selector: Option<String>,
    pub show_events: Option<bool>,
}

/// `events`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Events {
    pub timeout: Option<String>,
    pub format: Option<String>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub selector: Option<String>,
}

/// `podLogs`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PodLogs {
    pub timeout: Option<String>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub selector: Option<String>,
    pub container: Option<String>,
    pub tail: Option<i64>,
}

/// `proxy`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Proxy {
    pub timeout: Option<String>,
    /// The cluster it runs on, by name (`""`: the run's).
    pub cluster: Option<String>,
    /// Clusters it declares, by name.
    #[serde(default)]
    pub clusters: Clusters,
    #[serde(default)]
    pub outputs: Vec<Output>,
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub port: Option<String>,
    pub path: Option<String>,
}
