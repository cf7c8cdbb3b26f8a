//! Everything one running test holds: its clients, namespace, log, and what it must clean up.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::connection::Connection;
use super::created::{Created, CreatedObjects, Reach};
use super::error::SetupError;
use super::interrupt::{self, Children, Registration};
use super::log::TestLog;
use super::target::Target;
use crate::cluster::{Cluster, Requests};
use crate::mask::{Masks, Quoted, scrub};

/// The state of one running test.
pub(crate) struct TestState {
    pub cluster: Arc<Cluster>,
    /// The run's cluster, where the test's namespace and events live.
    pub connection: Connection,
    /// The User-Agent name of the test's clients.
    pub trial_name: String,
    pub namespace: String,
    /// The namespace is the test's alone (not a hook's `default`, not the run's shared one).
    pub owns_namespace: bool,
    /// The test folder: the working directory of its commands.
    pub dir: PathBuf,
    pub log: TestLog,
    /// Seconds; the suite's or collection's step timeout.
    pub step_timeout: i64,
    pub created: CreatedObjects,
    /// Background commands, killed and reaped when the test ends (or the run is interrupted).
    pub background: Children,
    /// Every request the test sent, when coverage is on.
    pub requests: Option<Requests>,
    /// What a typed test's wait is waiting for, while it waits.
    waiting: Mutex<Option<String>>,
    /// Where values are masked when objects are shown.
    masks: Arc<Masks>,
    /// The masked values the test has seen, to scrub them from free text (events).
    quoted: Mutex<Vec<Quoted>>,
    /// Keeps the test in the registry an interruption undoes.
    _registration: Registration,
    /// Holds the kubeconfig file; removed when the context is dropped.
    _kubeconfig_dir: tempfile::TempDir,
}

impl TestState {
    /// The requests sent so far (empty when coverage is off).
    pub(crate) fn sent_requests(&self) -> Vec<(String, String)> {
        self.requests
            .as_ref()
            .map(|requests| {
                requests
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .clone()
            })
            .unwrap_or_default()
    }

    /// A context whose requests carry `trial_name` in their User-Agent, working in `namespace` with
    /// `dir` as its commands' working directory.
    /// `owns_namespace`: an interrupted run deletes it (tests), or leaves it (hooks, in `default`).
    pub(crate) fn new(
        cluster: Arc<Cluster>,
        trial_name: &str,
        namespace: String,
        owns_namespace: bool,
        dir: PathBuf,
        step_timeout: i64,
        record_requests: bool,
    ) -> Result<Self, SetupError> {
        let requests = record_requests.then(Requests::default);
        let kubeconfig_dir = tempfile::Builder::new()
            .prefix(&interrupt::private_folder_prefix())
            .tempdir()
            .map_err(|err| SetupError::Files(format!("cannot create a temporary folder: {err}")))?;
        let kubeconfig = write_kubeconfig(cluster.kubeconfig(), kubeconfig_dir.path())
            .map_err(SetupError::Files)?;
        let connection = Connection::new(
            Arc::clone(cluster.endpoint()),
            Arc::clone(&cluster.resolver),
            kubeconfig,
            trial_name,
            requests.clone(),
        )?;
        let background = Children::default();
        let created = CreatedObjects::default();
        let registration = interrupt::RUNNING.register(
            trial_name,
            owns_namespace.then(|| namespace.clone()),
            Arc::clone(&background),
            Arc::clone(&created),
        );
        Ok(Self {
            cluster,
            connection,
            trial_name: trial_name.to_string(),
            namespace,
            owns_namespace,
            dir,
            log: TestLog::new(),
            step_timeout,
            created,
            background,
            requests,
            waiting: Mutex::default(),
            masks: Arc::default(),
            quoted: Mutex::default(),
            _registration: registration,
            _kubeconfig_dir: kubeconfig_dir,
        })
    }

    /// Masks values with `masks` instead of the Secret fields alone.
    pub(crate) fn with_masks(mut self, masks: Arc<Masks>) -> Self {
        self.masks = masks;
        self
    }

    /// `object` as it may be shown, its masked values masked; remembers those values, so that
    /// [`scrubbed`](Self::scrubbed) text never quotes them either.
    pub(crate) fn shown<'a>(&self, object: &'a Value) -> Cow<'a, Value> {
        match self.masks.masked(object) {
            Some(shown) => {
                self.remember_masked(object);
                Cow::Owned(shown)
            }
            None => Cow::Borrowed(object),
        }
    }

    /// Remembers the masked values of `object` (one the test applies or reads), for
    /// [`scrubbed`](Self::scrubbed).
    pub(crate) fn remember_masked(&self, object: &Value) {
        let mut quoted = self
            .quoted
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for value in self.masks.quoted_in(object) {
            if !quoted.contains(&value) {
                quoted.push(value);
            }
        }
        // Longest first, so that a value containing another is replaced whole.
        quoted.sort_by_key(|value| std::cmp::Reverse(value.text.len()));
    }

    /// `text` without any masked value the test has seen.
    pub(crate) fn scrubbed(&self, text: &str) -> String {
        scrub(
            text,
            &self
                .quoted
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// The test at work on the run's cluster.
    pub(crate) fn session(&self) -> Session<'_> {
        Session {
            test: self,
            connection: &self.connection,
        }
    }

    /// Notes what the test waits for now (`None`: the wait has ended). A wait cut short by the
    /// test's time limit leaves its note, for the failure message.
    pub(crate) fn set_waiting_for(&self, what: Option<String>) {
        *self
            .waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = what;
    }

    /// What the test was last noted waiting for.
    pub(crate) fn waiting_for(&self) -> Option<String> {
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// How many objects the test has created and not yet deleted.
    pub(crate) fn created_count(&self) -> usize {
        self.created
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    /// Takes out the objects created after the first `start`, oldest first (a Chainsaw step's,
    /// deleted when the step's cleanup runs).
    pub(crate) fn take_created_from(&self, start: usize) -> Vec<Created> {
        let mut created = self
            .created
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = start.min(created.len());
        created.split_off(start)
    }

    pub(crate) fn register_created(&self, created: Created) {
        self.created
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(created);
    }
}

/// A test at work on one cluster: what steps, hooks and checks are given. Everything a step sends
/// to a cluster, and the `KUBECONFIG` of its commands, comes from `connection`.
#[derive(Clone, Copy)]
pub(crate) struct Session<'a> {
    pub test: &'a TestState,
    pub connection: &'a Connection,
}

impl Session<'_> {
    /// Who can see an object created through this session at `target`.
    pub(crate) fn reach(&self, target: &Target) -> Reach {
        let run_cluster = self.connection.endpoint.url() == self.test.connection.endpoint.url();
        let own_namespace = target.namespace.as_deref() == Some(self.test.namespace.as_str());
        let namespace_kind = target.api_version == "v1" && target.kind == "Namespace";
        if run_cluster && self.test.owns_namespace && own_namespace {
            Reach::OwnNamespace
        } else if run_cluster && namespace_kind && !self.test.cluster.deletes_namespaces() {
            Reach::SharedNeverFinalized
        } else {
            Reach::Shared
        }
    }
}

/// Writes the kubeconfig commands receive, readable by the owner only.
fn write_kubeconfig(contents: Option<&str>, dir: &Path) -> Result<Option<PathBuf>, String> {
    let Some(contents) = contents else {
        return Ok(None);
    };
    let path = dir.join("kubeconfig");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    std::io::Write::write_all(&mut file, contents.as_bytes())
        .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    Ok(Some(path))
}
