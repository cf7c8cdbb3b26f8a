//! `TestStep.delete` (spec §4.5): delete each referenced object (by name, or every object of the
//! kind matching the labels), then wait until all of them are gone.

use std::time::Duration;

use kube::Api;
use kube::api::{DeleteParams, DynamicObject, ListParams};
use serde_json::json;
use tokio::time::Instant;

use super::api_error::{api_message, is_not_found};
use super::error::ActionError;
use super::objects;
use super::test_state::Session;
use crate::config::ObjectReference;

const POLL: Duration = Duration::from_millis(100);

/// Deletes the referenced objects and waits until they are gone or `deadline` passes.
pub(crate) async fn delete_all(
    ctx: &Session<'_>,
    references: &[ObjectReference],
    scope: &str,
    deadline: Instant,
) -> Result<(), ActionError> {
    let mut pending: Vec<(Api<DynamicObject>, String, String)> = Vec::new();
    for reference in references {
        let mut value = json!({
            "apiVersion": reference.api_version,
            "kind": reference.kind,
            "metadata": { "namespace": reference.namespace },
        });
        let target = objects::target(ctx, &mut value)
            .await
            .map_err(ActionError::Kind)?;
        let names = if reference.name.is_empty() {
            let selector = reference
                .labels
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect::<Vec<_>>()
                .join(",");
            let listed = target
                .api
                .list(&ListParams::default().labels(&selector))
                .await
                .map_err(|err| ActionError::List {
                    gvk: target.gvk(),
                    reason: api_message(&err),
                })?;
            listed
                .items
                .into_iter()
                .filter_map(|item| item.metadata.name)
                .collect()
        } else {
            vec![reference.name.clone()]
        };
        for name in names {
            match target.api.delete(&name, &DeleteParams::default()).await {
                Ok(_) => ctx
                    .test
                    .log
                    .line(scope, &format!("{} deleted", target.id(&name))),
                Err(err) if is_not_found(&err) => ctx
                    .test
                    .log
                    .line(scope, &format!("{} already gone", target.id(&name))),
                Err(err) => {
                    return Err(ActionError::Delete {
                        gvk: target.gvk(),
                        name,
                        reason: api_message(&err),
                    });
                }
            }
            pending.push((target.api.clone(), name, target.gvk()));
        }
    }
    wait_gone(&pending, deadline).await
}

async fn wait_gone(
    pending: &[(Api<DynamicObject>, String, String)],
    deadline: Instant,
) -> Result<(), ActionError> {
    loop {
        let mut last = None;
        for (api, name, gvk) in pending {
            match api.get_opt(name).await {
                Ok(None) => {}
                Ok(Some(_)) => {
                    last = Some(format!("{gvk} {name} still exists"));
                    break;
                }
                Err(err) => {
                    last = Some(api_message(&err));
                    break;
                }
            }
        }
        match wait_verdict(last, Instant::now() >= deadline) {
            Ok(true) => return Ok(()),
            Ok(false) => tokio::time::sleep(POLL).await,
            Err(timed_out) => return Err(timed_out),
        }
    }
}

/// After one check of the deleted objects (`last`: what the first one still there, or the error
/// reading it, said): `Ok(true)` when all are gone, `Ok(false)` to check again, `Err` at the
/// deadline with KUTTL's message.
fn wait_verdict(last: Option<String>, deadline_passed: bool) -> Result<bool, ActionError> {
    match last {
        None => Ok(true),
        Some(_) if !deadline_passed => Ok(false),
        Some(last) => Err(ActionError::DeleteTimeout { last }),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::all_gone(None, false, Ok(true))]
    #[case::all_gone_at_the_deadline(None, true, Ok(true))]
    #[case::still_there(Some("/v1, Kind=Pod p still exists"), false, Ok(false))]
    #[case::still_there_at_the_deadline(Some("/v1, Kind=Pod p still exists"), true,
        Err(ActionError::DeleteTimeout { last: "/v1, Kind=Pod p still exists".into() }))]
    #[case::read_error_is_retried(Some("connection refused"), false, Ok(false))]
    fn waits_until_every_object_is_gone_or_the_deadline(
        #[case] last: Option<&str>,
        #[case] deadline_passed: bool,
        #[case] expected: Result<bool, ActionError>,
    ) {
        assert_eq!(
            wait_verdict(last.map(str::to_string), deadline_passed),
            expected
        );
    }

    #[test]
    fn the_deletion_timeout_reads_as_kuttls() {
        let timed_out = ActionError::DeleteTimeout {
            last: "/v1, Kind=Pod p still exists".into(),
        };
        assert_eq!(
            timed_out.to_string(),
            "timed out waiting for resource deletion (result of last check was: \"/v1, Kind=Pod p still exists\")"
        );
    }
}
