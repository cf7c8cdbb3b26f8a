//! What an aborted run leaves: the tests and hooks running now, with their background commands
//! and the objects they created. On an interrupted run (Ctrl-C or SIGTERM; see [`super::signals`])
//! the first signal stops the run cooperatively: running tests stop their steps and clean up (kill
//! background commands, delete what they created and their namespace without waiting), tests not
//! started yet do not start, and the after hooks of every scope whose before hook ran still run. A
//! second signal (or the teardown deadline) aborts: background commands are killed and what is
//! still registered here is listed as left behind.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use super::created::{self, CreatedObjects};
use super::process::{self, Process};

/// Background commands shared between a running test and the registry.
pub(crate) type Children = Arc<Mutex<Vec<Process>>>;

struct Entry {
    /// The trial (or hook) name.
    name: String,
    /// The test's own namespace (`None` for hooks, which work in `default`).
    namespace: Option<String>,
    background: Children,
    created: CreatedObjects,
}

/// The tests and hooks running now.
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

/// The name prefix of the temporary folders that hold a test's private files (its kubeconfig
/// copy): one per process, so that an aborted run, which exits without their destructors, can
/// remove them all.
pub(crate) fn private_folder_prefix() -> String {
    format!("kuttl-rs-{}-", std::process::id())
}

/// Removes every private folder of this process (see [`private_folder_prefix`]).
fn remove_private_folders() {
    let prefix = private_folder_prefix();
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Registry {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a running test (or hook) `name` until the returned guard is dropped.
    pub(crate) fn register(
        &self,
        name: &str,
        namespace: Option<String>,
        background: Children,
        created: CreatedObjects,
    ) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(
            id,
            Entry {
                name: name.to_string(),
                namespace,
                background,
                created,
            },
        );
        Registration(id)
    }

    /// Aborting: kills every registered background command and every other command still
    /// running (a hook's), removes the tests' private folders, and lists, per registered test, its
    /// namespace and the objects it created outside that namespace that are still there.
    pub(crate) fn abort(&self) -> Vec<String> {
        remove_private_folders();
        let entries: Vec<Entry> = self.lock().drain().map(|(_, entry)| entry).collect();
        let mut left = Vec::new();
        for entry in entries {
            let children = std::mem::take(
                &mut *entry
                    .background
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            );
            for mut child in children {
                // `start_kill` sends the signal without waiting: aborting must not block.
                if child.start_kill().is_ok() {
                    left.push(format!("killed a background command of {}", entry.name));
                }
            }
            if let Some(namespace) = &entry.namespace {
                left.push(format!(
                    "left behind: namespace {namespace:?} of {}",
                    entry.name
                ));
            }
            // A test's objects in its own namespace go with it; a hook's (in `default`) do not.
            for id in created::shared_ids(&entry.created) {
                left.push(format!("left behind: {id} (created by {})", entry.name));
            }
        }
        process::kill_all();
        left
    }
}
