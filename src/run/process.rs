//! A command's process, started on Unix in a process group of its own, so that killing the command
//! kills what it started too: a script's `sleep 1000 &` or `kubectl port-forward … &` would
//! otherwise outlive a timeout, an interruption or the end of its test. Elsewhere only the
//! process itself is killed.

use std::io;
use std::process::ExitStatus;

use tokio::process::{ChildStderr, ChildStdout};

/// The process groups of commands that may still run, for an abort, which exits without
/// dropping them.
#[cfg(unix)]
static GROUPS: std::sync::Mutex<std::collections::BTreeSet<i32>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

#[cfg(unix)]
fn groups() -> std::sync::MutexGuard<'static, std::collections::BTreeSet<i32>> {
    GROUPS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A running command. Killing it, or dropping it before its exit was seen (as an interrupted
/// step is dropped), kills its process group; `kill_on_drop` alone reaches only the process.
pub(crate) struct Process {
    child: tokio::process::Child,
    /// The group the command leads, until it is killed or the command's exit is seen.
    #[cfg(unix)]
    group: Option<i32>,
}

impl Process {
    /// Starts `command`, in a new process group on Unix.
    pub(crate) fn spawn(command: &mut tokio::process::Command) -> io::Result<Self> {
        #[cfg(unix)]
        command.process_group(0);
        let child = command.kill_on_drop(true).spawn()?;
        #[cfg(unix)]
        let group = child.id().and_then(|id| i32::try_from(id).ok());
        #[cfg(unix)]
        groups().extend(group);
        Ok(Self {
            child,
            #[cfg(unix)]
            group,
        })
    }

    /// The command's stdout and stderr, when piped and not taken yet.
    pub(crate) fn take_output(&mut self) -> (Option<ChildStdout>, Option<ChildStderr>) {
        (self.child.stdout.take(), self.child.stderr.take())
    }

    /// Waits for the command to exit. What it started and left running is then left alone, as
    /// in KUTTL: the command has ended, not been stopped.
    pub(crate) async fn wait(&mut self) -> io::Result<ExitStatus> {
        let status = self.child.wait().await?;
        #[cfg(unix)]
        if let Some(group) = self.group.take() {
            groups().remove(&group);
        }
        Ok(status)
    }

    /// Kills the command's process group and reaps the command.
    pub(crate) async fn kill(&mut self) -> io::Result<()> {
        self.kill_group();
        self.child.kill().await
    }

    /// Kills the command's process group without waiting.
    pub(crate) fn start_kill(&mut self) -> io::Result<()> {
        self.kill_group();
        self.child.start_kill()
    }

    // The group is killed before the command is reaped: until then its id cannot be reused.
    fn kill_group(&mut self) {
        #[cfg(unix)]
        if let Some(group) = self.group.take() {
            groups().remove(&group);
            kill_group(group);
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill_group();
    }
}

#[cfg(unix)]
fn kill_group(group: i32) {
    use nix::sys::signal::{Signal, killpg};
    // Fails only when every process of the group has exited.
    let _ = killpg(nix::unistd::Pid::from_raw(group), Signal::SIGKILL);
}

/// Kills the process group of every command that may still run (an abort: a terminal's Ctrl-C
/// does not reach them in their own groups, and exiting drops nothing).
pub(crate) fn kill_all() {
    #[cfg(unix)]
    for group in std::mem::take(&mut *groups()) {
        kill_group(group);
    }
}
