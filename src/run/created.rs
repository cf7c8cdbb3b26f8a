//! The objects a test created, deleted again when it ends (newest first), and listed as left
//! behind when a run is aborted before that.

use std::sync::{Arc, Mutex};

use kube::Api;
use kube::api::DynamicObject;

/// An object the test created.
pub(crate) struct Created {
    pub api: Api<DynamicObject>,
    pub name: String,
    /// KUTTL's id: `Kind:namespace/name`, `Kind:/name` when cluster-scoped.
    pub id: String,
    /// Not in any namespace (a CRD, a ClusterRole, a Namespace): deleting the test's namespace
    /// does not delete it.
    pub cluster_scoped: bool,
}

/// The objects of one test, shared with the interruption registry.
pub(crate) type CreatedObjects = Arc<Mutex<Vec<Created>>>;

/// Takes the objects out of `created`, oldest first.
pub(crate) fn take(created: &CreatedObjects) -> Vec<Created> {
    std::mem::take(
        &mut *created
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}

/// The ids of the cluster-scoped objects in `created`.
pub(crate) fn cluster_scoped_ids(created: &CreatedObjects) -> Vec<String> {
    ids(created, |object| object.cluster_scoped)
}

/// The ids of every object in `created`.
pub(crate) fn all_ids(created: &CreatedObjects) -> Vec<String> {
    ids(created, |_| true)
}

fn ids(created: &CreatedObjects, wanted: impl Fn(&Created) -> bool) -> Vec<String> {
    created
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .filter(|object| wanted(object))
        .map(|object| object.id.clone())
        .collect()
}
