//! Everything one running test holds: its clients, namespace, log, and what it must clean up.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use kube::api::DynamicObject;
use kube::{Api, Client};

use super::log::TestLog;
use crate::cluster::Cluster;

/// An object the test created, deleted again when the test ends.
pub(crate) struct Created {
    pub api: Api<DynamicObject>,
    pub name: String,
    pub id: String,
}

/// The state of one running test.
pub(crate) struct TestContext {
    pub cluster: Arc<Cluster>,
    /// Sends every read and write of the test.
    pub client: Client,
    /// Carries the test's watches on connections of their own.
    pub watch_client: Client,
    pub namespace: String,
    /// The test folder: the working directory of its commands.
    pub dir: PathBuf,
    pub log: TestLog,
    /// The kubeconfig file commands receive as `KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
    /// Seconds; the suite's or collection's step timeout.
    pub step_timeout: i64,
    pub created: Mutex<Vec<Created>>,
    /// Background commands, killed and reaped when the test ends.
    pub background: Mutex<Vec<tokio::process::Child>>,
}

impl TestContext {
    pub(crate) fn register_created(&self, created: Created) {
        self.created
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(created);
    }
}
