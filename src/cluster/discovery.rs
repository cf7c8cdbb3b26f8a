//! Which resource serves a kind, and whether it is namespaced: asked once per kind and run, and
//! asked again on a miss (so a CRD installed during the run is found once it is served).

use std::collections::HashMap;
use std::sync::Mutex;

use kube::Client;
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;

/// A kind's resource and scope.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// Group, version, plural.
    pub resource: ApiResource,
    /// Namespaced or cluster-scoped.
    pub namespaced: bool,
}

/// Why a kind could not be resolved.
#[derive(Debug, Clone)]
pub(crate) struct ResolveError {
    /// The API server does not serve the group/version or kind (yet): a CRD may still be on its way.
    pub not_served: bool,
    /// What happened.
    pub message: String,
}

/// The run-wide discovery cache.
#[derive(Default)]
pub(crate) struct Resolver {
    cache: Mutex<HashMap<GroupVersionKind, Resolved>>,
}

impl Resolver {
    /// Resolves `apiVersion` and `kind`, asking the API server on a cache miss.
    pub(crate) async fn resolve(
        &self,
        client: &Client,
        api_version: &str,
        kind: &str,
    ) -> Result<Resolved, ResolveError> {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let gvk = GroupVersionKind::gvk(group, version, kind);
        if let Some(found) = self.lock().get(&gvk) {
            return Ok(found.clone());
        }
        let (resource, capabilities) = kube::discovery::pinned_kind(client, &gvk).await.map_err(
            |err| {
                let (not_served, reason) = match &err {
                    kube::Error::Api(status) if status.code == 404 => (
                        true,
                        "the API server does not serve this group/version".to_string(),
                    ),
                    kube::Error::Discovery(err) => (true, err.to_string()),
                    other => (false, other.to_string()),
                };
                ResolveError {
                    not_served,
                    message: format!(
                        "retrieving API resource for {api_version}, Kind={kind} failed: {reason}"
                    ),
                }
            },
        )?;
        let resolved = Resolved {
            resource,
            namespaced: capabilities.scope == Scope::Namespaced,
        };
        self.lock().insert(gvk, resolved.clone());
        Ok(resolved)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<GroupVersionKind, Resolved>> {
        self.cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
