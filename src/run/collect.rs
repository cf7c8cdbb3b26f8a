//! Collectors (`TestAssert.collectors`, spec §2.6): commands run when a step's assert window fails,
//! whose output goes into the failure message and the test's log. Their failures never fail anything.

use std::collections::HashMap;
use std::time::Duration;

use tokio::process::Command;

use super::command::{self, environment};
use super::test_state::Session;
use crate::config::TestCollector;

/// Runs every valid collector; returns their output, or `None` when there are none.
pub(crate) async fn collect(
    ctx: &Session<'_>,
    collectors: &[TestCollector],
    scope: &str,
) -> Option<String> {
    if collectors.is_empty() {
        return None;
    }
    let env = environment(ctx);
    let mut out = String::new();
    for collector in collectors {
        let argv = match argv(collector, &env, &ctx.test.namespace) {
            Ok(argv) => argv,
            Err(reason) => {
                ctx.test.log.line(
                    scope,
                    &format!("skipping invalid assertion collector: {reason}"),
                );
                continue;
            }
        };
        ctx.test
            .log
            .line(scope, &format!("collecting log output for {argv:?}"));
        let mut command = Command::new(&argv[0]);
        command
            .args(&argv[1..])
            .envs(environment(ctx))
            .current_dir(&ctx.test.dir)
            .kill_on_drop(true);
        let timeout = Duration::from_secs(u64::try_from(ctx.test.step_timeout).unwrap_or(0).max(1));
        let output = match tokio::time::timeout(timeout, command.output()).await {
            Ok(Ok(output)) => format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
            Ok(Err(err)) => format!("(could not run: {err})\n"),
            Err(_) => format!("(still running after {}s; stopped)\n", timeout.as_secs()),
        };
        ctx.test.log.line(scope, &output);
        out.push_str(&format!("$ {}\n{output}", argv.join(" ")));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Some(out)
}

/// The command KUTTL runs for a collector.
fn argv(
    collector: &TestCollector,
    env: &HashMap<String, String>,
    test_namespace: &str,
) -> Result<Vec<String>, String> {
    let kind = match collector.collector_type.to_ascii_lowercase().as_str() {
        "" if !collector.command.is_empty() => "command",
        "" => "pod",
        other => match other {
            "pod" | "command" | "events" => other,
            _ => {
                return Err(format!(
                    "unknown type {:?} (pod, command or events)",
                    collector.collector_type
                ));
            }
        },
    }
    .to_string();
    let namespace = if collector.namespace.is_empty() {
        test_namespace
    } else {
        &collector.namespace
    }
    .to_string();
    match kind.as_str() {
        "pod" => {
            if collector.pod.is_empty() && collector.selector.is_empty() {
                return Err("a pod collector needs pod or selector".into());
            }
            if !collector.command.is_empty() {
                return Err("a pod collector takes no command".into());
            }
            let mut argv = vec!["kubectl".to_string(), "logs".into(), "--prefix".into()];
            if !collector.pod.is_empty() {
                argv.push(collector.pod.clone());
            }
            if !collector.selector.is_empty() {
                argv.extend(["-l".into(), collector.selector.clone()]);
            }
            argv.extend(["-n".into(), namespace]);
            if collector.container.is_empty() {
                argv.push("--all-containers".into());
            } else {
                argv.extend(["-c".into(), collector.container.clone()]);
            }
            let tail = match collector.tail {
                0 if !collector.selector.is_empty() => 10,
                0 => -1,
                tail => tail,
            };
            argv.push(format!("--tail={tail}"));
            Ok(argv)
        }
        "events" => {
            if !collector.selector.is_empty()
                || !collector.container.is_empty()
                || !collector.command.is_empty()
            {
                return Err("an events collector takes no selector, container or command".into());
            }
            let mut argv = vec!["kubectl".to_string(), "get".into(), "events".into()];
            if !collector.pod.is_empty() {
                argv.push(collector.pod.clone());
            }
            argv.extend(["-n".into(), namespace]);
            Ok(argv)
        }
        _ => {
            if !collector.pod.is_empty()
                || !collector.namespace.is_empty()
                || !collector.container.is_empty()
                || !collector.selector.is_empty()
            {
                return Err(
                    "a command collector takes no pod, namespace, container or selector".into(),
                );
            }
            // Expanded and split as any KUTTL command, with the same environment.
            let command = crate::config::Command {
                command: collector.command.clone(),
                ..crate::config::Command::default()
            };
            command::argv(&command, env, test_namespace).map_err(|err| err.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn env() -> HashMap<String, String> {
        HashMap::from([("NAMESPACE".to_string(), "ns".to_string())])
    }

    fn collector(
        kind: &str,
        pod: &str,
        selector: &str,
        container: &str,
        tail: i64,
        command: &str,
    ) -> TestCollector {
        TestCollector {
            collector_type: kind.into(),
            pod: pod.into(),
            selector: selector.into(),
            container: container.into(),
            tail,
            command: command.into(),
            ..TestCollector::default()
        }
    }

    #[rstest]
    #[case::pod(
        collector("", "web-0", "", "", 0, ""),
        "kubectl logs --prefix web-0 -n ns --all-containers --tail=-1"
    )]
    #[case::selector(
        collector("pod", "", "app=web", "nginx", 0, ""),
        "kubectl logs --prefix -l app=web -n ns -c nginx --tail=10"
    )]
    #[case::tail(
        collector("Pod", "web-0", "", "", 5, ""),
        "kubectl logs --prefix web-0 -n ns --all-containers --tail=5"
    )]
    #[case::events(collector("events", "", "", "", 0, ""), "kubectl get events -n ns")]
    #[case::command(
        collector("", "", "", "", 0, "kubectl get pods -n $NAMESPACE"),
        "kubectl get pods -n ns"
    )]
    fn builds_kuttls_commands(#[case] collector: TestCollector, #[case] expected: &str) {
        assert_eq!(argv(&collector, &env(), "ns").unwrap().join(" "), expected);
    }

    #[rstest]
    #[case(
        collector("pod", "", "", "", 0, ""),
        "a pod collector needs pod or selector"
    )]
    #[case(
        collector("events", "", "app=x", "", 0, ""),
        "an events collector takes no selector, container or command"
    )]
    #[case(
        collector("command", "web-0", "", "", 0, "ls"),
        "a command collector takes no pod, namespace, container or selector"
    )]
    #[case(
        collector("logs", "web-0", "", "", 0, ""),
        "unknown type \"logs\" (pod, command or events)"
    )]
    fn rejects_invalid_collectors(#[case] collector: TestCollector, #[case] expected: &str) {
        assert_eq!(argv(&collector, &env(), "ns").unwrap_err(), expected);
    }
}
