//! `TestCollection` (`kuttl.dev/v1beta2`, `kuttl.yaml`): the KEP-6 collection file.

use serde::Deserialize;

use super::command::Command;
use super::step::ObjectReference;
use super::unsupported::{
    SUPPRESS_EVENTS_ONLY, Unsupported, set_fields, suppresses_other_than_events,
};

/// The collection of suites a run covers, its defaults, harness settings and hooks.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct TestCollection {
    /// `kuttl.dev/v1beta2`.
    pub api_version: String,
    /// `TestCollection`.
    pub kind: String,
    /// `metadata.name` names the run in reports.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Suite folders, relative to this file; their order is the suite order.
    pub test_dirs: Vec<String>,
    /// Default step timeout in seconds (`0` means 30).
    pub timeout: i64,
    /// How many tests run at once (`0` means 8).
    pub parallel: i64,
    /// Keep test namespaces and created objects.
    pub skip_delete: bool,
    /// Leave a started control plane or kind cluster running.
    pub skip_cluster_delete: bool,
    /// A namespace shared by every test instead of one namespace per test.
    pub namespace: String,
    /// Globs of test-folder entries to skip silently (absent means `["README*"]`).
    pub ignore_files: Option<Vec<String>>,
    /// Log sections to leave out (`events`).
    pub suppress: Vec<String>,
    /// Where reports and artifacts go, relative to this file.
    pub artifacts_dir: String,
    /// `json` or `xml`.
    pub report_format: String,
    /// The report file name without extension.
    pub report_name: String,
    /// `step` or `test`.
    pub report_granularity: String,
    /// Record each test's API requests and write `coverage.json` (a kuttl-rs extension).
    pub coverage: bool,
    /// A previous `coverage.json`: the summary lists the endpoints this run adds to it.
    pub coverage_baseline: String,
    /// The run's labels, for `TestFile.testRunSelector` (KUTTL's `--test-run-labels`).
    pub test_run_labels: std::collections::BTreeMap<String, String>,
    /// `.Vars` of `*.gotmpl.yaml` step files (KUTTL's `--template-var`; a kuttl-rs field).
    pub template_vars: std::collections::BTreeMap<String, serde_json::Value>,
    /// Fields whose values are masked wherever kuttl-rs shows an object (a kuttl-rs field); the
    /// values under a `v1/Secret`'s `data` and `stringData` always are.
    pub mask_fields: Vec<MaskField>,
    /// An embedded control plane.
    pub control_plane: ControlPlane,
    /// A kind cluster (`kind` itself is the object's kind, hence the longer name).
    pub kind_cluster: KindCluster,
    /// Runs once before the first selected test.
    pub before_collection: Option<Hook>,
    /// Runs once after the last selected test.
    pub after_collection: Option<Hook>,
    /// Chainsaw tests' Configuration and `$values` (a kuttl-rs field).
    pub chainsaw: ChainsawRun,
}

/// What Chainsaw tests of the run take from `chainsaw test`'s settings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ChainsawRun {
    /// A Chainsaw `Configuration` file (`v1alpha1` or `v1alpha2`), relative to this file
    /// (`chainsaw test --config`).
    pub config: String,
    /// Files of values, merged in order into `$values` (`--values`), relative to this file.
    pub values: Vec<String>,
    /// Values set over the files' by dotted path: `image.tag: "01"` (`--set`).
    pub set: std::collections::BTreeMap<String, serde_json::Value>,
    /// Timeouts over the Configuration's, by class (`apply`, `assert`, `cleanup`, `delete`,
    /// `error`, `exec`), in Go's duration syntax: `assert: 1m` (`--assert-timeout`).
    pub timeouts: std::collections::BTreeMap<String, String>,
    /// A label selector over the Tests' `metadata.labels`: a Test it does not select is not a
    /// trial (`--selector`): `"!no-ko-test,env in (ci,poc)"`.
    pub selector: String,
    /// Clusters Chainsaw tests may name, over the Configuration's (`--cluster`).
    pub clusters: std::collections::BTreeMap<String, ChainsawCluster>,
}

/// A cluster Chainsaw tests may name: a kubeconfig file, relative to this file, and a context.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ChainsawCluster {
    /// The kubeconfig file.
    pub kubeconfig: String,
    /// A context in it; empty: its current context.
    pub context: String,
}

impl Unsupported for TestCollection {
    fn unsupported_fields(&self) -> Vec<(&'static str, &'static str)> {
        set_fields(&[
            (
                suppresses_other_than_events(&self.suppress),
                "suppress",
                SUPPRESS_EVENTS_ONLY,
            ),
            (
                self.control_plane.attach_output,
                "controlPlane",
                "attachOutput is not supported by kuttl-rs yet (the logs stay in the control plane's folder); ignored",
            ),
            (
                self.kind_cluster.node_cache,
                "kindCluster",
                "nodeCache is not supported by kuttl-rs yet; ignored",
            ),
        ])
    }
}

/// A field to mask: `path` in objects of `kind` (and `apiVersion`), or of every kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct MaskField {
    /// The kind; empty: every kind.
    pub kind: String,
    /// The apiVersion; empty: every apiVersion.
    pub api_version: String,
    /// Map keys separated by dots, `*` for any key or every list item (`data.token`,
    /// `spec.users.*.password`); a leading `$.` is allowed.
    pub path: String,
}

/// Settings of an embedded control plane (etcd and kube-apiserver from `KUBEBUILDER_ASSETS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ControlPlane {
    /// Start it for the run: `true`, `false`, or `auto` (only when no cluster is configured).
    pub start: Start,
    /// Send its logs to the run's log.
    pub attach_output: bool,
    /// Extra kube-apiserver arguments.
    pub args: Vec<String>,
    /// The envtest version fetched when `KUBEBUILDER_ASSETS` is unset: `1.33`, `1.33.x` or exact;
    /// empty: the newest (a kuttl-rs field).
    pub version: String,
}

/// `controlPlane.start`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Start {
    /// Use the configured cluster.
    #[default]
    No,
    /// Start an embedded control plane.
    Yes,
    /// Start one only when no cluster is configured: no `KUBECONFIG`, no `~/.kube/config`, not
    /// running in a cluster (a kuttl-rs value).
    Auto,
}

impl From<bool> for Start {
    fn from(start: bool) -> Self {
        if start { Self::Yes } else { Self::No }
    }
}

impl<'de> Deserialize<'de> for Start {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Flag(bool),
            Word(String),
        }
        match Written::deserialize(deserializer)? {
            Written::Flag(start) => Ok(start.into()),
            Written::Word(word) if word == "auto" => Ok(Self::Auto),
            Written::Word(word) => Err(serde::de::Error::custom(format!(
                "{word:?} is not true, false or auto"
            ))),
        }
    }
}

/// Settings of a kind cluster created for the run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct KindCluster {
    /// Create it for the run.
    pub start: bool,
    /// Path of a kind `Cluster` config.
    pub config: String,
    /// Cluster name (default `kind`).
    pub context: String,
    /// Keep a containerd cache volume per node.
    pub node_cache: bool,
    /// Local images loaded into every node.
    pub containers: Vec<String>,
}

/// The activities of a lifecycle hook, run in the order CRDs, manifests, commands, deletes, then the
/// assert and errors checks. Paths are relative to the file that declares the hook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct Hook {
    /// A folder of CRDs, applied and waited for until `Established`.
    pub crd_dir: String,
    /// Folders whose objects are applied.
    pub manifest_dirs: Vec<String>,
    /// Commands run in order.
    pub commands: Vec<Command>,
    /// Objects deleted and waited for.
    pub delete: Vec<ObjectReference>,
    /// Files or folders of objects that must exist and match.
    pub assert: Vec<String>,
    /// Files or folders of objects that must not exist or must not match.
    pub errors: Vec<String>,
}
