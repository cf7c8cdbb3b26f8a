//! Creating or updating a step's objects as KUTTL does (spec §4.2): GET, then create when absent,
//! else a JSON merge patch of the whole document carrying the live resourceVersion. Conflicts
//! retry until the step timeout.

use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use serde_json::Value;
use tokio::time::Instant;

use super::api_error::api_message;
use super::objects::{self, Target, metadata_str};
use super::test_state::{Created, Session};
use crate::load::Object;

/// Applies one object; `Err` is KUTTL's `applying <gvk> <name> failed: …`.
pub(crate) async fn apply(
    ctx: &Session<'_>,
    object: &Object,
    scope: &str,
    deadline: Instant,
) -> Result<(), String> {
    let mut value = object.value.clone();
    let target = objects::target_served_by(ctx, &mut value, Some(deadline))
        .await
        .map_err(|err| format!("{}: {err}", object.source))?;
    let name = metadata_str(&value, "name").map(str::to_string);
    let result = match &name {
        Some(name) => create_or_update(ctx, &target, name, value, scope, deadline).await,
        // Only `generateName`: nothing to look up, the server picks the name.
        None if metadata_str(&value, "generateName").is_some() => {
            create(ctx, &target, &value, scope)
                .await
                .map_err(|err| api_message(&err))
        }
        None => Err("object has neither metadata.name nor metadata.generateName".into()),
    };
    result.map_err(|err| {
        format!(
            "applying {} {} failed ({}): {err}",
            target.gvk(),
            name.unwrap_or_default(),
            object.source
        )
    })
}

async fn create_or_update(
    ctx: &Session<'_>,
    target: &Target,
    name: &str,
    mut value: Value,
    scope: &str,
    deadline: Instant,
) -> Result<(), String> {
    loop {
        let attempt = match target.api.get_opt(name).await {
            Ok(Some(live)) => {
                value["metadata"]["resourceVersion"] =
                    Value::from(live.metadata.resource_version.unwrap_or_default());
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
            Ok(None) => create(ctx, target, &value, scope).await,
            Err(err) => {
                return Err(format!(
                    "failed to check object's existence: {}",
                    api_message(&err)
                ));
            }
        };
        match attempt {
            Ok(()) => return Ok(()),
            Err(kube::Error::Api(status))
                if (status.is_conflict() || status.is_already_exists())
                    && Instant::now() < deadline => {}
            Err(err) if Instant::now() >= deadline => {
                return Err(format!(
                    "create/update timeout exceeded, last attempt was: {}",
                    api_message(&err)
                ));
            }
            Err(err) => return Err(api_message(&err)),
        }
    }
}

async fn create(
    ctx: &Session<'_>,
    target: &Target,
    value: &Value,
    scope: &str,
) -> Result<(), kube::Error> {
    let object: DynamicObject =
        serde_json::from_value(value.clone()).map_err(kube::Error::SerdeError)?;
    let created = target.api.create(&PostParams::default(), &object).await?;
    let name = created.metadata.name.unwrap_or_default();
    let id = target.id(&name);
    ctx.test.log.line(scope, &format!("{id} created"));
    ctx.test.register_created(Created {
        api: target.api.clone(),
        name,
        id,
    });
    Ok(())
}
