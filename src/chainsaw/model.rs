//! A Chainsaw test as loaded: step templates expanded, each `try`, `catch`, `finally` and `cleanup`
//! entry checked to hold exactly one operation, durations parsed. The run trusts it.

use std::path::PathBuf;
use std::time::Duration;

use super::api;

/// One Test document of a `chainsaw-test.yaml`, for one of its scenarios.
#[derive(Debug, Clone)]
pub(crate) struct Test {
    /// `metadata.name`.
    pub name: String,
    /// The test folder: relative paths in the test are resolved against it.
    pub dir: PathBuf,
    /// The scenario this run of the test is for, if the test has scenarios.
    pub scenario: Option<Scenario>,
    /// The test's settings, `steps`, `catch` and `use` aside.
    pub spec: api::TestSpec,
    /// Timeouts set by the test.
    pub timeouts: Timeouts,
    /// Its steps.
    pub steps: Vec<Step>,
    /// `spec.catch`, run when a step fails, before the step's own.
    pub catch: Vec<Operation>,
}

impl Test {
    /// The namespace the test names: `spec.namespace`, else a literal `metadata.name` of its
    /// `namespaceTemplate`. `None`: the test gets a namespace of its own, named by kuttl-rs.
    pub(crate) fn named_namespace(&self) -> Option<&str> {
        if let Some(named) = &self.spec.namespace {
            return Some(named);
        }
        let name = self
            .spec
            .namespace_template
            .as_ref()?
            .pointer("/metadata/name")?
            .as_str()?;
        match super::expression::parse(name) {
            super::expression::Statement::Plain(_) => Some(name),
            super::expression::Statement::Expression(_) => None,
        }
    }
}

/// A scenario: its place among the test's scenarios (from 1, as `$test.scenarioId`) and bindings.
#[derive(Debug, Clone)]
pub(crate) struct Scenario {
    pub id: usize,
    pub bindings: Vec<api::Binding>,
}

/// One of `spec.steps`, with its `use` template merged in.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// `step-<n>` (from 1) or the step's name.
    pub name: String,
    pub description: Option<String>,
    /// The cluster its operations run on, by name (`""`: the run's); an expression.
    pub cluster: Option<String>,
    /// Clusters it declares, by name, over the test's.
    pub clusters: api::Clusters,
    /// How its objects are deleted, unless an operation says.
    pub deletion_propagation_policy: Option<String>,
    pub timeouts: Timeouts,
    pub skip_delete: Option<bool>,
    pub template: Option<bool>,
    pub compiler: Option<api::Compiler>,
    /// The step's own bindings, then its template's, then `use.with`'s (a later one wins).
    pub bindings: Vec<api::Binding>,
    pub r#try: Vec<Operation>,
    pub catch: Vec<Operation>,
    pub finally: Vec<Operation>,
    pub cleanup: Vec<Operation>,
}

/// One operation, with what every operation takes.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// Where it is: `try[2]`, `catch[0]`, ….
    pub place: String,
    pub description: Option<String>,
    pub continue_on_error: bool,
    pub compiler: Option<api::Compiler>,
    pub action: Action,
}

impl Operation {
    /// `try[2] (assert)`.
    pub(crate) fn label(&self) -> String {
        format!("{} ({})", self.place, self.action.kind())
    }
}

/// What an operation does.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Apply(api::ResourceAction),
    Create(api::ResourceAction),
    Patch(api::ResourceAction),
    Update(api::ResourceAction),
    Delete(api::Delete),
    Assert(api::Check),
    Error(api::Check),
    Command(api::Command),
    Script(api::Script),
    Sleep(Duration),
    Wait(api::Wait),
    Get(api::Get),
    Describe(api::Describe),
    Events(api::Events),
    PodLogs(api::PodLogs),
    Proxy(api::Proxy),
}

impl Action {
    /// The cluster the operation names (`cluster`) and the ones it declares (`clusters`).
    pub(crate) fn on_cluster(&self) -> (Option<&str>, Option<&api::Clusters>) {
        let (cluster, clusters) = match self {
            Self::Apply(a) | Self::Create(a) | Self::Patch(a) | Self::Update(a) => {
                (&a.cluster, &a.clusters)
            }
            Self::Delete(a) => (&a.cluster, &a.clusters),
            Self::Assert(a) | Self::Error(a) => (&a.cluster, &a.clusters),
            Self::Command(a) => (&a.cluster, &a.clusters),
            Self::Script(a) => (&a.cluster, &a.clusters),
            Self::Sleep(_) => return (None, None),
            Self::Wait(a) => (&a.cluster, &a.clusters),
            Self::Get(a) => (&a.cluster, &a.clusters),
            Self::Describe(a) => (&a.cluster, &a.clusters),
            Self::Events(a) => (&a.cluster, &a.clusters),
            Self::PodLogs(a) => (&a.cluster, &a.clusters),
            Self::Proxy(a) => (&a.cluster, &a.clusters),
        };
        (cluster.as_deref(), Some(clusters))
    }

    /// The operation's key in the file: `apply`, `podLogs`, ….
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Apply(_) => "apply",
            Self::Create(_) => "create",
            Self::Patch(_) => "patch",
            Self::Update(_) => "update",
            Self::Delete(_) => "delete",
            Self::Assert(_) => "assert",
            Self::Error(_) => "error",
            Self::Command(_) => "command",
            Self::Script(_) => "script",
            Self::Sleep(_) => "sleep",
            Self::Wait(_) => "wait",
            Self::Get(_) => "get",
            Self::Describe(_) => "describe",
            Self::Events(_) => "events",
            Self::PodLogs(_) => "podLogs",
            Self::Proxy(_) => "proxy",
        }
    }
}

/// Timeouts by class, each unset where the level that set them left it unset.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub apply: Option<Duration>,
    pub assert: Option<Duration>,
    pub cleanup: Option<Duration>,
    pub delete: Option<Duration>,
    pub error: Option<Duration>,
    pub exec: Option<Duration>,
}

impl Timeouts {
    /// Chainsaw's defaults (`DefaultTimeouts`).
    pub(crate) const DEFAULT: Timeouts = Timeouts {
        apply: Some(Duration::from_secs(5)),
        assert: Some(Duration::from_secs(30)),
        cleanup: Some(Duration::from_secs(30)),
        delete: Some(Duration::from_secs(15)),
        error: Some(Duration::from_secs(30)),
        exec: Some(Duration::from_secs(5)),
    };

    /// These timeouts over `outer`: each one set here wins.
    pub(crate) fn over(self, outer: Timeouts) -> Timeouts {
        Timeouts {
            apply: self.apply.or(outer.apply),
            assert: self.assert.or(outer.assert),
            cleanup: self.cleanup.or(outer.cleanup),
            delete: self.delete.or(outer.delete),
            error: self.error.or(outer.error),
            exec: self.exec.or(outer.exec),
        }
    }
}
