//! The clusters a test's steps name by kubeconfig (KUTTL's KEP-0008): one connection per distinct
//! kubeconfig file and context, opened when the test starts (eager) or just before the first step
//! that needs it (lazy), each with its own kind resolver. The test namespace is created in each
//! (one that exists is used as it is) and deleted at the end like the run's; a shared namespace
//! this run created there is left to the end of the run.

use std::sync::{Arc, Mutex};

use tokio::time::Instant;

use super::connection::Connection;
use super::error::{ConnectError, StepClusterError};
use super::interrupt::{self, Children, Registration};
use super::namespace;
use super::signals;
use super::test_state::TestState;
use super::timeout::seconds;
use crate::cluster::Endpoint;
use crate::load::{Step, StepCluster, TestCase};

/// The step clusters a test has opened (held by the test's run, beside its context).
#[derive(Default)]
pub(crate) struct StepClusters {
    opened: Mutex<Vec<Opened>>,
}

struct Opened {
    cluster: StepCluster,
    connection: Arc<Connection>,
    /// Deletes the namespace if the run is interrupted (`None` in shared-namespace mode).
    _registration: Option<Registration>,
}

impl StepClusters {
    fn find(&self, cluster: &StepCluster) -> Option<Arc<Connection>> {
        self.lock()
            .iter()
            .find(|opened| same_target(&opened.cluster, cluster))
            .map(|opened| Arc::clone(&opened.connection))
    }

    /// Each opened cluster with its connection, in the order the steps opened them.
    pub(crate) fn connections(&self) -> Vec<(StepCluster, Arc<Connection>)> {
        self.lock()
            .iter()
            .map(|opened| (opened.cluster.clone(), Arc::clone(&opened.connection)))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Opened>> {
        self.opened
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The same kubeconfig and context: one connection and one namespace (`kubeconfigLoading` only
/// says when it is opened).
fn same_target(a: &StepCluster, b: &StepCluster) -> bool {
    a.kubeconfig == b.kubeconfig && a.context == b.context
}

/// Opens the cluster of every eager step of `case`, in step order; the first that cannot be opened
/// fails the test's setup.
pub(crate) async fn open_eager(
    ctx: &TestState,
    clusters: &StepClusters,
    case: &TestCase,
    shared: bool,
) -> Result<(), StepClusterError> {
    for step in &case.steps {
        if let Some(cluster) = step.cluster.as_ref().filter(|cluster| !cluster.lazy) {
            open(ctx, clusters, step, cluster, shared).await?;
        }
    }
    Ok(())
}

/// The connection `step` works on: `None` for the run's cluster; a lazy step's cluster is opened
/// here if no earlier step opened it.
pub(crate) async fn connection_for(
    ctx: &TestState,
    clusters: &StepClusters,
    step: &Step,
    shared: bool,
) -> Result<Option<Arc<Connection>>, StepClusterError> {
    match &step.cluster {
        None => Ok(None),
        Some(cluster) => open(ctx, clusters, step, cluster, shared).await.map(Some),
    }
}

async fn open(
    ctx: &TestState,
    clusters: &StepClusters,
    step: &Step,
    cluster: &StepCluster,
    shared: bool,
) -> Result<Arc<Connection>, StepClusterError> {
    if let Some(connection) = clusters.find(cluster) {
        return Ok(connection);
    }
    let opened = connect(ctx, cluster, shared)
        .await
        .map_err(|source| StepClusterError {
            step: describe(step, cluster),
            source,
        })?;
    let connection = Arc::clone(&opened.connection);
    clusters.lock().push(opened);
    Ok(connection)
}

/// `step 1-lazy (dir/01-lazy.yaml:1): kubeconfig /abs/kc.yaml (context "x")`.
fn describe(step: &Step, cluster: &StepCluster) -> String {
    let source = step
        .test_step
        .as_ref()
        .map(|settings| format!(" ({})", settings.source))
        .unwrap_or_default();
    let context = cluster
        .context
        .as_ref()
        .map(|context| format!(" (context {context:?})"))
        .unwrap_or_default();
    format!(
        "step {}{source}: kubeconfig {}{context}",
        step.label(),
        cluster.kubeconfig.display()
    )
}

async fn connect(
    ctx: &TestState,
    cluster: &StepCluster,
    shared: bool,
) -> Result<Opened, ConnectError> {
    let endpoint = Arc::new(
        Endpoint::from_kubeconfig_file(&cluster.kubeconfig, cluster.context.as_deref()).await?,
    );
    let connection = Connection::new(
        Arc::clone(&endpoint),
        Arc::default(),
        Some(cluster.kubeconfig.clone()),
        &ctx.trial_name,
        ctx.requests.clone(),
    )?;
    ctx.log.line(
        "setup",
        &format!(
            "using kubeconfig {} ({})",
            cluster.kubeconfig.display(),
            endpoint.url()
        ),
    );
    // Bounded by the step timeout, as KUTTL's namespace creation is (none when it is 0).
    let create = namespace::create(&connection.client, &ctx.namespace, &ctx.log);
    let created = match ctx.step_timeout {
        limit if limit > 0 => tokio::time::timeout(seconds(limit), create)
            .await
            .map_err(|_| ConnectError::NamespaceTimeout {
                namespace: ctx.namespace.clone(),
                url: endpoint.url().to_string(),
                seconds: limit,
            })??,
        _ => create.await?,
    };
    if shared && created {
        ctx.cluster.remember_shared_elsewhere(Arc::clone(&endpoint));
    }
    let registration = (!shared).then(|| {
        interrupt::RUNNING.register(
            &format!(
                "{} (kubeconfig {})",
                ctx.trial_name,
                cluster.kubeconfig.display()
            ),
            Some(ctx.namespace.clone()),
            Children::default(),
            Arc::clone(&ctx.created),
        )
    });
    Ok(Opened {
        cluster: cluster.clone(),
        connection: Arc::new(connection),
        _registration: registration,
    })
}

/// Deletes the test's namespace in every cluster its steps opened, waiting until each is gone.
/// Every cluster is tried; the failures are joined.
pub(crate) async fn delete_namespaces(
    ctx: &TestState,
    clusters: &StepClusters,
) -> Result<(), String> {
    let mut failures = Vec::new();
    for (cluster, connection) in clusters.connections() {
        // The run's own API server may have no namespace controller (an embedded control plane);
        // another server is taken to have one.
        let wait = (connection.endpoint.url() != ctx.cluster.endpoint().url()
            || ctx.cluster.deletes_namespaces())
            && !signals::interrupted();
        let deleted = namespace::delete(
            &connection.client,
            &ctx.namespace,
            wait,
            Instant::now() + seconds(ctx.step_timeout),
            &ctx.log,
        )
        .await;
        if let Err(err) = deleted {
            failures.push(format!(
                "{err} (kubeconfig {})",
                cluster.kubeconfig.display()
            ));
        }
    }
    match failures.is_empty() {
        true => Ok(()),
        false => Err(failures.join("\n")),
    }
}
