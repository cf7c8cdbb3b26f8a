//! Chainsaw's `clusters` and `cluster` (`pkg/runner/context/helpers.go`): clusters are declared
//! by name at every level (the Configuration, the test, a step, an operation; an inner level's
//! name wins), and operations run on the one a level names, `""` being the run's own. A named
//! cluster's kubeconfig is read when an operation first runs on it (an earlier step may write the
//! file, as Chainsaw's `dynamic-clusters` example does); the test keeps one connection per file
//! and context.
//!
//! Chainsaw creates the test's namespace on the test's cluster alone; an operation on another
//! cluster names its namespaces itself.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::super::api;
use super::super::expression::Bindings;
use super::super::functions::{self, ClusterClients};
use crate::cluster::Endpoint;
use crate::run::{Connection, Created, Reach, TestState};

/// The clusters declared where an operation runs: name → kubeconfig file and context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Declared(BTreeMap<String, Target>);

/// A kubeconfig file and a context in it (`None`: its current context).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Target {
    kubeconfig: PathBuf,
    context: Option<String>,
}

impl Declared {
    /// These declarations with `clusters` over them, their files relative to `base` as Go's
    /// `filepath.Join` puts them: under `base` even when written absolute, unless `base` is
    /// empty (a Configuration's: the working directory).
    pub(crate) fn with(&self, base: &Path, clusters: &api::Clusters) -> Self {
        let mut declared = self.clone();
        for (name, cluster) in clusters {
            let kubeconfig = match base.as_os_str().is_empty() {
                true => PathBuf::from(&cluster.kubeconfig),
                false => base.join(cluster.kubeconfig.trim_start_matches('/')),
            };
            declared.0.insert(
                name.clone(),
                Target {
                    kubeconfig,
                    context: cluster.context.clone(),
                },
            );
        }
        declared
    }
}

/// The cluster operations run on: `None` for the run's own.
#[derive(Clone, Default)]
pub(crate) struct Current(Option<(String, Arc<Connection>)>);

impl Current {
    /// The connection to use, given the run's.
    pub(crate) fn or<'a>(&'a self, run: &'a Connection) -> &'a Connection {
        self.0.as_ref().map_or(run, |(_, connection)| connection)
    }
}

/// The clusters a test has opened, and their clients by name for the `x_k8s_*` functions.
#[derive(Default)]
pub(crate) struct Opened {
    by_target: Mutex<HashMap<Target, OpenedCluster>>,
    clients: ClusterClients,
}

struct OpenedCluster {
    connection: Arc<Connection>,
    /// Holds the kubeconfig commands get when a context other than the file's current one is
    /// named; removed with the test.
    _kubeconfig_dir: Option<tempfile::TempDir>,
}

impl Opened {
    /// The clients, for the `x_k8s_*` functions.
    pub(crate) fn clients(&self) -> ClusterClients {
        Arc::clone(&self.clients)
    }

    /// The cluster `chosen` names among `declared` (`None`: no choice at this level, so
    /// `inherited`).
    ///
    /// # Errors
    ///
    /// A name nothing declares, or a kubeconfig that cannot be read.
    pub(crate) async fn select(
        &self,
        ctx: &TestState,
        chosen: Option<String>,
        declared: &Declared,
        inherited: &Current,
    ) -> Result<Current, String> {
        let Some(name) = chosen else {
            return Ok(inherited.clone());
        };
        if name.is_empty() {
            return Ok(Current::default());
        }
        let target = declared.0.get(&name).ok_or_else(|| {
            let known: Vec<&str> = declared.0.keys().map(String::as_str).collect();
            format!("cluster {name:?} is not declared (clusters declared here: {known:?})")
        })?;
        let connection = self
            .open(ctx, target)
            .await
            .map_err(|err| format!("cluster {name:?}: {err}"))?;
        self.clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(name.clone(), connection.client.clone());
        Ok(Current(Some((name, connection))))
    }

    async fn open(&self, ctx: &TestState, target: &Target) -> Result<Arc<Connection>, String> {
        if let Some(opened) = self.lock().get(target) {
            return Ok(Arc::clone(&opened.connection));
        }
        let describe = |err: &dyn std::fmt::Display| {
            format!("kubeconfig {}: {err}", target.kubeconfig.display())
        };
        let endpoint =
            Endpoint::from_kubeconfig_file(&target.kubeconfig, target.context.as_deref())
                .await
                .map_err(|err| describe(&err))?;
        let (kubeconfig, kubeconfig_dir) = match &target.context {
            None => (target.kubeconfig.clone(), None),
            Some(context) => {
                let (file, dir) = with_current_context(&target.kubeconfig, context)
                    .map_err(|err| describe(&err))?;
                (file, Some(dir))
            }
        };
        let connection = Connection::new(
            Arc::new(endpoint),
            Arc::default(),
            Some(kubeconfig),
            &ctx.trial_name,
            ctx.requests.clone(),
        )
        .map_err(|err| describe(&err))?;
        ctx.log.line(
            "setup",
            &format!(
                "using kubeconfig {} ({})",
                target.kubeconfig.display(),
                connection.endpoint.url()
            ),
        );
        let connection = Arc::new(connection);
        self.lock().insert(
            target.clone(),
            OpenedCluster {
                connection: Arc::clone(&connection),
                _kubeconfig_dir: kubeconfig_dir,
            },
        );
        Ok(connection)
    }

    /// The connections opened so far.
    pub(crate) fn connections(&self) -> Vec<Arc<Connection>> {
        self.lock()
            .values()
            .map(|opened| Arc::clone(&opened.connection))
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Target, OpenedCluster>> {
        self.by_target
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A copy of the kubeconfig at `path` whose current context is `context`, for commands, which
/// use the current context as Chainsaw's do.
fn with_current_context(
    path: &Path,
    context: &str,
) -> Result<(PathBuf, tempfile::TempDir), String> {
    let mut config = kube::config::Kubeconfig::read_from(path).map_err(|err| err.to_string())?;
    config.current_context = Some(context.to_string());
    let text = serde_json::to_string(&config).map_err(|err| err.to_string())?;
    let dir = tempfile::Builder::new()
        .prefix("kuttl-rs-chainsaw-cluster-")
        .tempdir()
        .map_err(|err| err.to_string())?;
    let file = dir.path().join("kubeconfig");
    write_private(&file, &text).map_err(|err| err.to_string())?;
    Ok((file, dir))
}

/// Writes `text` readable by the owner alone: a kubeconfig holds credentials.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, text.as_bytes())
}

/// Creates the test's namespace on the test's own cluster when it names one, as Chainsaw creates
/// it on the test's cluster; the namespace is deleted with what the test created. One that is
/// there already (a kubeconfig for the run's own cluster) is used as it is.
pub(crate) async fn create_namespace(
    ctx: &TestState,
    test_cluster: &Current,
) -> Result<(), String> {
    let Some((name, connection)) = &test_cluster.0 else {
        return Ok(());
    };
    if !ctx.owns_namespace {
        return Ok(());
    }
    let created = crate::run::create_namespace(&connection.client, &ctx.namespace, &ctx.log)
        .await
        .map_err(|err| format!("cluster {name:?}: {err}"))?;
    if created {
        let resource = kube::api::ApiResource::erase::<k8s_openapi::api::core::v1::Namespace>(&());
        ctx.register_created(Created {
            api: kube::Api::all_with(connection.client.clone(), &resource),
            name: ctx.namespace.clone(),
            id: format!("Namespace:/{}", ctx.namespace),
            reach: Reach::Shared,
            propagation: Some(kube::api::PropagationPolicy::Background),
        });
    }
    Ok(())
}

/// `bindings` with `$client` and `$config` standing for the current cluster.
pub(crate) fn client_bindings(bindings: Bindings, current: &Current) -> Bindings {
    let (client, config) = functions::handles(current.0.as_ref().map(|(name, _)| name.as_str()));
    bindings.with("$client", client).with("$config", config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_declarations_win_and_paths_are_relative_to_their_level() {
        let cluster = |kubeconfig: &str, context: Option<&str>| api::ClusterRef {
            kubeconfig: kubeconfig.into(),
            context: context.map(str::to_string),
        };
        let config = Declared::default().with(
            Path::new(""),
            &api::Clusters::from([
                ("a".into(), cluster("a.yaml", None)),
                ("b".into(), cluster("b.yaml", None)),
            ]),
        );
        let step = config.with(
            Path::new("/tests/t"),
            &api::Clusters::from([
                ("b".into(), cluster("other.yaml", Some("ctx"))),
                ("c".into(), cluster("/abs.yaml", None)),
            ]),
        );
        assert_eq!(step.0["a"].kubeconfig, Path::new("a.yaml"));
        assert_eq!(step.0["b"].kubeconfig, Path::new("/tests/t/other.yaml"));
        assert_eq!(step.0["c"].kubeconfig, Path::new("/tests/t/abs.yaml"));
        assert_eq!(step.0["b"].context.as_deref(), Some("ctx"));
    }
}
