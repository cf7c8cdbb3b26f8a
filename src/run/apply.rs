//! Creating or updating a step's objects as KUTTL does (spec §4.2): GET, then create when absent,
//! else a JSON merge patch of the whole document carrying the live resourceVersion. Conflicts
//! retry until the step timeout.

use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use serde_json::Value;
use tokio::time::Instant;

use super::api_error::api_message;
use super::created::Created;
use super::error::{ActionError, WriteError};
use super::objects::{self, metadata_str};
use super::target::Target;
use super::test_state::Session;
use crate::load::Object;

/// Applies one object; `Err` is KUTTL's `applying <gvk> <name> failed: …`.
pub(crate) async fn apply(
    ctx: &Session<'_>,
    object: &Object,
    scope: &str,
    deadline: Instant,
) -> Result<(), ActionError> {
    ctx.test.remember_masked(&object.value);
    let mut value = object.value.clone();
    let target = objects::target_served_by(ctx, &mut value, Some(deadline))
        .await
        .map_err(|source| ActionError::ApplyKind {
            file: object.source.to_string(),
            source,
        })?;
    let name = metadata_str(&value, "name").map(str::to_string);
    let result = match &name {
        Some(name) => create_or_update(ctx, &target, name, value, scope, deadline).await,
        // Only `generateName`: nothing to look up, the server picks the name.
        None if metadata_str(&value, "generateName").is_some() => {
            create(ctx, &target, &value, scope)
                .await
                .map_err(|err| WriteError::Rejected(api_message(&err)))
        }
        None => Err(WriteError::NoName),
    };
    result.map_err(|reason| ActionError::Apply {
        gvk: target.gvk(),
        name: name.unwrap_or_default(),
        file: object.source.to_string(),
        reason,
    })
}

async fn create_or_update(
    ctx: &Session<'_>,
    target: &Target,
    name: &str,
    mut value: Value,
    scope: &str,
    deadline: Instant,
) -> Result<(), WriteError> {
    loop {
        let live = target
            .api
            .get_opt(name)
            .await
            .map(|live| live.map(|live| live.metadata.resource_version.unwrap_or_default()));
        let attempt = match write_for(live)? {
            Write::Patch { resource_version } => {
                value["metadata"]["resourceVersion"] = Value::from(resource_version);
                let patched = target
                    .api
                    .patch(name, &PatchParams::default(), &Patch::Merge(&value))
                    .await;
                patched.map(|_| {
                    ctx.test
                        .log
                        .line(scope, &format!("{} updated", target.id(name)))
                })
            }
            Write::Create => create(ctx, target, &value, scope).await,
        };
        match after_attempt(attempt, Instant::now() >= deadline) {
            Next::Done => return Ok(()),
            Next::Retry => {}
            Next::Fail(message) => return Err(message),
        }
    }
}

/// How an object is written, given what the GET found (its resourceVersion, or nothing).
#[derive(Debug, PartialEq, Eq)]
enum Write {
    /// A merge patch of the whole document, carrying the live resourceVersion.
    Patch {
        resource_version: String,
    },
    Create,
}

/// KUTTL's choice after the GET: patch what exists, create what does not, fail on any other error.
fn write_for(live: Result<Option<String>, kube::Error>) -> Result<Write, WriteError> {
    match live {
        Ok(Some(resource_version)) => Ok(Write::Patch { resource_version }),
        Ok(None) => Ok(Write::Create),
        Err(err) => Err(WriteError::Existence(api_message(&err))),
    }
}

/// What follows a create or patch.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    Done,
    /// GET and write again at once (no backoff, as KUTTL).
    Retry,
    Fail(WriteError),
}

/// A conflict or AlreadyExists (someone else wrote first) is retried until the deadline; any other
/// error fails at once.
fn after_attempt(attempt: Result<(), kube::Error>, deadline_passed: bool) -> Next {
    match attempt {
        Ok(()) => Next::Done,
        Err(kube::Error::Api(status))
            if (status.is_conflict() || status.is_already_exists()) && !deadline_passed =>
        {
            Next::Retry
        }
        Err(err) if deadline_passed => Next::Fail(WriteError::TimedOut(api_message(&err))),
        Err(err) => Next::Fail(WriteError::Rejected(api_message(&err))),
    }
}

async fn create(
    ctx: &Session<'_>,
    target: &Target,
    value: &Value,
    scope: &str,
) -> Result<(), kube::Error> {
    // The document as written, not read into `ObjectMeta` first: the API server judges it and
    // says what is wrong (a number as a label value), as KUTTL's unstructured create does.
    let body = serde_json::to_vec(value).map_err(kube::Error::SerdeError)?;
    let request = kube::core::Request::new(target.api.resource_url())
        .create(&PostParams::default(), body)
        .map_err(kube::Error::BuildRequest)?;
    let created: DynamicObject = target.api.clone().into_client().request(request).await?;
    let name = created.metadata.name.unwrap_or_default();
    let id = target.id(&name);
    ctx.test.log.line(scope, &format!("{id} created"));
    ctx.test.register_created(Created {
        api: target.api.clone(),
        name,
        id,
        reach: ctx.reach(target),
        propagation: None,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use kube::core::Status;
    use rstest::rstest;

    use super::*;

    fn api_error(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(Box::new(Status::failure(message, reason).with_code(code)))
    }

    #[rstest]
    #[case::exists(Ok(Some("42".into())), Ok(Write::Patch { resource_version: "42".into() }))]
    #[case::absent(Ok(None), Ok(Write::Create))]
    #[case::forbidden(Err(api_error(403, "Forbidden", "configmaps \"c\" is forbidden")),
        Err(WriteError::Existence("configmaps \"c\" is forbidden".into())))]
    fn the_get_decides_between_patch_and_create(
        #[case] live: Result<Option<String>, kube::Error>,
        #[case] expected: Result<Write, WriteError>,
    ) {
        assert_eq!(write_for(live), expected);
    }

    #[rstest]
    #[case::written(Ok(()), false, Next::Done)]
    #[case::conflict(
        Err(api_error(409, "Conflict", "the object has been modified")),
        false,
        Next::Retry
    )]
    #[case::already_exists(
        Err(api_error(409, "AlreadyExists", "configmaps \"c\" already exists")),
        false,
        Next::Retry
    )]
    #[case::conflict_at_deadline(Err(api_error(409, "Conflict", "the object has been modified")), true,
        Next::Fail(WriteError::TimedOut("the object has been modified".into())))]
    #[case::invalid(Err(api_error(422, "Invalid", "spec.replicas: Invalid value")), false,
        Next::Fail(WriteError::Rejected("spec.replicas: Invalid value".into())))]
    #[case::invalid_at_deadline(Err(api_error(422, "Invalid", "spec.replicas: Invalid value")), true,
        Next::Fail(WriteError::TimedOut("spec.replicas: Invalid value".into())))]
    fn conflicts_are_retried_until_the_deadline_other_errors_fail(
        #[case] attempt: Result<(), kube::Error>,
        #[case] deadline_passed: bool,
        #[case] expected: Next,
    ) {
        assert_eq!(after_attempt(attempt, deadline_passed), expected);
    }

    #[test]
    fn a_failed_apply_reads_as_kuttls() {
        let failed = ActionError::Apply {
            gvk: "/v1, Kind=ConfigMap".into(),
            name: "c".into(),
            file: "00-install.yaml:3".into(),
            reason: WriteError::TimedOut("the object has been modified".into()),
        };
        assert_eq!(
            failed.to_string(),
            "applying /v1, Kind=ConfigMap c failed (00-install.yaml:3): create/update timeout exceeded, last attempt was: the object has been modified"
        );
    }
}
