//! Deleting an object and waiting until it is gone: every 100 ms (KUTTL's interval for namespace
//! deletion), asking again through transient API errors until a deadline.

use std::fmt::Debug;
use std::time::Duration;

use kube::api::DeleteParams;
use kube::{Api, Resource};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::api_error::{api_message, is_not_found, is_transient};
use super::signals;

/// How often a deleted object is looked for, and a refused request sent again.
const POLL: Duration = Duration::from_millis(100);

/// What a delete request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deletion {
    /// The API server accepted the deletion; the object may still be finalizing.
    Accepted,
    /// There was nothing to delete.
    AlreadyGone,
}

/// How a wait for an object to go ended, when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waited {
    /// The object is gone.
    Gone,
    /// The run was interrupted: nobody waits any more.
    Interrupted,
}

/// Why a wait for an object to go failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NotGone {
    /// Reading it failed with an error that says something about it (Forbidden, …).
    Read(String),
    /// Still there at the deadline; with the last transient error, if any.
    TimedOut { last_error: Option<String> },
}

/// Sends the deletion of `name`, again while the API server answers with a transient error and
/// `deadline` has not passed. `Err` is the server's message.
pub(crate) async fn delete<K>(
    api: &Api<K>,
    name: &str,
    params: &DeleteParams,
    deadline: Instant,
) -> Result<Deletion, String>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    loop {
        match api.delete(name, params).await {
            Ok(_) => return Ok(Deletion::Accepted),
            Err(err) if is_not_found(&err) => return Ok(Deletion::AlreadyGone),
            Err(err) if is_transient(&err) && Instant::now() < deadline => {
                tokio::time::sleep(POLL).await
            }
            Err(err) => return Err(api_message(&err)),
        }
    }
}

/// Waits until `name` is gone from `api`, or the run is interrupted.
pub(crate) async fn wait<K>(api: &Api<K>, name: &str, deadline: Instant) -> Result<Waited, NotGone>
where
    K: Resource + Clone + DeserializeOwned + Debug,
{
    loop {
        if signals::interrupted() {
            return Ok(Waited::Interrupted);
        }
        let last_error = match api.get_opt(name).await {
            Ok(None) => return Ok(Waited::Gone),
            Ok(Some(_)) => None,
            Err(err) if is_transient(&err) => Some(api_message(&err)),
            Err(err) => return Err(NotGone::Read(api_message(&err))),
        };
        if Instant::now() >= deadline {
            return Err(NotGone::TimedOut { last_error });
        }
        tokio::time::sleep(POLL).await;
    }
}
