//! `command` and `script` (Chainsaw's `engine/operations/{command,script}`): the process runs in
//! the test folder with the process environment, `env` bindings, `NAMESPACE` and the test's
//! `KUBECONFIG`, in a process group of its own (killed with what it started on timeout). Its
//! output binds `$stdout` and `$stderr`, its failure `$error` (Go's `exit status N`). Without
//! `check`, a failure fails the operation; with one, the check alone decides.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncReadExt;

use super::super::api;
use super::super::expression::Bindings;
use super::super::model::Operation;
use super::super::tree;
use super::bindings;
use super::resource::output;
use super::scope::Scope;

/// Captured output beyond this is cut: a runaway command cannot exhaust memory.
const OUTPUT_LIMIT: u64 = 4 << 20;

/// What to start, and the settings `command`, `script` and the kubectl-backed operations share.
pub(super) struct Exec<'a> {
    pub argv: Vec<String>,
    pub env: &'a [api::Binding],
    pub bindings: &'a [api::Binding],
    pub check: Option<&'a Value>,
    pub outputs: &'a [api::Output],
    /// How long the process may run.
    pub limit: Duration,
    pub work_dir: Option<&'a str>,
    /// Keep its output out of the log.
    pub skip_log_output: bool,
    /// Keep the command line out of the log.
    pub skip_command_output: bool,
}

/// Runs a `command`.
pub(super) async fn command(
    scope: &Scope<'_>,
    op: &Operation,
    command: &api::Command,
    bindings: &Bindings,
) -> Result<Vec<(String, Value)>, String> {
    let mut argv = vec![command.entrypoint.clone()];
    argv.extend(command.args.iter().cloned());
    run(
        scope,
        op,
        Exec {
            argv,
            env: &command.env,
            bindings: &command.bindings,
            check: command.check.as_ref(),
            outputs: &command.outputs,
            limit: scope.timeout(|t| t.exec, command.timeout.as_deref()),
            work_dir: command.work_dir.as_deref(),
            skip_log_output: command.skip_log_output,
            skip_command_output: command.skip_command_output,
        },
        bindings,
        true,
    )
    .await
}

/// Runs a `script`: `<shell> <shellArgs> <content>`, `sh -c` by default.
pub(super) async fn script(
    scope: &Scope<'_>,
    op: &Operation,
    script: &api::Script,
    bindings: &Bindings,
) -> Result<Vec<(String, Value)>, String> {
    let mut argv = vec![script.shell.clone().unwrap_or_else(|| "sh".into())];
    argv.extend(
        script
            .shell_args
            .clone()
            .unwrap_or_else(|| vec!["-c".into()]),
    );
    argv.push(script.content.clone());
    run(
        scope,
        op,
        Exec {
            argv,
            env: &script.env,
            bindings: &script.bindings,
            check: script.check.as_ref(),
            outputs: &script.outputs,
            limit: scope.timeout(|t| t.exec, script.timeout.as_deref()),
            work_dir: script.work_dir.as_deref(),
            skip_log_output: script.skip_log_output,
            skip_command_output: script.skip_command_output,
        },
        bindings,
        false,
    )
    .await
}

/// Runs a process; `expand_args` expands `$VAR` in its arguments from its environment.
pub(super) async fn run(
    scope: &Scope<'_>,
    op: &Operation,
    exec: Exec<'_>,
    bindings: &Bindings,
    expand_args: bool,
) -> Result<Vec<(String, Value)>, String> {
    let expressions = scope.expressions();
    let bindings = bindings::register(expressions, bindings.clone(), exec.bindings)?;
    let mut own_env: HashMap<String, String> = HashMap::new();
    for env in exec.env {
        let name = bindings::string(expressions, &env.name, &bindings)?;
        let value = match bindings::template(expressions, &env.value, &Value::Null, &bindings)? {
            Value::String(text) => text,
            _ => return Err(format!("value must be a string ({})", env.name)),
        };
        own_env.insert(name, value);
    }
    own_env
        .entry("NAMESPACE".into())
        .or_insert_with(|| scope.test.namespace.clone());
    let mut argv = exec.argv;
    if expand_args {
        for arg in argv.iter_mut().skip(1) {
            *arg = gostd::expand(arg, |name| own_env.get(name).cloned());
        }
    }
    let mut process = tokio::process::Command::new(&argv[0]);
    process
        .args(&argv[1..])
        .envs(&own_env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(kubeconfig) = &scope.connection().kubeconfig {
        process.env("KUBECONFIG", kubeconfig);
    }
    let dir = match exec.work_dir {
        Some(dir) => scope.chainsaw.dir.join(dir),
        None => scope.chainsaw.dir.clone(),
    };
    process.current_dir(dir);
    let (label, what) = (scope.step_label(), op.label());
    if !exec.skip_command_output {
        scope
            .test
            .log
            .line(&label, &format!("{what}: {}", argv.join(" ")));
    }
    let mut child = crate::run::Process::spawn(&mut process)
        .map_err(|err| format!("cannot start {}: {err}", argv[0]))?;
    let (stdout, stderr) = child.take_output();
    let read_all = |pipe: Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>| async move {
        let mut bytes = Vec::new();
        if let Some(pipe) = pipe {
            let _ = pipe.take(OUTPUT_LIMIT).read_to_end(&mut bytes).await;
        }
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let limit = exec.limit;
    let outputs = futures::future::join(
        read_all(stdout.map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>)),
        read_all(stderr.map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>)),
    );
    let waited = tokio::time::timeout(limit, async {
        let (out, err) = outputs.await;
        (out, err, child.wait().await)
    })
    .await;
    let (stdout, stderr, error) = match waited {
        Ok((stdout, stderr, Ok(status))) if status.success() => (stdout, stderr, None),
        Ok((stdout, stderr, Ok(status))) => {
            let error = match status.code() {
                Some(code) => format!("exit status {code}"),
                None => format!("signal: {status}"),
            };
            (stdout, stderr, Some(error))
        }
        Ok((stdout, stderr, Err(err))) => (stdout, stderr, Some(err.to_string())),
        Err(_) => (
            String::new(),
            String::new(),
            Some(format!("timed out after {}s: killed", limit.as_secs_f64())),
        ),
    };
    if !exec.skip_log_output {
        for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
            if !text.is_empty() {
                scope
                    .test
                    .log
                    .line(&label, &format!("{what} {stream}:\n{text}"));
            }
        }
    }
    let bindings = bindings
        .with("$stdout", Value::from(stdout))
        .with("$stderr", Value::from(stderr))
        .with("$error", error.clone().map_or(Value::Null, Value::from));
    match (exec.check, &error) {
        (None, Some(error)) => return Err(error.clone()),
        (None, None) => {}
        (Some(check), _) => {
            let failures = tree::check(check, &Value::Null, &bindings, expressions)
                .map_err(|err| err.to_string())?;
            if !failures.is_empty() {
                let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
                return Err(lines.join("\n"));
            }
        }
    }
    let mut produced = Vec::new();
    for entry in exec.outputs {
        produced.extend(output(expressions, entry, &Value::Null, &bindings)?);
    }
    Ok(produced)
}
