//! What an interrupted run must undo: every running test registers its namespace and background
//! commands here, so that Ctrl-C (SIGINT) can delete the namespaces and kill the commands before the
//! process exits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::DeleteParams;
use kube::{Api, Client};

/// Background commands shared between a running test and the registry.
pub(crate) type Children = Arc<Mutex<Vec<tokio::process::Child>>>;

struct Entry {
    client: Client,
    /// The test's own namespace (`None` for hooks, which work in `default`).
    namespace: Option<String>,
    background: Children,
}

/// The tests running now.
#[derive(Default)]
pub(crate) struct Registry {
    entries: Mutex<HashMap<u64, Entry>>,
    next: AtomicU64,
}

/// The process-wide registry.
pub(crate) static RUNNING: LazyLock<Registry> = LazyLock::new(Registry::default);

/// Removes its entry when dropped (the test has cleaned up after itself).
pub(crate) struct Registration(u64);

impl Drop for Registration {
    fn drop(&mut self) {
        RUNNING.lock().remove(&self.0);
    }
}

/// What an interruption undid.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Undone {
    pub namespaces: usize,
    pub commands: usize,
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a running test until the returned guard is dropped.
    pub(crate) fn register(
        &self,
        client: Client,
        namespace: Option<String>,
        background: Children,
    ) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(
            id,
            Entry {
                client,
                namespace,
                background,
            },
        );
        Registration(id)
    }

    /// Kills every registered background command and deletes every registered namespace (without
    /// waiting for it to be gone).
    pub(crate) async fn undo_all(&self) -> Undone {
        let entries: Vec<Entry> = self.lock().drain().map(|(_, entry)| entry).collect();
        let mut undone = Undone::default();
        for entry in entries {
            let children = std::mem::take(
                &mut *entry
                    .background
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            );
            for mut child in children {
                if child.kill().await.is_ok() {
                    undone.commands += 1;
                }
            }
            if let Some(namespace) = entry.namespace {
                let api: Api<Namespace> = Api::all(entry.client);
                if api
                    .delete(&namespace, &DeleteParams::background())
                    .await
                    .is_ok()
                {
                    undone.namespaces += 1;
                }
            }
        }
        undone
    }
}
