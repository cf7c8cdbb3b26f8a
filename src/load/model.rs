//! The checked model every later stage trusts: Collection → suite folders → TestCase → Step.

use std::fmt;
use std::path::PathBuf;

use super::diagnostic::Warning;
use crate::config;
use gostd::Glob;

/// Where something was read from: a file and the line its document starts on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Source {
    /// The file.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cwd = std::env::current_dir().unwrap_or_default();
        let path = self.path.strip_prefix(&cwd).unwrap_or(&self.path);
        write!(f, "{}:{}", path.display(), self.line)
    }
}

/// A value and where it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Its file and line.
    pub source: Source,
}

/// A Kubernetes object from a step file.
pub type Object = Located<serde_json::Value>;

/// Which file format a collection came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CollectionFormat {
    /// `kuttl.dev/v1beta2` `TestCollection` (`kuttl.yaml`).
    TestCollection,
    /// `kuttl.dev/v1beta1` `TestSuite` (`kuttl-test.yaml`).
    LegacyTestSuite,
}

/// A run's configuration: its suites, in order, and the settings every test shares.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Collection {
    /// The configuration file.
    pub path: PathBuf,
    /// Its format.
    pub format: CollectionFormat,
    /// `metadata.name`.
    pub name: String,
    /// The suite folders, in the configured order.
    pub suites: Vec<SuiteDir>,
    /// Default step timeout in seconds (KUTTL's `0` already turned into 30).
    pub timeout: i64,
    /// How many tests run at once.
    pub parallel: usize,
    /// Keep namespaces and created objects.
    pub skip_delete: bool,
    /// Leave the namespace's events out of failure messages and artifacts (`suppress: [events]`).
    pub suppress_events: bool,
    /// Where the cluster comes from.
    pub cluster: ClusterSource,
    /// Leave a control plane or kind cluster the run started running.
    pub skip_cluster_delete: bool,
    /// Reports, artifacts and coverage.
    pub report: super::ReportSettings,
    /// The run's labels, for `TestFile.testRunSelector`.
    pub run_labels: std::collections::BTreeMap<String, String>,
    /// `.Vars` of `*.gotmpl.yaml` step files.
    pub template_vars: std::collections::BTreeMap<String, serde_json::Value>,
    /// Where values are masked when objects are shown: Secrets' data and `maskFields`.
    pub masks: crate::mask::Masks,
    /// A namespace every test shares instead of one namespace per test.
    pub namespace: Option<String>,
    /// Globs of test-folder entries to skip silently.
    pub ignore_files: Vec<Glob>,
    /// Where `testDirs` entries that are URLs are unpacked, when there are any.
    pub remote: Option<std::sync::Arc<super::remote::RemoteSuites>>,
    /// Runs before the first selected test (`beforeCollection`, or a legacy file's crdDir,
    /// manifestDirs and commands).
    pub before: Option<Hook>,
    /// Runs after the last selected test.
    pub after: Option<Hook>,
    /// Fields read but not acted on, and other remarks.
    pub warnings: Vec<Warning>,
    /// The Chainsaw tests' settings: Configuration and `$values`.
    pub(crate) chainsaw: std::sync::Arc<crate::chainsaw::config::RunConfig>,
}

/// A lifecycle hook as declared: its activities and where paths in it are resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    /// `beforeCollection`, `afterSuite`, …
    pub point: HookPoint,
    /// The file and line that declare it.
    pub source: Source,
    /// The folder its paths are relative to, and its commands' working directory.
    pub base: PathBuf,
    /// What it does.
    pub activities: crate::config::Hook,
}

/// Where a hook runs in the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookPoint {
    /// Before the first selected test of the run.
    BeforeCollection,
    /// After the last selected test of the run.
    AfterCollection,
    /// Before the first selected test of a suite.
    BeforeSuite,
    /// After the last selected test of a suite.
    AfterSuite,
}

impl HookPoint {
    /// The config field name: `beforeCollection`, `afterSuite`, …
    pub fn field(self) -> &'static str {
        match self {
            Self::BeforeCollection => "beforeCollection",
            Self::AfterCollection => "afterCollection",
            Self::BeforeSuite => "beforeSuite",
            Self::AfterSuite => "afterSuite",
        }
    }
}

/// A hook with the objects of its files read and checked.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoadedHook {
    /// The hook as declared.
    pub hook: Hook,
    /// CustomResourceDefinitions from `crdDir`.
    pub crds: Vec<Object>,
    /// Objects from `manifestDirs`.
    pub manifests: Vec<Object>,
    /// Objects from `assert`.
    pub asserts: Vec<Object>,
    /// Objects from `errors`.
    pub errors: Vec<Object>,
}

/// Where a run's cluster comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterSource {
    /// The current kubeconfig (`KUBECONFIG`, `~/.kube/config`, in-cluster).
    Kubeconfig,
    /// etcd and kube-apiserver started from `KUBEBUILDER_ASSETS` (or, without it, from envtest
    /// binaries fetched as setup-envtest does), with these extra API server arguments.
    ControlPlane {
        /// Extra kube-apiserver arguments.
        args: Vec<String>,
        /// The envtest version to fetch when `KUBEBUILDER_ASSETS` is unset (`1.33`, `1.33.x`,
        /// `1.33.2`); `None`: the newest.
        version: Option<String>,
    },
    /// A kind cluster created for the run.
    Kind(KindSettings),
    /// `controlPlane.start: auto`: the kubeconfig's cluster when one is configured, else an embedded
    /// control plane as [`ClusterSource::ControlPlane`] (decided by `collection::with_env`).
    Auto {
        /// Extra kube-apiserver arguments, if it starts one.
        args: Vec<String>,
        /// The envtest version to fetch, if it starts one.
        version: Option<String>,
    },
}

impl ClusterSource {
    /// `Auto` decided for an environment (`env`, and whether `~/.kube/config` exists): the
    /// kubeconfig when `KUBECONFIG` is set, `~/.kube/config` exists or the process runs in a
    /// cluster; else the embedded control plane. Other sources stay as they are.
    pub fn decided(self, env: impl Fn(&str) -> Option<String>) -> Self {
        let Self::Auto { args, version } = self else {
            return self;
        };
        let set = |name: &str| env(name).is_some_and(|value| !value.is_empty());
        let home_config = env("HOME")
            .filter(|home| !home.is_empty())
            .is_some_and(|home| std::path::Path::new(&home).join(".kube/config").is_file());
        if set("KUBECONFIG") || home_config || set("KUBERNETES_SERVICE_HOST") {
            Self::Kubeconfig
        } else {
            Self::ControlPlane { args, version }
        }
    }
}

/// How to create a kind cluster for the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindSettings {
    /// The cluster name (`kind` by default).
    pub name: String,
    /// A kind `Cluster` config file.
    pub config: Option<PathBuf>,
    /// Local images loaded into every node.
    pub containers: Vec<String>,
}

/// A suite folder named by the collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteDir {
    /// The folder's base name: the first half of every trial name.
    pub name: String,
    /// The folder.
    pub path: PathBuf,
    /// The entry as written in `testDirs`.
    pub entry: String,
}

/// A suite's own settings, from `kuttl-testsuite.yaml` at its root.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Suite {
    /// Step timeout in seconds for this suite's tests, when the suite sets one.
    pub timeout: Option<i64>,
    /// The suite's tests need nodes that run pods (`requires: [nodes]`): with an embedded control
    /// plane they fail at once, saying so.
    pub requires_nodes: bool,
    /// Runs before the suite's first selected test.
    pub before: Option<LoadedHook>,
    /// Runs after the suite's last selected test.
    pub after: Option<LoadedHook>,
    /// Remarks about the suite file.
    pub warnings: Vec<Warning>,
}

/// One KUTTL test: a folder of numbered step files.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TestCase {
    /// The suite's name.
    pub suite: String,
    /// The folder's base name.
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// Steps in index order.
    pub steps: Vec<Step>,
    /// Ignored files and fields.
    pub warnings: Vec<Warning>,
}

/// The files of one index, merged.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Step {
    /// The index from the file names.
    pub index: u32,
    /// From the first apply file, or `TestStep.metadata.name`; may be empty.
    pub name: String,
    /// The step's `TestStep` settings, if any.
    pub test_step: Option<Located<config::TestStep>>,
    /// The step's `TestAssert` settings, if any (the last one read wins).
    pub test_assert: Option<Located<config::TestAssert>>,
    /// Objects created or patched, in file order.
    pub apply: Vec<Object>,
    /// Objects that must exist and match.
    pub asserts: Vec<Object>,
    /// Objects that must be absent or must not match.
    pub errors: Vec<Object>,
    /// The cluster the step talks to when its `TestStep` names a kubeconfig; `None`: the run's.
    pub cluster: Option<StepCluster>,
}

/// The cluster a step's `TestStep.kubeconfig` and `context` name (KUTTL's KEP-0008).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StepCluster {
    /// The kubeconfig file: `$VAR`-expanded with the process environment at load time, a relative
    /// path joined to the test folder, then made absolute. Commands of the step get it as
    /// `KUBECONFIG`.
    pub kubeconfig: PathBuf,
    /// The context to use; `None`: the file's current context.
    pub context: Option<String>,
    /// `kubeconfigLoading: Lazy`: connect (and create the test namespace) just before the step
    /// instead of when the test starts, so an earlier step can write the file.
    pub lazy: bool,
}

impl Step {
    /// KUTTL's display form: `<index>-<name>`, e.g. `0-create`.
    pub fn label(&self) -> String {
        format!("{}-{}", self.index, self.name)
    }
}
