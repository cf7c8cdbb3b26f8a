//! The Greeting controller: for each `Greeting` it keeps a ConfigMap `<name>-greeting` holding the
//! greeting's message, reports `Ready` in `status.conditions` with the generation it saw, and,
//! through a finalizer, deletes the ConfigMap before the Greeting goes.
//!
//! Written the way kube-runtime users write a controller; `tests/e2e.rs` runs it in the test
//! process as a kuttl-rs fixture.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::finalizer::{Event, finalizer};
use kube::runtime::watcher;
use kube::{Api, Client, CustomResource, Resource, ResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The finalizer that holds a Greeting until its ConfigMap is deleted.
pub const FINALIZER: &str = "greetings.example.kuttl-rs.dev/cleanup";
/// The field manager of the controller's writes.
const MANAGER: &str = "greeting-controller";

/// A greeting to keep in a ConfigMap.
#[derive(CustomResource, Deserialize, Serialize, Clone, Debug, JsonSchema)]
#[kube(
    group = "example.kuttl-rs.dev",
    version = "v1",
    kind = "Greeting",
    namespaced,
    status = "GreetingStatus",
    shortname = "greet"
)]
pub struct GreetingSpec {
    /// What the ConfigMap says.
    pub message: String,
}

/// What the controller last did with a Greeting.
#[derive(Deserialize, Serialize, Clone, Debug, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GreetingStatus {
    /// The generation the controller last reconciled.
    pub observed_generation: Option<i64>,
    /// `Ready`: the ConfigMap holds the message.
    #[schemars(schema_with = "conditions_schema")]
    pub conditions: Vec<Condition>,
}

/// Conditions as a list of free-form objects (the API server checks nothing more in them).
fn conditions_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    serde_json::from_value(serde_json::json!({
        "type": "array",
        "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}
    }))
    .expect("a schema")
}

/// Why a reconcile failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("writing to the API server: {0}")]
    Kube(#[from] kube::Error),
    #[error("the Greeting has no namespace")]
    NoNamespace,
}

/// The ConfigMap of the Greeting `name`.
pub fn configmap_name(name: &str) -> String {
    format!("{name}-greeting")
}

struct Context {
    client: Client,
}

/// Runs the controller on `client` until `shutdown` completes, then lets the reconciles in
/// flight finish.
pub async fn run(client: Client, shutdown: impl Future<Output = ()> + Send + Sync + 'static) {
    let greetings: Api<Greeting> = Api::all(client.clone());
    let configmaps: Api<ConfigMap> = Api::all(client.clone());
    tracing::info!("the greeting controller starts");
    Controller::new(greetings, watcher::Config::default())
        .owns(configmaps, watcher::Config::default())
        .graceful_shutdown_on(shutdown)
        .run(reconcile, error_policy, Arc::new(Context { client }))
        // error_policy has logged each failure, naming the Greeting's namespace.
        .for_each(|_| async {})
        .await;
    tracing::info!("the greeting controller has stopped");
}

async fn reconcile(
    greeting: Arc<Greeting>,
    ctx: Arc<Context>,
) -> Result<Action, kube::runtime::finalizer::Error<Error>> {
    let namespace = greeting.namespace().unwrap_or_default();
    let greetings: Api<Greeting> = Api::namespaced(ctx.client.clone(), &namespace);
    finalizer(&greetings, FINALIZER, greeting, |event| async {
        match event {
            Event::Apply(greeting) => apply(&greeting, &ctx.client).await,
            Event::Cleanup(greeting) => cleanup(&greeting, &ctx.client).await,
        }
    })
    .await
}

/// Writes the ConfigMap, then the status.
async fn apply(greeting: &Greeting, client: &Client) -> Result<Action, Error> {
    let namespace = greeting.namespace().ok_or(Error::NoNamespace)?;
    let name = greeting.name_any();
    tracing::info!(%namespace, greeting = %name, "greeting {name}: writing its ConfigMap");
    let owner = greeting.controller_owner_ref(&()).map(|owner| vec![owner]);
    let configmap = ConfigMap {
        metadata: kube::api::ObjectMeta {
            name: Some(configmap_name(&name)),
            owner_references: owner,
            ..Default::default()
        },
        data: Some([("message".to_string(), greeting.spec.message.clone())].into()),
        ..Default::default()
    };
    let params = PatchParams::apply(MANAGER).force();
    Api::<ConfigMap>::namespaced(client.clone(), &namespace)
        .patch(&configmap_name(&name), &params, &Patch::Apply(&configmap))
        .await?;
    let ready = Condition {
        type_: "Ready".into(),
        status: "True".into(),
        reason: "ConfigMapWritten".into(),
        message: format!("ConfigMap {} holds the message", configmap_name(&name)),
        observed_generation: greeting.metadata.generation,
        last_transition_time: Time(k8s_openapi::jiff::Timestamp::now()),
    };
    let status = serde_json::json!({
        "apiVersion": Greeting::api_version(&()),
        "kind": Greeting::kind(&()),
        "status": GreetingStatus {
            observed_generation: greeting.metadata.generation,
            conditions: vec![ready],
        }
    });
    Api::<Greeting>::namespaced(client.clone(), &namespace)
        .patch_status(&name, &params, &Patch::Apply(&status))
        .await?;
    tracing::info!(%namespace, greeting = %name, "greeting {name}: ready");
    Ok(Action::requeue(Duration::from_secs(300)))
}

/// Deletes the ConfigMap before the finalizer lets the Greeting go.
async fn cleanup(greeting: &Greeting, client: &Client) -> Result<Action, Error> {
    let namespace = greeting.namespace().ok_or(Error::NoNamespace)?;
    let name = greeting.name_any();
    tracing::info!(%namespace, greeting = %name, "greeting {name}: deleting its ConfigMap");
    let configmaps = Api::<ConfigMap>::namespaced(client.clone(), &namespace);
    match configmaps
        .delete(&configmap_name(&name), &DeleteParams::default())
        .await
    {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 404 => {}
        Err(err) => return Err(err.into()),
    }
    Ok(Action::await_change())
}

fn error_policy(
    greeting: Arc<Greeting>,
    err: &kube::runtime::finalizer::Error<Error>,
    _ctx: Arc<Context>,
) -> Action {
    let namespace = greeting.namespace().unwrap_or_default();
    tracing::warn!(%namespace, greeting = %greeting.name_any(), "reconcile failed: {err}");
    Action::requeue(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use kube::CustomResourceExt;

    use super::*;

    /// The CRD the suite installs (`tests/e2e/crds/greeting.yaml`) is this type's.
    #[test]
    fn the_suites_crd_is_the_greeting_types() {
        let file = include_str!("../tests/e2e/crds/greeting.yaml");
        let installed: serde_json::Value = serde_saphyr::from_str(file).unwrap();
        let generated = serde_json::to_value(Greeting::crd()).unwrap();
        assert_eq!(
            installed,
            generated,
            "regenerate it: {}",
            serde_json::to_string_pretty(&generated).unwrap()
        );
    }
}
