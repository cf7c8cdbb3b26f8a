//! Where an object lives once resolved: its kind's API in its namespace, and the names KUTTL
//! prints for it (`Pod:ns/name`, `/v1, Kind=Pod`).

use kube::Api;
use kube::api::DynamicObject;
use kube::core::ApiResource;

/// An object's API, with the namespace KUTTL's rules give it.
pub(crate) struct Target {
    /// The API for the object's kind, in its namespace when namespaced.
    pub api: Api<DynamicObject>,
    /// The kind's resource, for watches.
    pub resource: ApiResource,
    /// The namespace after injection (`None` for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
}

impl Target {
    /// KUTTL's resource id: `Kind:namespace/name` (`ClusterRole:/name` when cluster-scoped).
    pub(crate) fn id(&self, name: &str) -> String {
        format!(
            "{}:{}/{name}",
            self.kind,
            self.namespace.as_deref().unwrap_or("")
        )
    }

    /// KUTTL's kind string: `group/version, Kind=Kind` (`/v1, Kind=Pod` for the core group).
    pub(crate) fn gvk(&self) -> String {
        let api_version = if self.api_version.contains('/') {
            self.api_version.clone()
        } else {
            format!("/{}", self.api_version)
        };
        format!("{api_version}, Kind={}", self.kind)
    }
}
