//! The functions Chainsaw's expressions call: go-jmespath's community set, kyverno-json's and
//! kyverno's (from [`go_jmespath`]), and Chainsaw's own (`pkg/engine/functions`): `env`,
//! `trim_space`, `as_string`, `x_metrics_decode`, and the `x_k8s_*` functions, which call the
//! test's cluster.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use jp::{ArgSpec, ArgType, FunctionError, Functions};
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::GroupVersionKind;
use serde_json::Value;

use super::api::Compiler;
use super::expression::Expressions;
use crate::run::TestState;

/// The engines Chainsaw tests evaluate expressions with, without the cluster functions.
pub(crate) fn expressions() -> Expressions {
    let mut functions = Functions::kyverno();
    functions.register("env", vec![ArgSpec::new(&[ArgType::String])], |args| {
        Ok(Value::from(
            std::env::var(text(&args[0])).unwrap_or_default(),
        ))
    });
    functions.register(
        "trim_space",
        vec![ArgSpec::new(&[ArgType::String])],
        |args| Ok(Value::from(text(&args[0]).trim())),
    );
    functions.register("as_string", vec![ArgSpec::new(&[ArgType::Any])], |args| {
        Ok(match &args[0] {
            Value::String(text) => Value::from(text.as_str()),
            _ => Value::Null,
        })
    });
    functions.register(
        "x_metrics_decode",
        vec![ArgSpec::new(&[ArgType::String])],
        |args| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            super::metrics::decode(text(&args[0]), now).map_err(FunctionError::Failed)
        },
    );
    Expressions::new(functions, Compiler::Jp)
}

/// The clients of the named clusters a test has run operations on, by name.
pub(crate) type ClusterClients = Arc<Mutex<HashMap<String, kube::Client>>>;

/// `$client` and `$config` for a cluster (`None`: the run's): opaque handles the `x_k8s_*`
/// functions resolve, `client` or `client/<name>`.
pub(crate) fn handles(cluster: Option<&str>) -> (Value, Value) {
    let suffix = cluster.map(|name| format!("/{name}")).unwrap_or_default();
    (
        Value::from(format!("client{suffix}")),
        Value::from(format!("config{suffix}")),
    )
}

/// What the `x_k8s_*` functions reach: the test (its cluster, and where what they read is
/// remembered for masking) and the named clusters it has run operations on.
#[derive(Clone)]
struct Reachable {
    test: Arc<TestState>,
    named: ClusterClients,
}

impl Reachable {
    /// The client a `$client` or `$config` handle stands for.
    fn client(&self, handle: &Value) -> Result<kube::Client, FunctionError> {
        match handle.as_str().and_then(|handle| handle.split_once('/')) {
            None => Ok(self.test.connection.client.clone()),
            Some((_, name)) => self
                .named
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(name)
                .cloned()
                .ok_or_else(|| FunctionError::Failed(format!("no client for cluster {name:?}"))),
        }
    }
}

/// `expressions` with the `x_k8s_*` functions calling a test's clusters: their first argument
/// (`$client`, `$config`) says which. The objects they read are the test's to mask: a Secret
/// read by an expression is scrubbed from its output.
pub(crate) fn with_cluster(
    expressions: &Expressions,
    test: &Arc<TestState>,
    named: &ClusterClients,
) -> Expressions {
    let reachable = Reachable {
        test: Arc::clone(test),
        named: Arc::clone(named),
    };
    expressions.with_functions(|functions| {
        let any = || ArgSpec::new(&[ArgType::Any]);
        let string = || ArgSpec::new(&[ArgType::String]);
        let r = reachable.clone();
        functions.register(
            "x_k8s_get",
            vec![any(), string(), string(), string(), string()],
            move |args| {
                let api = api_for(&r.client(&args[0])?, &args[1], &args[2], Some(&args[3]))?;
                let object = blocking(api.get(text(&args[4])))?.map_err(failed)?;
                let object = serde_json::to_value(object).map_err(failed)?;
                r.test.remember_masked(&object);
                Ok(object)
            },
        );
        let r = reachable.clone();
        functions.register(
            "x_k8s_exists",
            vec![any(), string(), string(), string(), string()],
            move |args| {
                let api = api_for(&r.client(&args[0])?, &args[1], &args[2], Some(&args[3]))?;
                let found = blocking(api.get_opt(text(&args[4])))?.map_err(failed)?;
                Ok(Value::from(found.is_some()))
            },
        );
        let r = reachable.clone();
        functions.register(
            "x_k8s_list",
            vec![any(), string(), string(), string().optional()],
            move |args| {
                let api = api_for(&r.client(&args[0])?, &args[1], &args[2], args.get(3))?;
                let list = blocking(api.list(&ListParams::default()))?.map_err(failed)?;
                let kind = text(&args[2]);
                let items = list
                    .items
                    .into_iter()
                    .map(|mut item| {
                        item.types = Some(kube::core::TypeMeta {
                            api_version: text(&args[1]).to_string(),
                            kind: kind.strip_suffix("List").unwrap_or(kind).to_string(),
                        });
                        let item = serde_json::to_value(item).map_err(failed)?;
                        r.test.remember_masked(&item);
                        Ok(item)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(serde_json::json!({
                    "apiVersion": text(&args[1]),
                    "kind": if kind.ends_with("List") { kind.to_string() } else { format!("{kind}List") },
                    "metadata": list.metadata,
                    "items": items,
                }))
            },
        );
        let r = reachable.clone();
        functions.register(
            "x_k8s_resource_exists",
            vec![any(), string(), string()],
            move |args| {
                let gvk = gvk(&args[1], &args[2])?;
                let c = r.client(&args[0])?;
                match blocking(kube::discovery::pinned_kind(&c, &gvk))? {
                    Ok(_) => Ok(Value::Bool(true)),
                    Err(kube::Error::Discovery(_)) => Ok(Value::Bool(false)),
                    Err(kube::Error::Api(status)) if status.is_not_found() => Ok(Value::Bool(false)),
                    Err(err) => Err(failed(err)),
                }
            },
        );
        let r = reachable.clone();
        functions.register("x_k8s_server_version", vec![any()], move |args| {
            let c = r.client(&args[0])?;
            let info = blocking(c.apiserver_version())?.map_err(failed)?;
            serde_json::to_value(info).map_err(failed)
        });
    })
}

/// A string argument (the signature has checked it is one).
fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn failed(err: impl std::fmt::Display) -> FunctionError {
    FunctionError::Failed(err.to_string())
}

fn gvk(api_version: &Value, kind: &Value) -> Result<GroupVersionKind, FunctionError> {
    let (group, version) = match text(api_version).rsplit_once('/') {
        Some((group, version)) => (group, version),
        None => ("", text(api_version)),
    };
    if version.is_empty() {
        return Err(FunctionError::InvalidValue(format!(
            "unexpected GroupVersion string: {}",
            text(api_version)
        )));
    }
    let kind = text(kind);
    Ok(GroupVersionKind::gvk(
        group,
        version,
        kind.strip_suffix("List").unwrap_or(kind),
    ))
}

/// The API of a kind, in `namespace` when it is namespaced and one is given.
fn api_for(
    client: &kube::Client,
    api_version: &Value,
    kind: &Value,
    namespace: Option<&Value>,
) -> Result<Api<DynamicObject>, FunctionError> {
    let gvk = gvk(api_version, kind)?;
    let (resource, capabilities) =
        blocking(kube::discovery::pinned_kind(client, &gvk))?.map_err(failed)?;
    let namespace = namespace.map(text).filter(|ns| !ns.is_empty());
    Ok(match namespace {
        Some(ns) if capabilities.scope == kube::discovery::Scope::Namespaced => {
            Api::namespaced_with(client.clone(), ns, &resource)
        }
        _ => Api::all_with(client.clone(), &resource),
    })
}

/// Waits for `future` on the calling runtime: JMESPath functions are synchronous, and the tests
/// that call them run on the run's multi-threaded runtime.
fn blocking<F: Future>(future: F) -> Result<F::Output, FunctionError> {
    let handle = tokio::runtime::Handle::try_current().map_err(failed)?;
    if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
        return Err(FunctionError::Failed(
            "the x_k8s_* functions need a multi-threaded tokio runtime".into(),
        ));
    }
    Ok(tokio::task::block_in_place(|| handle.block_on(future)))
}
