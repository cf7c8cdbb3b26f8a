//! `TestSuite` (`kuttl.dev/v1beta1`, `kuttl-test.yaml`): KUTTL's own configuration file.

use serde::Deserialize;

use super::command::Command;
use super::unsupported::{Unsupported, set_fields};

const NOT_YET: &str = "not supported by kuttl-rs yet; ignored";

/// KUTTL's run configuration. Relative paths in it are relative to the working directory, as in
/// KUTTL (`cargo test` runs in the package root).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacyTestSuite {
    /// `kuttl.dev/v1beta1`.
    pub api_version: String,
    /// `TestSuite`.
    pub kind: String,
    /// `metadata.name` names the run in reports.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Suite folders.
    pub test_dirs: Vec<String>,
    /// A folder of CRDs installed before the tests.
    pub crd_dir: String,
    /// Folders of objects applied before the tests.
    pub manifest_dirs: Vec<String>,
    /// Commands run before the tests.
    pub commands: Vec<Command>,
    /// Default step timeout in seconds (`0` means 30).
    pub timeout: i64,
    /// How many tests run at once (`0` means 8).
    pub parallel: i64,
    /// Keep test namespaces and created objects.
    pub skip_delete: bool,
    /// Leave a started control plane or kind cluster running.
    pub skip_cluster_delete: bool,
    /// Start etcd and kube-apiserver from `KUBEBUILDER_ASSETS`.
    pub start_control_plane: bool,
    /// Send the control plane's logs to the run's log.
    pub attach_control_plane_output: bool,
    /// Extra kube-apiserver arguments.
    pub control_plane_args: Vec<String>,
    /// Create a kind cluster.
    #[serde(rename = "startKIND")]
    pub start_kind: bool,
    /// Path of a kind `Cluster` config.
    pub kind_config: String,
    /// Kind cluster name.
    pub kind_context: String,
    /// Keep a containerd cache volume per kind node.
    pub kind_node_cache: bool,
    /// Local images loaded into every kind node.
    pub kind_containers: Vec<String>,
    /// Where reports and artifacts go.
    pub artifacts_dir: String,
    /// `json` or `xml`.
    pub report_format: String,
    /// The report file name without extension.
    pub report_name: String,
    /// `step` or `test`.
    pub report_granularity: String,
    /// A namespace shared by every test.
    pub namespace: String,
    /// Log sections to leave out (`events`).
    pub suppress: Vec<String>,
    /// Globs of test-folder entries to skip silently (absent means `["README*"]`).
    pub ignore_files: Option<Vec<String>>,
}

impl Unsupported for LegacyTestSuite {
    fn unsupported_fields(&self) -> Vec<(&'static str, &'static str)> {
        set_fields(&[
            (
                self.attach_control_plane_output,
                "attachControlPlaneOutput",
                NOT_YET,
            ),
            (self.kind_node_cache, "kindNodeCache", NOT_YET),
            (
                super::unsupported::suppresses_other_than_events(&self.suppress),
                "suppress",
                super::unsupported::SUPPRESS_EVENTS_ONLY,
            ),
        ])
    }
}
