//! `namespaceTemplate`: Chainsaw merges it into the namespace it creates for a test. kuttl-rs's
//! engine has created the namespace when the test starts, so the templated labels, annotations and
//! the rest are merged into it with a JSON merge patch before the first step.

use k8s_openapi::api::core::v1::Namespace;
use kube::Api;
use kube::api::{Patch, PatchParams};
use serde_json::Value;

use super::super::api::Compiler;
use super::super::expression::{Bindings, Expressions};
use super::bindings;
use crate::cluster::Cluster;
use crate::run::TestState;
use crate::run::api_error::api_message;

/// Whether the namespace a test names exists. Chainsaw uses one that does and leaves it; one that
/// does not it creates for the test and deletes after, which kuttl-rs's engine does for a
/// test's own namespace.
///
/// # Errors
///
/// The API server could not say.
pub(crate) async fn exists(cluster: &Cluster, name: &str) -> Result<bool, String> {
    let client = cluster
        .client(&format!("namespace {name}"), None)
        .map_err(|err| err.to_string())?;
    let api: Api<Namespace> = Api::all(client);
    api.get_opt(name)
        .await
        .map(|found| found.is_some())
        .map_err(|err| format!("cannot read namespace {name:?}: {}", api_message(&err)))
}

/// A namespace template and the engine for expressions in it that name none.
pub(crate) struct Template<'a> {
    pub template: &'a Value,
    pub compiler: Option<Compiler>,
}

/// Merges `template` into the test's own namespace (a namespace the test shares is the run's and
/// is left alone).
pub(super) async fn apply(
    ctx: &TestState,
    template: Template<'_>,
    expressions: &Expressions,
    bindings: &Bindings,
) -> Result<(), String> {
    if !ctx.owns_namespace {
        return Ok(());
    }
    let expressions = expressions.with_default(template.compiler);
    let current = serde_json::json!({"metadata": {"name": ctx.namespace}});
    let mut patch = bindings::template(&expressions, template.template, &current, bindings)
        .map_err(|err| format!("namespaceTemplate: {err}"))?;
    let name = patch.pointer("/metadata/name").and_then(Value::as_str);
    if name.is_some_and(|name| name != ctx.namespace) {
        return Err(format!(
            "namespaceTemplate: metadata.name {:?} is not supported: kuttl-rs names the test's \
             namespace ({:?}); set spec.namespace to use a namespace of your choice",
            name.unwrap_or_default(),
            ctx.namespace
        ));
    }
    if let Some(object) = patch.as_object_mut() {
        object.remove("apiVersion");
        object.remove("kind");
    }
    ctx.log.line(
        "setup",
        &format!(
            "merging the namespace template into namespace {:?}",
            ctx.namespace
        ),
    );
    let api: Api<Namespace> = Api::all(ctx.connection.client.clone());
    api.patch(
        &ctx.namespace,
        &PatchParams::default(),
        &Patch::Merge(&patch),
    )
    .await
    .map(drop)
    .map_err(|err| format!("namespaceTemplate: {}", api_message(&err)))
}
