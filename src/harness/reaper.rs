//! After hooks and reports under nextest. nextest runs each test in a process of its own and
//! tells tests nothing when the run ends, so the first test process of a run starts a detached
//! copy of the test binary, the reaper: it waits for the nextest runner (the test processes'
//! parent) to exit, then runs the after hook of every scope whose before hook ran on this machine
//! (suites in the collection's order, then the collection) — or, in a run shared by several
//! machines (`shared_run`), takes its turn with the other machines through the cluster's Leases —
//! writes the run's reports from the records the test processes left, and removes the run's
//! folder. Its output goes to `<run folder>.log`, which the first test's output names; the
//! runner's stderr gets one line pointing there when the runner ends, and is let go then.
//!
//! Linux only: the reaper watches the runner through a pidfd, else `/proc`.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
#[cfg(target_os = "linux")]
use std::process::{Command, Stdio};
use std::time::Duration;

use std::io::Write;

use super::hook_scope::Scope;
use super::lifecycle::Hooks;
use super::run_once::LockFiles;
use super::run_state::RunState;
use super::shared_run::{AfterTurn, Coordinator, KubeLeases, SharedRun};
use crate::load::Collection;

/// Set in the reaper's environment: the run's folder.
pub(crate) const REAPER_ENV: &str = "KUTTL_RS_REAPER";
/// Closes the shell's descriptors above stderr (bash closes any; a POSIX sh only 3 to 9), then
/// runs the program `$0` in its place.
#[cfg(target_os = "linux")]
const CLOSE_INHERITED_THEN_EXEC: &str = r#"for fd in $(ls /proc/$$/fd); do
  [ "$fd" -gt 2 ] && { [ "$fd" -lt 10 ] || [ -n "$BASH_VERSION" ]; } && eval "exec $fd>&-"
done
exec "$0" "$@""#;

/// The shell that closes the reaper's inherited descriptors: bash where there is one.
#[cfg(target_os = "linux")]
fn shell() -> &'static str {
    if Path::new("/bin/bash").exists() {
        "/bin/bash"
    } else {
        "/bin/sh"
    }
}

/// Set in the reaper's environment: the nextest runner it waits for, as `<pid>:<start time>`.
const WATCH_ENV: &str = "KUTTL_RS_REAPER_WATCH";
/// How long the reaper may take once the runner has ended (waiting for other machines, after
/// hooks), in seconds.
const TIMEOUT_ENV: &str = "KUTTL_REAPER_TIMEOUT_SECONDS";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);

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
    // Through a shell that first closes every descriptor the test process inherited beyond stdio:
    // a wrapper or CI step waiting for a pipe to close must not wait for the reaper.
    let mut command = Command::new(shell());
    command
        .arg("-c")
        .arg(CLOSE_INHERITED_THEN_EXEC)
        .arg(std::env::current_exe().map_err(fail)?)
        .env(REAPER_ENV, dir)
        .env(WATCH_ENV, Process::runner().to_string())
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

/// A process, told apart from a later one that reuses its pid by its start time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Process {
    pid: u32,
    /// Clock ticks after boot (`/proc/<pid>/stat` field 22).
    started: u64,
}

impl Process {
    /// The process `pid`, if it runs.
    #[cfg(target_os = "linux")]
    fn of(pid: u32) -> Option<Self> {
        let (_, started, _) = stat(pid)?;
        Some(Self { pid, started })
    }

    /// The nextest runner this test process runs under: the nearest ancestor named
    /// `cargo-nextest` (a wrapper script or target runner may stand between), else the parent.
    #[cfg(target_os = "linux")]
    fn runner() -> Self {
        let parent = std::os::unix::process::parent_id();
        let mut pid = parent;
        while let Some((ppid, started, name)) = stat(pid) {
            if name == "cargo-nextest" {
                return Self { pid, started };
            }
            if ppid <= 1 {
                break;
            }
            pid = ppid;
        }
        Self::of(parent).unwrap_or(Self {
            pid: parent,
            started: 0,
        })
    }

    /// Whether this very process still runs (not another with its pid).
    fn running(&self) -> bool {
        stat(self.pid).is_some_and(|(_, started, _)| started == self.started)
    }

    /// Returns once this very process has ended: woken through a pidfd (Linux 5.3 and later),
    /// else by looking at its start time every [`POLL`].
    async fn ended(&self) {
        #[cfg(target_os = "linux")]
        if let Some(pidfd) =
            rustix::process::Pid::from_raw(self.pid.cast_signed()).and_then(|pid| {
                rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()).ok()
            })
        {
            // The pidfd names whoever had the pid when it was opened: the watched process only
            // if that one still has its start time now.
            if !self.running() {
                return;
            }
            // A pidfd turns readable when its process exits.
            let exited = tokio::task::spawn_blocking(move || {
                let mut fds = [rustix::event::PollFd::new(
                    &pidfd,
                    rustix::event::PollFlags::IN,
                )];
                loop {
                    match rustix::event::poll(&mut fds, None) {
                        Err(rustix::io::Errno::INTR) => {}
                        other => return other.is_ok(),
                    }
                }
            });
            if exited.await.unwrap_or(false) {
                return;
            }
        }
        while self.running() {
            tokio::time::sleep(POLL).await;
        }
    }
}

impl std::fmt::Display for Process {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.pid, self.started)
    }
}

impl std::str::FromStr for Process {
    type Err = std::num::ParseIntError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (pid, started) = text.split_once(':').unwrap_or((text, "0"));
        Ok(Self {
            pid: pid.parse()?,
            started: started.parse()?,
        })
    }
}

/// A process's parent, start time and name, from `/proc/<pid>/stat`; `None` when it is gone.
fn stat(pid: u32) -> Option<(u32, u64, String)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Fields of a `/proc/<pid>/stat` line: `pid (name) state ppid … starttime …`. The name may hold
/// spaces and parentheses, so the fields after it are counted from its last `)`.
fn parse_stat(text: &str) -> Option<(u32, u64, String)> {
    let name = &text[text.find('(')? + 1..text.rfind(')')?];
    let fields: Vec<&str> = text[text.rfind(')')? + 1..].split_whitespace().collect();
    // After the name: state (3), ppid (4), …, starttime (22).
    let ppid = fields.get(1)?.parse().ok()?;
    let started = fields.get(19)?.parse().ok()?;
    Some((ppid, started, name.to_string()))
}

/// The after hooks of the scopes whose before hook ran (its result file is in `dir`): the
/// suites' in the collection's order, then the collection's.
fn owed<'a>(suites: impl Iterator<Item = &'a str>, dir: &Path) -> Vec<Scope> {
    let mut owed: Vec<Scope> = suites
        .filter(|suite| LockFiles::started(dir, &Scope::BeforeSuite(suite.to_string())))
        .map(|suite| Scope::AfterSuite(suite.to_string()))
        .collect();
    if LockFiles::started(dir, &Scope::BeforeCollection) {
        owed.push(Scope::AfterCollection);
    }
    owed
}

/// The reaper's work; `collection` is the run's, `dir` the run's folder. What it does goes to
/// the log beside the folder (its stdout and stderr go there too, for anything else).
pub(crate) fn run(collection: Collection, dir: &Path) -> ExitCode {
    let watched: Option<Process> = std::env::var(WATCH_ENV)
        .ok()
        .and_then(|text| text.parse().ok());
    let timeout = std::env::var(TIMEOUT_ENV)
        .ok()
        .and_then(|seconds| seconds.parse().ok())
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
    let log = Log::open(dir, watched);
    let state = RunState::new(collection);
    let started = std::time::Instant::now();
    let failed = crate::run::RUNTIME.block_on(async {
        match state.shared_run() {
            None => {
                if let Some(runner) = &watched {
                    runner.ended().await;
                }
                log.runner_ended();
                log.say("the nextest run has ended; running the after hooks owed");
                let suites = state.collection.suites.iter().map(|s| s.name.as_str());
                let owed = owed(suites, dir);
                within(timeout, &log, run_hooks(&state, &owed, &log)).await
            }
            Some(Err(err)) => {
                log.say(&format!(
                    "error: the run shared by several machines: {err}; no after hook ran"
                ));
                true
            }
            Some(Ok(run)) => end_shared_run(&state, run, watched, timeout, &log).await,
        }
    });
    let reported = write_reports(&state, dir, started.elapsed(), &log);
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
fn write_reports(state: &RunState, dir: &Path, elapsed: Duration, log: &Log) -> bool {
    if let Some(records) = records_dir(dir) {
        match state.records.add_saved(&records) {
            Ok(skipped) => {
                for err in skipped {
                    log.say(&format!(
                        "error: {err}; skipped: the tests it holds are missing from the reports"
                    ));
                }
            }
            Err(err) => log.say(&format!("error: {err}")),
        }
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
async fn run_hooks(state: &RunState, owed: &[Scope], log: &Log) -> bool {
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
    watched: Option<Process>,
    timeout: Duration,
    log: &Log,
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
    let renewing = async {
        loop {
            tokio::time::sleep(run.lease_duration() / 3).await;
            match coordinator.renew_machine().await {
                Ok(true) => {}
                Ok(false) => {
                    log.say("this machine's Lease is gone: another machine counted it as gone")
                }
                Err(err) => log.say(&format!("error: renewing this machine's Lease: {err}")),
            }
        }
    };
    if let Some(runner) = watched {
        tokio::select! {
            () = runner.ended() => {}
            () = renewing => {}
        }
    }
    log.runner_ended();
    within(timeout, log, take_turn(state, &coordinator, log)).await
}

/// This machine's tests have ended: it says so in its Lease, waits for the run's other machines
/// and, if it is the first to see them all ended, runs the after hooks owed anywhere and deletes
/// the run's Leases. Whether it failed.
async fn take_turn(state: &RunState, coordinator: &Coordinator<KubeLeases>, log: &Log) -> bool {
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

/// Where the reaper says what it does: its log file, and the nextest runner's stderr until the
/// runner has ended. It lets go of that stderr then (a terminal, or a CI step's pipe, which would
/// stay open, and the step with it, while the reaper holds it).
struct Log(std::sync::Mutex<LogTargets>);

struct LogTargets {
    file: Box<dyn Write + Send>,
    path: PathBuf,
    runner: Option<std::fs::File>,
}

impl Log {
    fn open(dir: &Path, watched: Option<Process>) -> Self {
        let file: Box<dyn Write + Send> = match std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log_path(dir))
        {
            Ok(file) => Box::new(file),
            Err(_) => Box::new(std::io::stderr()),
        };
        let runner = watched.and_then(|runner| {
            std::fs::OpenOptions::new()
                .append(true)
                .open(format!("/proc/{}/fd/2", runner.pid))
                .ok()
        });
        Self(std::sync::Mutex::new(LogTargets {
            file,
            path: log_path(dir),
            runner,
        }))
    }

    /// The runner has ended: points its stderr at the log, and lets go of it.
    fn runner_ended(&self) {
        let mut targets = self.lock();
        if let Some(mut runner) = targets.runner.take() {
            let _ = writeln!(
                runner,
                "kuttl-rs after hooks: the nextest run has ended; they run now, their log: {}",
                targets.path.display()
            );
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LogTargets> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes `line`, timed, to the log and the runner's stderr.
    fn say(&self, line: &str) {
        let time = chrono::Utc::now().format("%H:%M:%S%.3f");
        let mut targets = self.lock();
        let _ = writeln!(targets.file, "{time} {line}");
        if let Some(runner) = &mut targets.runner
            && writeln!(runner, "kuttl-rs after hooks: {line}").is_err()
        {
            targets.runner = None;
        }
    }
}

/// `work`'s outcome (whether it failed), or a failure when it takes longer than `timeout`: it is
/// stopped then, the commands it started killed with it.
async fn within(timeout: Duration, log: &Log, work: impl Future<Output = bool>) -> bool {
    match tokio::time::timeout(timeout, work).await {
        Ok(failed) => failed,
        Err(_) => {
            log.say(&format!(
                "error: the reaper ran out of time ({} s after the nextest run ended, {TIMEOUT_ENV}); it stops",
                timeout.as_secs()
            ));
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn after_hooks_are_owed_where_the_test_processes_ran_before_hooks_suites_first() {
        use super::super::run_once::{RunOnce, Shared};
        let dir = tempfile::tempdir().unwrap();
        assert!(owed(["core", "hooks"].into_iter(), dir.path()).is_empty());
        // As the test processes run them: through their lock files.
        let scopes = [
            Scope::BeforeSuite("hooks".into()),
            Scope::BeforeCollection,
            Scope::BeforeSuite("core".into()),
        ];
        let files = LockFiles::new(dir.path().into());
        let ran = || -> Shared<'_> { Box::pin(async { Ok(Ok(())) }) };
        for scope in &scopes {
            files.run_once(scope, &ran).await.unwrap().unwrap();
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
    fn a_stat_line_gives_parent_start_time_and_name_whatever_the_name_holds() {
        let line =
            "4242 (cargo-nextest) S 17 4242 17 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1 2\n";
        assert_eq!(
            parse_stat(line),
            Some((17, 987654, "cargo-nextest".to_string()))
        );
        let odd = "7 (a) b (c) R 3 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 55 1 2";
        assert_eq!(parse_stat(odd), Some((3, 55, "a) b (c".to_string())));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn a_process_is_told_apart_from_a_later_one_with_its_pid() {
        let me = Process::of(std::process::id()).unwrap();
        assert!(me.running());
        assert_eq!(me.to_string().parse::<Process>(), Ok(me));
        let reused = Process {
            started: me.started + 1,
            ..me
        };
        assert!(!reused.running());
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = Process::of(child.id()).unwrap();
        child.wait().unwrap();
        assert!(!gone.running());
    }

    #[tokio::test]
    async fn the_runner_is_seen_to_end_through_its_pidfd_even_before_it_is_reaped() {
        let mut child = std::process::Command::new("sleep")
            .arg("0.3")
            .spawn()
            .unwrap();
        let runner = Process::of(child.id()).unwrap();
        // Unreaped, the ended child stays in `/proc` as a zombie with its start time: only the
        // pidfd tells that it has exited.
        let ended = tokio::time::timeout(Duration::from_secs(20), runner.ended()).await;
        assert!(ended.is_ok(), "the reaper did not see the runner end");
        assert!(runner.running(), "reaped before its end was seen");
        child.wait().unwrap();

        let me = Process::of(std::process::id()).unwrap();
        let reused = Process {
            started: me.started + 1,
            ..me
        };
        let ended = tokio::time::timeout(Duration::from_secs(20), reused.ended()).await;
        assert!(
            ended.is_ok(),
            "a pid taken by another process counts as ended"
        );
    }

    #[test]
    fn the_reaper_starts_without_the_descriptors_its_test_process_inherited() {
        // fds 7 and 12 stand for a wrapper's pipe the test process inherited.
        let output = Command::new(shell())
            .arg("-c")
            .arg(format!(
                "exec 7</dev/null 12</dev/null; {CLOSE_INHERITED_THEN_EXEC}"
            ))
            .args(["/bin/ls", "/proc/self/fd"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let open: Vec<String> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        // stdio, and the folder ls reads.
        assert_eq!(open, ["0", "1", "2", "3"]);
    }

    #[test]
    fn the_log_sits_beside_the_run_folder() {
        assert_eq!(
            log_path(Path::new("/tmp/kuttl-rs-1234")),
            Path::new("/tmp/kuttl-rs-1234.log")
        );
    }
}
