//! The objects a test created, deleted again when it ends (newest first), and listed as left
//! behind when a run is aborted before that.

use std::sync::{Arc, Mutex};

use kube::Api;
use kube::api::{DeleteParams, DynamicObject, PropagationPolicy};
use tokio::time::Instant;

use super::gone::{self, Deletion, NotGone, Waited};
use super::log::TestLog;
use super::signals;

/// An object the test created.
pub(crate) struct Created {
    pub api: Api<DynamicObject>,
    pub name: String,
    /// KUTTL's id: `Kind:namespace/name`, `Kind:/name` when cluster-scoped.
    pub id: String,
    /// Who can see it, and so when its deletion must be over.
    pub reach: Reach,
    /// How its deletion reaches its dependents: `None` sends none, so the server's default for
    /// its kind applies, as KUTTL's deletes do (for a Job that default orphans its Pods).
    pub propagation: Option<PropagationPolicy>,
}

/// Who can see an object a test created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// In the test's own namespace on the run's cluster: no other test looks there, and the object
    /// goes with the namespace.
    OwnNamespace,
    /// Anywhere else (cluster-scoped, in another namespace or the run's shared one, on a step's
    /// cluster): other tests can see it, so it must be gone before the test gives its slot away.
    Shared,
    /// A namespace on an API server without a namespace controller: seen by others, but it never
    /// finishes terminating, so its deletion is sent and not waited for.
    SharedNeverFinalized,
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

/// The ids of the objects in `created` that do not go with the test's namespace.
pub(crate) fn shared_ids(created: &CreatedObjects) -> Vec<String> {
    created
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .filter(|object| object.reach != Reach::OwnNamespace)
        .map(|object| object.id.clone())
        .collect()
}

/// Deletes `objects` (oldest first as given) newest first, KUTTL's order, so that a custom
/// resource goes before its definition. Then waits, for all at once, until every [`Reach::Shared`]
/// one is gone or `deadline` passes. Objects in the test's own namespace go with it: their
/// deletion is sent, not waited for. `Err` names each object that could not be deleted or did not
/// go, one per line.
pub(crate) async fn delete(
    objects: Vec<Created>,
    deadline: Instant,
    log: &TestLog,
    trial_name: &str,
) -> Result<(), String> {
    let mut failures = Vec::new();
    let mut deleted = Vec::new();
    for object in objects.into_iter().rev() {
        let params = DeleteParams {
            propagation_policy: object.propagation.clone(),
            ..DeleteParams::default()
        };
        let deletion = gone::delete(&object.api, &object.name, &params, deadline).await;
        match (deletion, object.reach) {
            (Ok(Deletion::AlreadyGone), _) => {}
            (Ok(Deletion::Accepted), Reach::OwnNamespace) => {}
            (Ok(Deletion::Accepted), _) => {
                log.line(
                    "cleanup",
                    &format!("{} deleted (outside the test's namespace)", object.id),
                );
                signals::note(|| format!("deleted {} (created by {trial_name})", object.id));
                deleted.push(object);
            }
            (Err(reason), Reach::OwnNamespace) => log.line(
                "cleanup",
                &format!("deleting {} failed: {reason}", object.id),
            ),
            (Err(reason), _) => failures.push(format!("deleting {} failed: {reason}", object.id)),
        }
    }
    let waiting: Vec<&Created> = deleted
        .iter()
        .filter(|object| object.reach == Reach::Shared)
        .collect();
    let waits = waiting.iter().map(|object| async move {
        let waited = gone::wait(&object.api, &object.name, deadline).await;
        match &waited {
            Ok(Waited::Gone) => log.line("cleanup", &format!("{} is gone", object.id)),
            Ok(Waited::Interrupted) => log.line(
                "cleanup",
                &format!(
                    "the run was interrupted: not waiting for {} to go",
                    object.id
                ),
            ),
            Err(_) => {}
        }
        (object, waited)
    });
    for (object, waited) in futures::future::join_all(waits).await {
        match waited {
            Ok(_) => {}
            Err(NotGone::Read(reason)) => {
                failures.push(format!("waiting for {} to be deleted: {reason}", object.id))
            }
            Err(NotGone::TimedOut { last_error }) => failures.push(format!(
                "waiting for {} to be deleted timed out{}",
                object.id,
                last_error
                    .map(|err| format!(" (last error: {err})"))
                    .unwrap_or_default()
            )),
        }
    }
    match failures.is_empty() {
        true => Ok(()),
        false => Err(failures.join("\n")),
    }
}
