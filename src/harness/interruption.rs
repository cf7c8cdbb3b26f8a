//! Ctrl-C and SIGTERM. The first stops the run and lets it tear down (`run::interrupt`): running
//! tests stop their steps and clean up, no test or before hook starts, the after hooks owed run,
//! and the run exits with 130 once libtest's output has ended. A second signal, or
//! [`TEARDOWN_DEADLINE`] after the first, aborts at once: background commands are killed, what is
//! left behind is listed, the embedded control plane is stopped, and the process exits with 130.

use std::io::Write;
use std::sync::Weak;
use std::time::Duration;

use super::run_state::RunState;
use crate::run;

/// How long the teardown after a first signal may take before it is aborted. CI systems send
/// SIGTERM and then SIGKILL after a grace period (30 s in Kubernetes and GitLab, 10 s in Docker).
pub(crate) const TEARDOWN_DEADLINE: Duration = Duration::from_secs(30);

/// How long an abort waits for the embedded control plane or kind cluster to stop.
const ABORT_STOP_LIMIT: Duration = Duration::from_secs(5);

/// The exit code of an interrupted run, as shells report a SIGINT.
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// Waits for the signals of a run; `state` is weak so that a run that ends normally is not kept.
pub(crate) async fn watch(state: Weak<RunState>) {
    let Some(mut signals) = Signals::new() else {
        return;
    };
    signals.next().await;
    run::signal();
    let why = tokio::select! {
        () = signals.next() => "a second interrupt".to_string(),
        () = tokio::time::sleep(TEARDOWN_DEADLINE) => format!(
            "the teardown took longer than {}s",
            TEARDOWN_DEADLINE.as_secs()
        ),
    };
    run::signal();
    abort(state, &why).await;
}

/// Kills what runs, lists what is left behind, stops the cluster the run started, exits with 130.
async fn abort(state: Weak<RunState>, why: &str) {
    let mut lines = vec![format!("aborted: {why}")];
    lines.extend(run::take_notes());
    lines.extend(run::RUNNING.abort());
    if let Some(state) = state.upgrade() {
        lines.extend(
            state
                .lifecycle()
                .owed_after_hooks()
                .iter()
                .map(|scope| format!("left undone: {} did not run", scope.name())),
        );
        match tokio::time::timeout(ABORT_STOP_LIMIT, state.stop_cluster()).await {
            Ok(Some(note)) => lines.push(note),
            Ok(None) => {}
            Err(_) => lines.push(format!(
                "left behind: the cluster this run started did not stop within {}s",
                ABORT_STOP_LIMIT.as_secs()
            )),
        }
    }
    let mut stderr = std::io::stderr().lock();
    for line in lines {
        let _ = writeln!(stderr, "{line}");
    }
    let _ = stderr.flush();
    std::process::exit(i32::from(EXIT_INTERRUPTED));
}

/// SIGINT and SIGTERM (Ctrl-C alone where there are no Unix signals).
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// `None` when the handlers cannot be installed: the run then ends as the signal's default.
    fn new() -> Option<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Some(Self {
                interrupt: signal(SignalKind::interrupt()).ok()?,
                terminate: signal(SignalKind::terminate()).ok()?,
            })
        }
        #[cfg(not(unix))]
        Some(Self {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
