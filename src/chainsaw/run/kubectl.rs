//! `wait`, `get`, `describe`, `events`, `podLogs` and `proxy`: Chainsaw runs each as a `kubectl`
//! command (`pkg/engine/kubectl/*.go`) with the exec timeout, its output going to the log. The
//! arguments are Chainsaw's; `$NAMESPACE` is expanded from the command's environment.

use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use serde_json::{Value, json};

use super::super::api;
use super::super::expression::Bindings;
use super::super::model::{Action, Operation};
use super::bindings;
use super::exec::{self, Exec};
use super::scope::Scope;

/// `wait` gets this beyond the `--timeout` it passes to kubectl, as Chainsaw gives it.
const WAIT_GRACE: Duration = Duration::from_secs(30);

/// Which objects an operation names; every field may be an expression.
struct Objects<'a> {
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: Option<&'a str>,
    selector: Option<&'a str>,
}

/// Runs a kubectl-backed operation; `Ok` holds its outputs (only `proxy` has some).
pub(super) async fn run(
    scope: &Scope<'_>,
    op: &Operation,
    bindings: &Bindings,
) -> Result<Vec<(String, Value)>, String> {
    let string = |written: &str| bindings::string(scope.expressions(), written, bindings);
    let (argv, limit, outputs): (Vec<String>, Duration, &[api::Output]) = match &op.action {
        Action::Get(get) => {
            let selected = Objects {
                api_version: &get.api_version,
                kind: &get.kind,
                namespace: get.namespace.as_deref(),
                name: get.name.as_deref(),
                selector: get.selector.as_deref(),
            };
            let mut argv = objects(scope, "get", &selected, bindings).await?;
            remember_secrets(scope, &argv).await;
            push_format(&mut argv, get.format.as_deref(), &string)?;
            (argv, exec_limit(scope, get.timeout.as_deref()), &[])
        }
        Action::Events(events) => {
            let selected = Objects {
                api_version: "v1",
                kind: "Event",
                namespace: events.namespace.as_deref(),
                name: events.name.as_deref(),
                selector: events.selector.as_deref(),
            };
            let mut argv = objects(scope, "get", &selected, bindings).await?;
            push_format(&mut argv, events.format.as_deref(), &string)?;
            (argv, exec_limit(scope, events.timeout.as_deref()), &[])
        }
        Action::Describe(describe) => {
            let selected = Objects {
                api_version: &describe.api_version,
                kind: &describe.kind,
                namespace: describe.namespace.as_deref(),
                name: describe.name.as_deref(),
                selector: describe.selector.as_deref(),
            };
            let mut argv = objects(scope, "describe", &selected, bindings).await?;
            if let Some(show) = describe.show_events {
                argv.push(format!("--show-events={show}"));
            }
            (argv, exec_limit(scope, describe.timeout.as_deref()), &[])
        }
        Action::Wait(wait) => {
            let limit = exec_limit(scope, wait.timeout.as_deref());
            (
                wait_argv(scope, wait, limit, bindings).await?,
                limit + WAIT_GRACE,
                &[],
            )
        }
        Action::PodLogs(logs) => (
            logs_argv(logs, &string)?,
            exec_limit(scope, logs.timeout.as_deref()),
            &[],
        ),
        Action::Proxy(proxy) => (
            proxy_argv(scope, proxy, bindings).await?,
            exec_limit(scope, proxy.timeout.as_deref()),
            &proxy.outputs,
        ),
        other => unreachable!("{} is not a kubectl operation", other.kind()),
    };
    let exec = Exec {
        argv,
        env: &[],
        bindings: &[],
        check: None,
        outputs,
        limit,
        work_dir: None,
        skip_log_output: false,
        skip_command_output: false,
    };
    exec::run(scope, op, exec, bindings, true).await
}

/// `kubectl get secrets …` prints Secrets' values: the Secrets it names (`argv`, as
/// [`objects`] builds it) are read through the API first, so that the test's output is scrubbed
/// of their values, in whatever namespace they are. A read that fails is noted in the test's log.
async fn remember_secrets(scope: &Scope<'_>, argv: &[String]) {
    if argv.get(2).map(String::as_str) != Some("secrets") {
        return;
    }
    let (mut name, mut selector) = (None, None);
    let mut namespace = Some(scope.test.namespace.clone());
    let mut args = argv[3..].iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-l" => selector = args.next(),
            "-n" => {
                namespace = args
                    .next()
                    .filter(|ns| *ns != "$NAMESPACE")
                    .cloned()
                    .or(namespace);
            }
            "--all-namespaces" => namespace = None,
            other => name = Some(other),
        }
    }
    let client = scope.connection().client.clone();
    let api: kube::Api<Secret> = match &namespace {
        Some(namespace) => kube::Api::namespaced(client, namespace),
        None => kube::Api::all(client),
    };
    let read = match name {
        Some(name) => api
            .get_opt(name)
            .await
            .map(|found| found.into_iter().collect()),
        None => {
            let params = kube::api::ListParams {
                label_selector: selector.cloned(),
                ..Default::default()
            };
            api.list(&params).await.map(|list| list.items)
        }
    };
    match read {
        Ok(secrets) => {
            for secret in secrets {
                if let Ok(object) = serde_json::to_value(secret) {
                    scope.test.remember_masked(&object);
                }
            }
        }
        Err(err) => scope.test.log.line(
            &scope.step_label(),
            &format!(
                "could not read the Secrets `{}` prints ({err}): their values are not scrubbed",
                argv.join(" ")
            ),
        ),
    }
}

fn exec_limit(scope: &Scope<'_>, own: Option<&str>) -> Duration {
    scope.timeout(|t| t.exec, own)
}

/// `kubectl <verb> <resource> [name | -l selector] [-n namespace | --all-namespaces]`.
async fn objects(
    scope: &Scope<'_>,
    verb: &str,
    objects: &Objects<'_>,
    bindings: &Bindings,
) -> Result<Vec<String>, String> {
    let mut argv = kubectl(&[verb]);
    let (resource, clustered) = resource(scope, objects, bindings).await?;
    argv.push(resource);
    argv.extend(name_or_selector(scope, objects, bindings, None)?);
    if !clustered {
        argv.extend(namespace_args(scope, objects.namespace, bindings)?);
    }
    Ok(argv)
}

async fn wait_argv(
    scope: &Scope<'_>,
    wait: &api::Wait,
    limit: Duration,
    bindings: &Bindings,
) -> Result<Vec<String>, String> {
    let string = |written: &str| bindings::string(scope.expressions(), written, bindings);
    let selected = Objects {
        api_version: &wait.api_version,
        kind: &wait.kind,
        namespace: wait.namespace.as_deref(),
        name: wait.name.as_deref(),
        selector: wait.selector.as_deref(),
    };
    let mut argv = kubectl(&["wait"]);
    let (resource, clustered) = resource(scope, &selected, bindings).await?;
    argv.push(resource);
    let condition = &wait.wait_for;
    argv.push(if condition.deletion.is_some() {
        "--for=delete".to_string()
    } else if condition.creation.is_some() {
        "--for=create".to_string()
    } else if let Some(condition) = &condition.condition {
        let name = string(&condition.name)?;
        if name.is_empty() {
            return Err("a condition name must be specified for condition wait type".into());
        }
        match &condition.value {
            Some(value) => format!("--for=condition={name}={}", string(value)?),
            None => format!("--for=condition={name}"),
        }
    } else if let Some(path) = &condition.json_path {
        let written = string(&path.path)?;
        if written.is_empty() {
            return Err("a path must be specified for jsonpath wait type".into());
        }
        match &path.value {
            Some(value) => {
                let value = string(value)?;
                if value.is_empty() {
                    return Err("a value must be specified for jsonpath wait type".into());
                }
                format!("--for=jsonpath={written}={value}")
            }
            None => format!("--for=jsonpath={written}"),
        }
    } else {
        return Err("either a deletion or a condition must be specified".into());
    });
    argv.extend(name_or_selector(scope, &selected, bindings, Some("--all"))?);
    if !clustered {
        argv.extend(namespace_args(scope, selected.namespace, bindings)?);
    }
    push_format(&mut argv, wait.format.as_deref(), &string)?;
    argv.push("--timeout".into());
    argv.push(gostd::format_duration(limit));
    Ok(argv)
}

fn logs_argv(
    logs: &api::PodLogs,
    string: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Vec<String>, String> {
    let value = |field: Option<&str>| field.map(string).transpose().map(Option::unwrap_or_default);
    let name = value(logs.name.as_deref())?;
    let selector = value(logs.selector.as_deref())?;
    let mut argv = kubectl(&["logs", "--prefix"]);
    match (name.is_empty(), selector.is_empty()) {
        (true, true) => return Err("a name or selector must be specified".into()),
        (false, false) => {
            return Err("name cannot be provided when a selector is specified".into());
        }
        (false, true) => argv.push(name),
        (true, false) => argv.extend(["-l".to_string(), selector]),
    }
    let namespace = value(logs.namespace.as_deref())?;
    argv.push("-n".into());
    argv.push(if namespace.is_empty() {
        "$NAMESPACE".into()
    } else {
        namespace
    });
    let container = value(logs.container.as_deref())?;
    if container.is_empty() {
        argv.push("--all-containers".into());
    } else {
        argv.extend(["-c".to_string(), container]);
    }
    if let Some(tail) = logs.tail {
        argv.extend(["--tail".to_string(), tail.to_string()]);
    }
    Ok(argv)
}

async fn proxy_argv(
    scope: &Scope<'_>,
    proxy: &api::Proxy,
    bindings: &Bindings,
) -> Result<Vec<String>, String> {
    let string = |field: Option<&str>| {
        field
            .map(|written| bindings::string(scope.expressions(), written, bindings))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let selected = Objects {
        api_version: &proxy.api_version,
        kind: &proxy.kind,
        namespace: proxy.namespace.as_deref(),
        name: proxy.name.as_deref(),
        selector: None,
    };
    let (resource, _) = resource(scope, &selected, bindings).await?;
    let (namespace, name) = (
        string(proxy.namespace.as_deref())?,
        string(proxy.name.as_deref())?,
    );
    let (port, path) = (
        string(proxy.port.as_deref())?,
        string(proxy.path.as_deref())?,
    );
    let raw = [
        "/api",
        "v1",
        "namespaces",
        &namespace,
        &resource,
        &format!("{name}:{port}"),
        "proxy",
        &path,
    ]
    .iter()
    .filter(|part| !part.is_empty())
    .map(|part| part.trim_matches('/'))
    .collect::<Vec<_>>()
    .join("/");
    Ok(kubectl(&[
        "get",
        "--raw",
        &format!("/{}", raw.trim_start_matches('/')),
    ]))
}

fn kubectl(args: &[&str]) -> Vec<String> {
    std::iter::once("kubectl")
        .chain(args.iter().copied())
        .map(String::from)
        .collect()
}

/// `name`, or `-l selector`, or `otherwise`; both at once is an error.
fn name_or_selector(
    scope: &Scope<'_>,
    objects: &Objects<'_>,
    bindings: &Bindings,
    otherwise: Option<&str>,
) -> Result<Vec<String>, String> {
    let value = |field: Option<&str>| {
        field
            .map(|written| bindings::string(scope.expressions(), written, bindings))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let (name, selector) = (value(objects.name)?, value(objects.selector)?);
    Ok(match (name.is_empty(), selector.is_empty()) {
        (false, false) => {
            return Err("name cannot be provided when a selector is specified".into());
        }
        (false, true) => vec![name],
        (true, false) => vec!["-l".into(), selector],
        (true, true) => otherwise.map(String::from).into_iter().collect(),
    })
}

/// `-n <namespace>` (the test's, through `$NAMESPACE`, when unset), or `--all-namespaces` for `*`.
fn namespace_args(
    scope: &Scope<'_>,
    namespace: Option<&str>,
    bindings: &Bindings,
) -> Result<Vec<String>, String> {
    let namespace = namespace
        .map(|written| bindings::string(scope.expressions(), written, bindings))
        .transpose()?
        .unwrap_or_default();
    Ok(match namespace.as_str() {
        "*" => vec!["--all-namespaces".into()],
        "" => vec!["-n".into(), "$NAMESPACE".into()],
        _ => vec!["-n".into(), namespace],
    })
}

/// kubectl's name of a kind (`deployments.v1.apps`, or `pods` in the core group) and whether it
/// is cluster-scoped, from the API server's discovery.
async fn resource(
    scope: &Scope<'_>,
    objects: &Objects<'_>,
    bindings: &Bindings,
) -> Result<(String, bool), String> {
    let api_version = bindings::string(scope.expressions(), objects.api_version, bindings)?;
    let kind = bindings::string(scope.expressions(), objects.kind, bindings)?;
    if api_version.is_empty() || kind.is_empty() {
        return Err("failed to map resource, either kind or resource must be specified".into());
    }
    let mut object = json!({"apiVersion": api_version, "kind": kind, "metadata": {}});
    let session = scope.session();
    let target = crate::run::object_target(&session, &mut object)
        .await
        .map_err(|err| err.to_string())?;
    let resource = &target.resource;
    let name = if resource.group.is_empty() {
        resource.plural.clone()
    } else {
        format!(
            "{}.{}.{}",
            resource.plural, resource.version, resource.group
        )
    };
    Ok((name, target.namespace.is_none()))
}

/// `-o <format>` when the operation sets one.
fn push_format(
    argv: &mut Vec<String>,
    format: Option<&str>,
    string: &dyn Fn(&str) -> Result<String, String>,
) -> Result<(), String> {
    if let Some(format) = format.map(string).transpose()?.filter(|f| !f.is_empty()) {
        argv.extend(["-o".to_string(), format]);
    }
    Ok(())
}
