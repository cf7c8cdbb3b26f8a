//! From a document to the API that serves it: kind resolution and namespace injection, giving
//! the object's [`Target`].

use kube::Api;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use super::error::KindError;
use super::target::Target;
use super::test_state::Session;
use crate::cluster::{CrdVerdict, Resolved};

const RESOLVE_RETRY: Duration = Duration::from_millis(100);

/// Resolves a kind. With `served_by`, a kind discovery does not serve is asked for again once;
/// if it is still not served, the cluster's CustomResourceDefinitions are looked at once: the kind
/// is waited for (until `served_by`) only when a CRD defines it and serves the version (a CRD
/// applied moments ago). A kind no CRD will serve fails at once.
async fn resolve(
    ctx: &Session<'_>,
    api_version: &str,
    kind: &str,
    served_by: Option<Instant>,
) -> Result<Resolved, KindError> {
    let connection = ctx.connection;
    let mut misses = 0;
    loop {
        let err = match connection
            .resolver
            .resolve(&connection.client, api_version, kind)
            .await
        {
            Ok(resolved) => return Ok(resolved),
            Err(err) => err,
        };
        let Some(by) = served_by.filter(|_| err.not_served) else {
            return Err(KindError::Discovery(err.message));
        };
        if Instant::now() >= by {
            return Err(KindError::Discovery(err.message));
        }
        misses += 1;
        if misses == 2 {
            match crate::cluster::crd_for(&connection.client, api_version, kind).await {
                Ok(CrdVerdict::Pending) => {}
                Ok(CrdVerdict::Undefined) => {
                    let group = api_version.split_once('/').map_or("", |(group, _)| group);
                    return Err(KindError::NoCrd {
                        discovery: err.message,
                        kind: kind.to_string(),
                        group: group.to_string(),
                    });
                }
                Ok(CrdVerdict::VersionNotServed(crd)) => {
                    return Err(KindError::VersionNotServed {
                        discovery: err.message,
                        crd,
                        api_version: api_version.to_string(),
                    });
                }
                // Without the CRDs (no right to list them) there is no telling: wait.
                Err(_) => {}
            }
        }
        tokio::time::sleep(RESOLVE_RETRY).await;
    }
}

/// `metadata.<field>` as a string, if set.
pub(crate) fn metadata_str<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value
        .get("metadata")?
        .get(field)?
        .as_str()
        .filter(|s| !s.is_empty())
}

/// Resolves an object's kind and injects the test namespace into `value` when the kind is
/// namespaced and the object names none.
pub(crate) async fn target(ctx: &Session<'_>, value: &mut Value) -> Result<Target, KindError> {
    target_served_by(ctx, value, None).await
}

/// As [`target`], but a kind the API server does not serve yet (a CRD applied moments ago) is
/// waited for until `served_by`, as long as a CRD that will serve it exists.
pub(crate) async fn target_served_by(
    ctx: &Session<'_>,
    value: &mut Value,
    served_by: Option<Instant>,
) -> Result<Target, KindError> {
    let api_version = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let kind = value
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Resolved {
        resource,
        namespaced,
    } = resolve(ctx, &api_version, &kind, served_by).await?;
    let namespace = if namespaced {
        let namespace = metadata_str(value, "namespace")
            .unwrap_or(&ctx.test.namespace)
            .to_string();
        if let Some(object) = value.as_object_mut() {
            let metadata = object
                .entry("metadata")
                .or_insert_with(|| Value::Object(Default::default()));
            if let Some(metadata) = metadata.as_object_mut() {
                metadata.insert("namespace".into(), Value::String(namespace.clone()));
            }
        }
        Some(namespace)
    } else {
        None
    };
    let api = match &namespace {
        Some(namespace) => {
            Api::namespaced_with(ctx.connection.client.clone(), namespace, &resource)
        }
        None => Api::all_with(ctx.connection.client.clone(), &resource),
    };
    Ok(Target {
        api,
        resource,
        namespace,
        api_version,
        kind,
    })
}
