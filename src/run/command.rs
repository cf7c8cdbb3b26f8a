//! Running KUTTL commands (spec §4.6): `command` is `$VAR`-expanded and split shell-like, `script`
//! runs under `sh -c`; both get `NAMESPACE`, `KUBECONFIG` and `PATH` with `./bin` first, run in the
//! test folder, and log their output to the test's log. Background commands are kept and killed
//! when the test ends. Each command runs in a process group of its own (`process`): a timeout, an
//! interruption or the end of the test kills what it started too.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use super::error::CommandError;
use super::log::TestLog;
use super::process::Process;
use super::test_state::{Session, TestState};
use crate::config::Command;
use crate::expand::expand;

const DRAIN_LIMIT: Duration = Duration::from_secs(2);

/// How long a command may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    Seconds(u64),
    None,
}

impl Limit {
    /// KUTTL's rule: a positive `timeout` replaces the inherited seconds, a negative one means no
    /// limit, and an inherited `0` means no limit.
    pub(crate) fn resolve(inherited: i64, own: i64) -> Self {
        let seconds = if own != 0 { own } else { inherited };
        u64::try_from(seconds)
            .ok()
            .filter(|&s| s > 0)
            .map_or(Self::None, Self::Seconds)
    }
}

/// Runs `commands` in order; the first failure not ignored stops the rest.
pub(crate) async fn run_all(
    ctx: &Session<'_>,
    commands: &[Command],
    inherited_timeout: i64,
    scope: &str,
) -> Result<(), CommandError> {
    for (position, command) in commands.iter().enumerate() {
        if let Err(err) = run(
            ctx,
            command,
            Limit::resolve(inherited_timeout, command.timeout),
            scope,
        )
        .await
        {
            let skipped = commands.len() - position - 1;
            if skipped > 0 {
                ctx.test.log.line(
                    scope,
                    &format!("command failure, skipping {skipped} additional commands"),
                );
            }
            return Err(err);
        }
    }
    Ok(())
}

/// Runs one command.
pub(crate) async fn run(
    ctx: &Session<'_>,
    command: &Command,
    limit: Limit,
    scope: &str,
) -> Result<(), CommandError> {
    let env = environment(ctx);
    let argv = argv(command, &env, &ctx.test.namespace)?;
    let summary = summary(command);
    // As written, before `$VAR` expansion: a value passed through the environment is not logged.
    let written = match command.script.is_empty() {
        true => format!("running command: {}", command.command),
        false => format!("running script: {summary}"),
    };
    ctx.test.log.line(scope, &written);
    let mut process = tokio::process::Command::new(&argv[0]);
    process
        .args(&argv[1..])
        .envs(&env)
        .current_dir(&ctx.test.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Process::spawn(&mut process).map_err(|err| CommandError::Start {
        summary: summary.clone(),
        reason: err.to_string(),
    })?;
    let output = stream_output(&mut child, &ctx.test.log, scope, command.skip_log_output);
    if command.background {
        ctx.test
            .log
            .line(scope, "running in the background until the test ends");
        ctx.test
            .background
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(child);
        tokio::spawn(output);
        return Ok(());
    }
    let waited = match limit {
        Limit::Seconds(seconds) => {
            tokio::time::timeout(Duration::from_secs(seconds), child.wait()).await
        }
        Limit::None => Ok(child.wait().await),
    };
    let status = match waited {
        Ok(status) => status.map_err(|err| CommandError::Wait {
            summary: summary.clone(),
            reason: err.to_string(),
        })?,
        Err(_) => {
            let _ = child.kill().await;
            drain(output, &ctx.test.log, scope).await;
            let seconds = match limit {
                Limit::Seconds(seconds) => seconds,
                Limit::None => 0,
            };
            return ignore_or_fail(
                ctx,
                command,
                scope,
                CommandError::Timeout { summary, seconds },
            );
        }
    };
    drain(output, &ctx.test.log, scope).await;
    if status.success() {
        return Ok(());
    }
    let status = status.code().map_or_else(
        || "killed by a signal".to_string(),
        |code| format!("exit status {code}"),
    );
    ignore_or_fail(
        ctx,
        command,
        scope,
        CommandError::Failed { summary, status },
    )
}

/// Waits for the output of a process that has ended; a process it left behind may hold the pipes
/// open, so the wait is bounded instead of hanging the step.
async fn drain(output: impl std::future::Future<Output = ()>, log: &TestLog, scope: &str) {
    if tokio::time::timeout(DRAIN_LIMIT, output).await.is_err() {
        log.line(
            scope,
            "output still open after the command ended (a process it started?); no longer read",
        );
    }
}

fn ignore_or_fail(
    ctx: &Session<'_>,
    command: &Command,
    scope: &str,
    failure: CommandError,
) -> Result<(), CommandError> {
    if command.ignore_failure {
        ctx.test.log.line(scope, &format!("{failure} (ignored)"));
        Ok(())
    } else {
        Err(failure)
    }
}

/// The process environment plus `NAMESPACE`, `KUBECONFIG` and `PATH` with `<cwd>/bin` first.
pub(crate) fn environment(ctx: &Session<'_>) -> HashMap<String, String> {
    let mut env: HashMap<String, String> = std::env::vars().collect();
    env.insert("NAMESPACE".into(), ctx.test.namespace.clone());
    if let Some(kubeconfig) = &ctx.connection.kubeconfig {
        env.insert("KUBECONFIG".into(), kubeconfig.display().to_string());
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = env.get("PATH").cloned().unwrap_or_default();
    env.insert(
        "PATH".into(),
        format!("{}/:{path}", cwd.join("bin").display()),
    );
    env
}

/// The argv of a command: `sh -c <script>`, or the expanded, split `command` (plus
/// `--namespace <ns>` when `namespaced` and not already given).
pub(crate) fn argv(
    command: &Command,
    env: &HashMap<String, String>,
    namespace: &str,
) -> Result<Vec<String>, CommandError> {
    if !command.script.is_empty() {
        return Ok(vec!["sh".into(), "-c".into(), command.script.clone()]);
    }
    let expanded = expand(&command.command, |name| env.get(name).cloned());
    let mut argv = shell_words::split(&expanded).map_err(|err| CommandError::Unparsable {
        command: command.command.clone(),
        reason: err.to_string(),
    })?;
    if argv.is_empty() {
        return Err(CommandError::Empty(command.command.clone()));
    }
    let has_namespace = argv.iter().any(|arg| {
        arg == "-n"
            || arg == "--namespace"
            || arg.starts_with("--namespace=")
            || (arg.starts_with("-n") && arg.len() > 2 && !arg.starts_with("--"))
    });
    if command.namespaced && !has_namespace {
        argv.extend(["--namespace".to_string(), namespace.to_string()]);
    }
    Ok(argv)
}

/// KUTTL's short form of a command for messages: the command string, or a script's meaningful
/// lines joined with `\n `, at most 70 characters.
pub(crate) fn summary(command: &Command) -> String {
    if command.script.is_empty() {
        return command.command.clone();
    }
    let mut lines: Vec<&str> = command
        .script
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    if lines.first().is_some_and(|line| line.starts_with("set -")) {
        lines.remove(0);
    }
    let joined = lines.join("\\n ");
    if joined.chars().count() > 70 {
        format!("{}...", joined.chars().take(67).collect::<String>())
    } else {
        joined
    }
}

/// Copies the child's stdout and stderr into the log, line by line, until both close.
fn stream_output(
    child: &mut Process,
    log: &TestLog,
    scope: &str,
    skip: bool,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let (stdout, stderr) = child.take_output();
    let (log, scope) = (log.clone(), scope.to_string());
    async move {
        let out = copy_lines(stdout, log.clone(), scope.clone(), skip);
        let err = copy_lines(stderr, log, scope, skip);
        futures::join!(out, err);
    }
}

async fn copy_lines(pipe: Option<impl AsyncRead + Unpin>, log: TestLog, scope: String, skip: bool) {
    let Some(pipe) = pipe else {
        return;
    };
    let mut lines = BufReader::new(pipe).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if !skip {
            log.line(&scope, &line);
        }
    }
}

/// Kills and reaps every background command of the test, with what it started; returns how many
/// there were.
pub(crate) async fn stop_background(ctx: &TestState) -> usize {
    let children = std::mem::take(
        &mut *ctx
            .background
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    let stopped = children.len();
    for mut child in children {
        let _ = child.kill().await;
        ctx.log.line("cleanup", "background command stopped");
    }
    stopped
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case(30, 0, Limit::Seconds(30))]
    #[case(30, 5, Limit::Seconds(5))]
    #[case(30, -1, Limit::None)]
    #[case(0, 0, Limit::None)]
    #[case(0, 7, Limit::Seconds(7))]
    fn resolves_timeouts_like_kuttl(
        #[case] inherited: i64,
        #[case] own: i64,
        #[case] expected: Limit,
    ) {
        assert_eq!(Limit::resolve(inherited, own), expected);
    }

    #[rstest]
    #[case("kubectl get pods", false, &["kubectl", "get", "pods"])]
    #[case("kubectl get pods", true, &["kubectl", "get", "pods", "--namespace", "ns1"])]
    #[case("kubectl get pods -n other", true, &["kubectl", "get", "pods", "-n", "other"])]
    #[case("kubectl get pods --namespace=other", true, &["kubectl", "get", "pods", "--namespace=other"])]
    #[case("echo '$NAMESPACE' \"a b\" $NAMESPACE", false, &["echo", "ns1", "a b", "ns1"])]
    fn builds_argv(#[case] line: &str, #[case] namespaced: bool, #[case] expected: &[&str]) {
        let command = Command {
            command: line.into(),
            namespaced,
            ..Command::default()
        };
        let env = HashMap::from([("NAMESPACE".to_string(), "ns1".to_string())]);
        assert_eq!(argv(&command, &env, "ns1").unwrap(), expected);
    }

    #[rstest]
    #[case(
        "set -e\n# comment\n\necho one\n  echo two  \n",
        "echo one\\n echo two"
    )]
    #[case(&"x".repeat(80), &format!("{}...", "x".repeat(67)))]
    fn summarizes_scripts(#[case] script: &str, #[case] expected: &str) {
        let command = Command {
            script: script.into(),
            ..Command::default()
        };
        assert_eq!(summary(&command), expected);
    }

    #[tokio::test]
    async fn a_command_is_logged_as_written_and_its_output_not_when_skipped() {
        let api = crate::run::fake_api::FakeApi::start(|_, _| (404, serde_json::json!({}))).await;
        let ctx = api.test_state("kuttl-test-hidden-value", true, false, 5);
        let command = Command {
            command: "echo $NAMESPACE".into(),
            skip_log_output: true,
            ..Command::default()
        };

        run(&ctx.session(), &command, Limit::Seconds(5), "step")
            .await
            .unwrap();

        let log = ctx.log.text();
        assert!(log.contains("running command: echo $NAMESPACE"), "{log}");
        assert!(!log.contains("kuttl-test-hidden-value"), "{log}");
    }

    /// A script that starts a grandchild, `sleep 1000 &`, writes its pid into `pid_file` and
    /// then waits itself.
    #[cfg(target_os = "linux")]
    fn leaving_a_grandchild(pid_file: &std::path::Path, background: bool) -> Command {
        Command {
            script: format!("sleep 1000 & echo $! > {}; sleep 1000", pid_file.display()),
            background,
            ..Command::default()
        }
    }

    /// The pid the script wrote, once it has.
    #[cfg(target_os = "linux")]
    async fn grandchild(pid_file: &std::path::Path) -> u32 {
        for _ in 0..40 {
            let written = std::fs::read_to_string(pid_file).unwrap_or_default();
            if let Ok(pid) = written.trim().parse() {
                return pid;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the script wrote no pid into {}", pid_file.display());
    }

    /// Waits up to 2 s for `pid` to be gone (a zombie counts: it no longer runs); kills it
    /// before failing so that a failed test leaves nothing behind.
    #[cfg(target_os = "linux")]
    async fn assert_gone(pid: u32) {
        let running = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .is_ok_and(|stat| !stat.rsplit(')').next().unwrap_or("").starts_with(" Z"))
        };
        for _ in 0..40 {
            if !running() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
        panic!("the command's grandchild {pid} still runs");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_timed_out_command_is_killed_with_the_processes_it_started() {
        let api = crate::run::fake_api::FakeApi::start(|_, _| (404, serde_json::json!({}))).await;
        let ctx = api.test_state("ns1", true, false, 5);
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");

        let result = run(
            &ctx.session(),
            &leaving_a_grandchild(&pid_file, false),
            Limit::Seconds(1),
            "step",
        )
        .await;

        assert!(
            matches!(result, Err(CommandError::Timeout { seconds: 1, .. })),
            "{result:?}"
        );
        assert_gone(grandchild(&pid_file).await).await;
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_dropped_command_is_killed_with_the_processes_it_started() {
        let api = crate::run::fake_api::FakeApi::start(|_, _| (404, serde_json::json!({}))).await;
        let ctx = api.test_state("ns1", true, false, 5);
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        let command = leaving_a_grandchild(&pid_file, false);
        let session = ctx.session();

        // As an interrupted test drops its step.
        let running = run(&session, &command, Limit::None, "step");
        let dropped = tokio::time::timeout(Duration::from_secs(1), running).await;

        assert!(dropped.is_err(), "the command ended by itself: {dropped:?}");
        assert_gone(grandchild(&pid_file).await).await;
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn a_stopped_background_command_is_killed_with_the_processes_it_started() {
        let api = crate::run::fake_api::FakeApi::start(|_, _| (404, serde_json::json!({}))).await;
        let ctx = api.test_state("ns1", true, false, 5);
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("pid");
        run(
            &ctx.session(),
            &leaving_a_grandchild(&pid_file, true),
            Limit::Seconds(1),
            "step",
        )
        .await
        .unwrap();
        let pid = grandchild(&pid_file).await;

        assert_eq!(stop_background(&ctx).await, 1);
        assert_gone(pid).await;
    }
}
