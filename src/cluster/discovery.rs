//! Which resource serves a kind, and whether it is namespaced: asked once per kind and run, and
//! asked again on a miss (so a CRD installed during the run is found once it is served).

use std::collections::HashMap;
use std::sync::Mutex;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::ListParams;
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Scope;
use kube::{Api, Client};

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

/// Whether a kind that discovery does not serve may still be served soon: what the cluster's
/// CustomResourceDefinitions say about its group and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CrdVerdict {
    /// A CRD defines the kind and serves the version, but is not established yet (or discovery
    /// has not caught up with it): it is worth waiting for.
    Pending,
    /// No CRD defines the kind in this group.
    Undefined,
    /// The CRD named here defines the kind but does not serve the version.
    VersionNotServed(String),
}

/// Lists the cluster's CRDs and judges `apiVersion`/`kind` by them ([`crd_verdict`]).
pub(crate) async fn crd_for(
    client: &Client,
    api_version: &str,
    kind: &str,
) -> Result<CrdVerdict, kube::Error> {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let crds = Api::<CustomResourceDefinition>::all(client.clone())
        .list(&ListParams::default())
        .await?;
    Ok(crd_verdict(&crds.items, group, version, kind))
}

/// The decision of [`crd_for`], given the cluster's CRDs.
pub(crate) fn crd_verdict(
    crds: &[CustomResourceDefinition],
    group: &str,
    version: &str,
    kind: &str,
) -> CrdVerdict {
    let Some(crd) = crds
        .iter()
        .find(|crd| crd.spec.group == group && crd.spec.names.kind == kind)
    else {
        return CrdVerdict::Undefined;
    };
    // Whether it is established yet does not matter: one that serves the version will be served
    // by discovery once it is, and one that does not never will.
    if crd
        .spec
        .versions
        .iter()
        .any(|v| v.name == version && v.served)
    {
        CrdVerdict::Pending
    } else {
        CrdVerdict::VersionNotServed(crd.metadata.name.clone().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    /// A CRD `widgets.example.dev` of kind Widget serving v1 (and v2 when `v2_served`).
    fn widget_crd(established: Option<&str>, v2_served: bool) -> CustomResourceDefinition {
        let conditions = established.map_or_else(Vec::new, |status| {
            vec![json!({"type": "Established", "status": status})]
        });
        serde_json::from_value(json!({
            "metadata": {"name": "widgets.example.dev"},
            "spec": {
                "group": "example.dev",
                "names": {"kind": "Widget", "plural": "widgets"},
                "scope": "Namespaced",
                "versions": [
                    {"name": "v1", "served": true, "storage": true},
                    {"name": "v2", "served": v2_served, "storage": false},
                ],
            },
            "status": {"conditions": conditions},
        }))
        .expect("a CRD")
    }

    #[rstest]
    #[case::no_crd_at_all(vec![], "example.dev", "v1", "Widget", CrdVerdict::Undefined)]
    #[case::core_group(vec![widget_crd(Some("True"), false)], "", "v1", "Widget", CrdVerdict::Undefined)]
    #[case::other_kind(vec![widget_crd(Some("True"), false)], "example.dev", "v1", "Gadget", CrdVerdict::Undefined)]
    #[case::other_group(vec![widget_crd(Some("True"), false)], "other.dev", "v1", "Widget", CrdVerdict::Undefined)]
    #[case::not_yet_established(vec![widget_crd(None, false)], "example.dev", "v1", "Widget", CrdVerdict::Pending)]
    #[case::established_false(vec![widget_crd(Some("False"), false)], "example.dev", "v1", "Widget", CrdVerdict::Pending)]
    #[case::established_discovery_behind(vec![widget_crd(Some("True"), false)], "example.dev", "v1", "Widget", CrdVerdict::Pending)]
    #[case::unserved_version(vec![widget_crd(Some("True"), false)], "example.dev", "v2", "Widget",
        CrdVerdict::VersionNotServed("widgets.example.dev".into()))]
    #[case::unknown_version(vec![widget_crd(Some("True"), true)], "example.dev", "v3", "Widget",
        CrdVerdict::VersionNotServed("widgets.example.dev".into()))]
    #[case::unknown_version_before_established(vec![widget_crd(None, true)], "example.dev", "v3", "Widget",
        CrdVerdict::VersionNotServed("widgets.example.dev".into()))]
    fn judges_an_unserved_kind_by_the_crds(
        #[case] crds: Vec<CustomResourceDefinition>,
        #[case] group: &str,
        #[case] version: &str,
        #[case] kind: &str,
        #[case] expected: CrdVerdict,
    ) {
        assert_eq!(crd_verdict(&crds, group, version, kind), expected);
    }
}
