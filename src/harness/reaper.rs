//! After hooks and reports under nextest. nextest runs each test in a process of its own and
//! tells tests nothing when the run ends, so the first test process of a run starts a detached
//! copy of the test binary, the reaper: it waits for the nextest runner (the test processes'
//! parent) to exit, then runs the after hook of every scope whose before hook ran on this machine
//! (suites in the collection's order, then the collection) — or, in a run shared by several
//! machines (`shared_run`), takes its turn with the other machines through the cluster's Leases —
//! writes the run's reports from the records the test processes left, and removes the run's
//! folder. Its output goes to `<run folder>.log`, which the first test's output names, and to the
//! runner's stderr while it can.
//!
//! Linux only: the reaper watches the runner through `/proc`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
#[cfg(target_os = "linux")]
use std::process::{Command, Stdio};
use std::time::Duration;

use std::io::Write;

use super::lifecycle::{Hooks, Scope};
use super::run_state::RunState;
use super::shared_run::{AfterTurn, SharedRun};
use crate::load::Collection;

/// Set in the reaper's environment: the run's folder.
pub(crate) const REAPER_ENV: &str = "KUTTL_RS_REAPER";
/// Set in the reaper's environment: the process id of the nextest runner it waits for.
const WATCH_ENV: &str = "KUTTL_RS_REAPER_WATCH";

/// How often the reaper looks whether the runner is still there.
const POLL: Duration = Duration::from_millis(500);

/// The reaper's log: beside the run's folder, which it removes.
pub(crate) fn log_path(dir: &Path) -> PathBuf {
    dir.with_extension("log")
}

/// Where the run's test processes leave their records for the reaper, which writes the run's
/// reports from them; `None` where there is no reaper.
pub(crate) fn records_dir(dir: &Path) -> Option<PathBuf> {
    cfg!(target_os = "linux").then(|| dir.join("records"))
}

/// Elsewhere there is no reaper: after hooks do not run under nextest.
#[cfg(not(target_os = "linux"))]
pub(crate) fn start_once(_dir: &Path) -> Result<Option<String>, String> {
    Ok(None)
}

/// Starts the reaper for the run folder `dir`, once per run (the first caller wins): a copy of
/// this test binary in a process group of its own, its output in [`log_path`]. Returns a line for
/// the test's output when this call started it.
#[cfg(target_os = "linux")]
pub(crate) fn start_once(dir: &Path) -> Result<Option<String>, String> {
    let fail =
        |err: std::io::Error| format!("starting the after-hook reaper in {}: {err}", dir.display());
    std::fs::create_dir_all(dir).map_err(fail)?;
    let marker = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dir.join("reaper"));
    match marker {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => return Ok(None),
        Err(err) => return Err(fail(err)),
    }
    let log_file = log_path(dir);
    let log = std::fs::File::create(&log_file).map_err(fail)?;
    let mut command = Command::new(std::env::current_exe().map_err(fail)?);
    command
        .env(REAPER_ENV, dir)
        .env(WATCH_ENV, std::os::unix::process::parent_id().to_string())
        .stdin(Stdio::null())
        .stdout(log.try_clone().map_err(fail)?)
        .stderr(log);
    // Its own process group: nextest's end of a test does not reach it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command.spawn().map_err(fail)?;
    Ok(Some(format!(
        "after hooks run when this nextest run ends; their log: {}",
        log_file.display()
    )))
}

/// Whether process `pid` still runs.
fn running(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

/// The after hooks of the scopes whose before hook ran (its result file is in `dir`): the
/// suites' in the collection's order, then the collection's.
fn owed<'a>(suites: impl Iterator<Item = &'a str>, dir: &Path) -> Vec<Scope> {
    let ran = |key: &str| dir.join(format!("{key}.result")).is_file();
    let mut owed: Vec<Scope> = suites
        .filter(|suite| ran(&format!("beforeSuite-{suite}")))
        .map(|suite| Scope::AfterSuite(suite.to_string()))
        .collect();
    if ran("beforeCollection") {
        owed.push(Scope::AfterCollection);
    }
    owed
}

/// The reaper's work; `collection` is the run's, `dir` the run's folder. What it does goes to
/// the log beside the folder (its stdout and stderr go there too, for anything else) and, while
/// it can be opened, to the nextest runner's stderr.
pub(crate) fn run(collection: Collection, dir: &Path) -> ExitCode {
    let watched = std::env::var(WATCH_ENV).ok();
    let mut log = Log::open(dir, watched.as_deref());
    let state = RunState::new(collection);
    let started = std::time::Instant::now();
    let failed = crate::run::RUNTIME.block_on(async {
        match state.shared_run() {
            None => {
                if let Some(pid) = &watched {
                    while running(pid) {
                        tokio::time::sleep(POLL).await;
                    }
                }
                log.say("the nextest run has ended; running the after hooks owed");
                let suites = state.collection.suites.iter().map(|s| s.name.as_str());
                run_hooks(&state, &owed(suites, dir), &mut log).await
            }
            Some(Err(err)) => {
                log.say(&format!(
                    "error: the run shared by several machines: {err}; no after hook ran"
                ));
                true
            }
            Some(Ok(run)) => end_shared_run(&state, run, watched.as_deref(), &mut log).await,
        }
    });
    let reported = write_reports(&state, dir, started.elapsed(), &mut log);
    if let Err(err) = std::fs::remove_dir_all(dir) {
        log.say(&format!("cannot remove {}: {err}", dir.display()));
    }
    if failed || !reported {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes the run's reports (and coverage) from the records the test processes left and the after
/// hooks', as a run under `cargo test` does, and shuts the run down; says what it wrote. Whether
/// all went well.
fn write_reports(state: &RunState, dir: &Path, elapsed: Duration, log: &mut Log) -> bool {
    if let Some(records) = records_dir(dir)
        && let Err(err) = state.records.add_saved(&records)
    {
        log.say(&format!("error: {err}"));
    }
    // Coverage maps the requests onto the API server's operations: connect to it, unless the
    // run's cluster is one a connection would start (the test processes' clusters are gone).
    if state.collection.report.coverage
        && matches!(
            state.collection.cluster,
            crate::load::ClusterSource::Kubeconfig
        )
        && let Err(err) = crate::run::RUNTIME.block_on(state.cluster())
    {
        log.say(&format!("error: coverage: {err}"));
    }
    let outputs = super::conclude(state, elapsed, 0, None);
    let mut printed = Vec::new();
    let ok = outputs.print(state, &[], &mut printed);
    for line in String::from_utf8_lossy(&printed).lines() {
        log.say(line);
    }
    ok
}

/// Runs the after hooks `owed`, in order; whether one failed.
async fn run_hooks(state: &RunState, owed: &[Scope], log: &mut Log) -> bool {
    let mut failed = false;
    for scope in owed {
        // The hooks that ran are listed with their outcome at the end (`hook_trace`).
        if let Err(err) = state.run(scope).await {
            failed = true;
            log.say(&format!("error: {}:\n{err}", scope.name()));
        }
    }
    failed
}

/// This machine's end of a run spread over several: it joins the run, renews its Lease while the
/// nextest runner `watched` lives, then waits for the other machines; the first to see them all
/// ended runs the after hooks owed anywhere and deletes the run's Leases. Whether it failed.
async fn end_shared_run(
    state: &RunState,
    run: &SharedRun,
    watched: Option<&str>,
    log: &mut Log,
) -> bool {
    let mut coordinator = match state.coordinator(run).await {
        Ok(coordinator) => coordinator,
        Err(err) => {
            log.say(&format!(
                "error: the shared run {}: {err}; no after hook ran",
                run.run_id
            ));
            return true;
        }
    };
    if let Err(err) = coordinator.join().await {
        // Without its Lease the others cannot wait for this machine: its after hooks are not
        // its to run, and the run may tear down what its tests still use.
        log.say(&format!(
            "error: joining the shared run: {err}; the other machines cannot wait for this one"
        ));
        return true;
    }
    log.say(&format!(
        "machine {} joined run {:?}, attempt {} (Leases in namespace {}, {} s each)",
        run.machine,
        run.run_id,
        coordinator.epoch(),
        run.namespace,
        run.lease_seconds
    ));
    let renew_every = run.lease_duration() / 3;
    let mut renewed = tokio::time::Instant::now();
    while watched.is_some_and(running) {
        tokio::time::sleep(POLL).await;
        if renewed.elapsed() >= renew_every {
            renewed = tokio::time::Instant::now();
            match coordinator.renew_machine().await {
                Ok(true) => {}
                Ok(false) => {
                    log.say("this machine's Lease is gone: another machine counted it as gone")
                }
                Err(err) => log.say(&format!("error: renewing this machine's Lease: {err}")),
            }
        }
    }
    if let Err(err) = coordinator.finish_machine().await {
        log.say(&format!("error: {err}"));
    }
    log.say("this machine's tests have ended; waiting for the run's other machines");
    let suites: Vec<&str> = state
        .collection
        .suites
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let turn = coordinator.after_turn(&suites, |line| log.say(&line)).await;
    match turn {
        Ok(AfterTurn::Theirs { holder }) => {
            log.say(&format!("machine {holder} runs the after hooks"));
            false
        }
        Ok(AfterTurn::Ended) => {
            log.say("another machine has run the after hooks and deleted the run's Leases");
            false
        }
        Ok(AfterTurn::Mine { owed, machines }) => {
            log.say(&format!(
                "every machine has ended (finished: {}; gone: {}); running the after hooks owed",
                machines.finished.join(", "),
                if machines.gone.is_empty() {
                    "none".to_string()
                } else {
                    machines.gone.join(", ")
                },
            ));
            let failed = run_hooks(state, &owed, log).await;
            match coordinator.clean_up().await {
                Ok(count) => log.say(&format!("deleted the run's {count} Leases")),
                Err(err) => log.say(&format!("error: {err}")),
            }
            failed
        }
        Err(err) => {
            log.say(&format!(
                "error: waiting for the run's other machines: {err}; no after hook ran"
            ));
            true
        }
    }
}

/// Where the reaper says what it does: its log file, and the nextest runner's stderr while that
/// can be written (a terminal, or a CI step's pipe, which then stays open until the reaper ends).
struct Log {
    file: Box<dyn Write + Send>,
    runner: Option<std::fs::File>,
}

impl Log {
    fn open(dir: &Path, watched: Option<&str>) -> Self {
        let file: Box<dyn Write + Send> = match std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log_path(dir))
        {
            Ok(file) => Box::new(file),
            Err(_) => Box::new(std::io::stderr()),
        };
        let runner = watched.and_then(|pid| {
            std::fs::OpenOptions::new()
                .append(true)
                .open(Path::new("/proc").join(pid).join("fd/2"))
                .ok()
        });
        Self { file, runner }
    }

    /// Writes `line`, timed, to the log and the runner's stderr.
    fn say(&mut self, line: &str) {
        let time = chrono::Utc::now().format("%H:%M:%S%.3f");
        let _ = writeln!(self.file, "{time} {line}");
        if let Some(runner) = &mut self.runner
            && writeln!(runner, "kuttl-rs after hooks: {line}").is_err()
        {
            self.runner = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_hooks_are_owed_where_before_hooks_ran_suites_first() {
        let dir = tempfile::tempdir().unwrap();
        assert!(owed(["core", "hooks"].into_iter(), dir.path()).is_empty());
        for key in ["beforeSuite-hooks", "beforeCollection", "beforeSuite-core"] {
            std::fs::write(dir.path().join(format!("{key}.result")), "done\nok").unwrap();
        }
        assert_eq!(
            owed(["core", "hooks", "apps"].into_iter(), dir.path()),
            [
                Scope::AfterSuite("core".into()),
                Scope::AfterSuite("hooks".into()),
                Scope::AfterCollection
            ]
        );
    }

    #[test]
    fn the_log_sits_beside_the_run_folder() {
        assert_eq!(
            log_path(Path::new("/tmp/kuttl-rs-1234")),
            Path::new("/tmp/kuttl-rs-1234.log")
        );
    }
}
