//! Running a before hook once for everyone who shares it, and giving each its outcome: one
//! abstraction ([`RunOnce`]) for three reaches.
//!
//! - [`InProcess`]: the trials of one process (libtest's threads).
//! - [`LockFiles`]: the processes of one nextest run on one machine (process-per-test), through
//!   a locked file per hook.
//! - Leases: the machines of one run spread over several (`shared_run::Coordinator`).
//!
//! They nest: a process takes the lock file, then (in a shared run) the Lease, then runs the
//! hook. Only hook outcomes are kept; a [`CoordinationError`] (the sharers could not agree, or
//! learn the outcome) fails the trial that met it, and the next trial tries again.

use std::collections::HashMap;
use std::future::Future;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use super::hook_scope::Scope;
use crate::run::HookOutcome;

/// The sharers of a hook could not agree who runs it, or learn its outcome: not an outcome.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct CoordinationError(pub String);

/// A hook's outcome, or why it could not be had.
pub(crate) type Shared<'a> =
    Pin<Box<dyn Future<Output = Result<HookOutcome, CoordinationError>> + Send + 'a>>;

/// Starts a hook (or the next reach's coordination of it); called again only to take over from
/// a sharer that stopped while running it.
pub(crate) type Start<'a> = &'a (dyn Fn() -> Shared<'a> + Send + Sync);

/// Runs the before hook of a scope once among its sharers.
pub(crate) trait RunOnce: Sync {
    /// Runs `start`'s hook unless a sharer has, and returns the outcome every sharer gets.
    fn run_once<'a>(&'a self, scope: &'a Scope, start: Start<'a>) -> Shared<'a>;
}

/// The trials of one process share each hook through a cell.
#[derive(Default)]
pub(crate) struct InProcess {
    cells: Mutex<HashMap<Scope, Arc<Cell>>>,
}

#[derive(Default)]
struct Cell {
    outcome: OnceCell<HookOutcome>,
    started: std::sync::atomic::AtomicBool,
}

impl InProcess {
    fn cell(&self, scope: &Scope) -> Arc<Cell> {
        let mut cells = self
            .cells
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(cells.entry(scope.clone()).or_default())
    }

    /// Whether the hook of `scope` has an outcome.
    pub(crate) fn ran(&self, scope: &Scope) -> bool {
        self.cell(scope).outcome.initialized()
    }

    /// Whether the hook of `scope` ran or is running: its after hook is owed.
    pub(crate) fn started(&self, scope: &Scope) -> bool {
        self.cell(scope)
            .started
            .load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl RunOnce for InProcess {
    fn run_once<'a>(&'a self, scope: &'a Scope, start: Start<'a>) -> Shared<'a> {
        Box::pin(async move {
            let cell = self.cell(scope);
            let outcome = cell
                .outcome
                .get_or_try_init(|| {
                    cell.started
                        .store(true, std::sync::atomic::Ordering::SeqCst);
                    start()
                })
                .await?;
            Ok(outcome.clone())
        })
    }
}

/// The processes of one nextest run on one machine share each hook through a file in `dir`: the
/// first to lock it runs the hook and writes the outcome; the others wait for the lock and read
/// it.
pub(crate) struct LockFiles {
    dir: PathBuf,
}

/// How often a process waiting for another's hook tries the lock.
const LOCK_POLL: std::time::Duration = std::time::Duration::from_millis(100);

/// What a hook's file holds once its hook ended: this line, then the outcome as JSON.
const DONE: &str = "done\n";

impl LockFiles {
    pub(crate) fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The file through which the processes share the before hook of `scope`.
    pub(crate) fn file(dir: &std::path::Path, scope: &Scope) -> PathBuf {
        dir.join(format!("{}.result", scope.name().replace("::", "-")))
    }

    /// Whether a process of the run has run (or is running) the before hook of `scope`.
    pub(crate) fn started(dir: &std::path::Path, scope: &Scope) -> bool {
        Self::file(dir, scope).is_file()
    }

    async fn once(
        &self,
        scope: &Scope,
        start: Start<'_>,
    ) -> Result<HookOutcome, CoordinationError> {
        let fail = |err: &dyn std::fmt::Display| {
            CoordinationError(format!(
                "coordinating {} across nextest processes in {}: {err}",
                scope.name(),
                self.dir.display()
            ))
        };
        std::fs::create_dir_all(&self.dir).map_err(|err| fail(&err))?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(Self::file(&self.dir, scope))
            .map_err(|err| fail(&err))?;
        // Polled, not blocking: the runtime's thread stays free (Ctrl-C is answered) while
        // another process runs a long hook.
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => tokio::time::sleep(LOCK_POLL).await,
                Err(std::fs::TryLockError::Error(err)) => return Err(fail(&err)),
            }
        }
        let mut recorded = String::new();
        file.read_to_string(&mut recorded)
            .map_err(|err| fail(&err))?;
        if let Some(outcome) = recorded.strip_prefix(DONE) {
            return serde_json::from_str(outcome).map_err(|err| fail(&err));
        }
        let outcome = start().await?;
        let written = serde_json::to_string(&outcome).map_err(|err| fail(&err))?;
        file.set_len(0).map_err(|err| fail(&err))?;
        file.rewind().map_err(|err| fail(&err))?;
        file.write_all(format!("{DONE}{written}").as_bytes())
            .map_err(|err| fail(&err))?;
        Ok(outcome)
    }
}

impl RunOnce for LockFiles {
    fn run_once<'a>(&'a self, scope: &'a Scope, start: Start<'a>) -> Shared<'a> {
        Box::pin(self.once(scope, start))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::run::HookFailure;

    /// A hook run that counts itself and ends with `result`.
    fn counted(runs: &AtomicUsize, result: Result<HookOutcome, CoordinationError>) -> Shared<'_> {
        Box::pin(async move {
            runs.fetch_add(1, Ordering::SeqCst);
            result
        })
    }

    fn failed() -> HookFailure {
        HookFailure::not_started("beforeCollection", "commands", "exit status 1")
    }

    fn unreachable() -> CoordinationError {
        CoordinationError("the API server did not answer".into())
    }

    /// Every implementation: a coordination error is not kept (the next caller runs the hook), a
    /// hook's outcome is, for every later caller, whatever it is.
    async fn keeps_outcomes_not_coordination_errors(once: &dyn RunOnce) {
        let scope = Scope::BeforeSuite("apps".into());
        let runs = AtomicUsize::new(0);

        let unreached = || counted(&runs, Err(unreachable()));
        let failing = || counted(&runs, Ok(Err(failed())));
        let passing = || counted(&runs, Ok(Ok(())));

        let first = once.run_once(&scope, &unreached).await;
        let second = once.run_once(&scope, &failing).await;
        let third = once.run_once(&scope, &passing).await;

        assert_eq!(first, Err(unreachable()));
        assert_eq!(second, Ok(Err(failed())));
        assert_eq!(third, Ok(Err(failed())), "the kept failure, not a new run");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        let other = Scope::BeforeCollection;
        assert_eq!(once.run_once(&other, &passing).await, Ok(Ok(())));
    }

    #[tokio::test]
    async fn in_process_keeps_outcomes_not_coordination_errors() {
        let once = InProcess::default();
        keeps_outcomes_not_coordination_errors(&once).await;
        assert!(once.ran(&Scope::BeforeSuite("apps".into())));
        assert!(!once.ran(&Scope::BeforeSuite("db".into())));
    }

    #[tokio::test]
    async fn lock_files_keep_outcomes_not_coordination_errors() {
        let dir = tempfile::tempdir().unwrap();
        keeps_outcomes_not_coordination_errors(&LockFiles::new(dir.path().into())).await;
    }

    #[tokio::test]
    async fn processes_sharing_lock_files_run_each_hook_once() {
        let dir = tempfile::tempdir().unwrap();
        let runs = AtomicUsize::new(0);
        let slow = || -> Shared<'_> {
            Box::pin(async {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                Ok(Err(failed()))
            })
        };
        // Each `LockFiles` opens the file itself, as separate processes do.
        let processes: Vec<LockFiles> = (0..3).map(|_| LockFiles::new(dir.path().into())).collect();
        let scope = Scope::BeforeCollection;

        let outcomes =
            futures::future::join_all(processes.iter().map(|p| p.run_once(&scope, &slow))).await;

        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(
            outcomes.iter().all(|o| *o == Ok(Err(failed()))),
            "{outcomes:?}"
        );
    }
}
