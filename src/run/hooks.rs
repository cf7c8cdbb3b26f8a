//! Running a lifecycle hook (KEP-6) against the cluster, in the KEP's order: CRDs (applied, then
//! waited for until `Established` and served), manifests, commands, deletes, then the hook's assert
//! and errors checks. Objects without a namespace go to `default`, as KUTTL's suite setup does.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;
use kube::runtime::wait::{await_condition, conditions};
use tokio::time::Instant;

use super::error::ActionError;
use super::hook_failure::{HookFailure, HookOutcome};
use super::step::StepFailure;
use super::test_run::describe_failure;
use super::test_state::{Session, TestState};
use super::{apply, command, delete, objects, signals, window};
use crate::cluster::Cluster;
use crate::load::{LoadedHook, Object, Step};
use crate::mask::Masks;

/// The namespace hook objects and commands use when they name none.
const HOOK_NAMESPACE: &str = "default";

/// A hook that ran, kept until its scope ends so that its background commands keep running.
pub(crate) struct HookRun {
    ctx: TestState,
}

impl HookRun {
    /// The requests the hook sent (empty when coverage is off).
    pub(crate) fn requests(&self) -> Vec<(String, String)> {
        self.ctx.sent_requests()
    }

    /// Kills and reaps the hook's background commands.
    pub(crate) async fn stop(self) {
        let stopped = command::stop_background(&self.ctx).await;
        if stopped > 0 {
            signals::note(|| {
                format!(
                    "killed {stopped} background command(s) of {}",
                    self.ctx.trial_name
                )
            });
        }
    }
}

/// Runs a hook; `name` (e.g. `apps::beforeSuite`) goes into its User-Agent and messages. The
/// returned run holds its background commands, whatever the outcome.
pub(crate) async fn run(
    cluster: Arc<Cluster>,
    hook: &LoadedHook,
    name: &str,
    step_timeout: i64,
    masks: Arc<Masks>,
) -> (HookOutcome, Option<HookRun>) {
    let record_requests = cluster.records_requests();
    let ctx = match TestState::new(
        cluster,
        name,
        HOOK_NAMESPACE.into(),
        false,
        hook.hook.base.clone(),
        step_timeout,
        record_requests,
    ) {
        Ok(ctx) => ctx.with_masks(masks),
        Err(err) => {
            return (
                Err(failure(hook, name, "setup", &err.to_string(), None)),
                None,
            );
        }
    };
    let result = activities(&ctx.session(), hook)
        .await
        .map_err(|(activity, err)| failure(hook, name, activity, &err, Some(&ctx)));
    (result, Some(HookRun { ctx }))
}

fn failure(
    hook: &LoadedHook,
    name: &str,
    activity: &str,
    error: &str,
    ctx: Option<&TestState>,
) -> HookFailure {
    // The failure goes to every trial of its scope, reports and other machines.
    let scrubbed = |text: &str| ctx.map_or_else(|| text.to_string(), |ctx| ctx.scrubbed(text));
    HookFailure {
        scope: name.to_string(),
        activity: activity.to_string(),
        source: Some(hook.hook.source.to_string()),
        summary: scrubbed(error),
        log: ctx.map(|ctx| scrubbed(&ctx.log.text())).unwrap_or_default(),
        machine: None,
    }
}

/// Runs the hook's activities; `Err` names the activity that failed and why.
async fn activities(ctx: &Session<'_>, hook: &LoadedHook) -> Result<(), (&'static str, String)> {
    let failed = |activity: &'static str| move |err: ActionError| (activity, err.to_string());
    let scope = hook.hook.point.field();
    let timeout = Duration::from_secs(u64::try_from(ctx.test.step_timeout).unwrap_or(0));
    let deadline = Instant::now() + timeout;
    for crd in &hook.crds {
        apply::apply(ctx, crd, scope, deadline)
            .await
            .map_err(failed("crdDir"))?;
    }
    for crd in &hook.crds {
        wait_until_served(ctx, crd, deadline)
            .await
            .map_err(failed("crdDir"))?;
    }
    for object in &hook.manifests {
        apply::apply(ctx, object, scope, deadline)
            .await
            .map_err(failed("manifestDirs"))?;
    }
    // Hook commands have no inherited time limit (KUTTL's suite commands have none by default);
    // a command's own `timeout` still applies.
    command::run_all(ctx, &hook.hook.activities.commands, 0, scope)
        .await
        .map_err(|err| failed("commands")(err.into()))?;
    delete::delete_all(
        ctx,
        &hook.hook.activities.delete,
        scope,
        Instant::now() + timeout,
    )
    .await
    .map_err(failed("delete"))?;
    if hook.asserts.is_empty() && hook.errors.is_empty() {
        return Ok(());
    }
    let checks = Step {
        name: scope.to_string(),
        asserts: hook.asserts.clone(),
        errors: hook.errors.clone(),
        ..Step::default()
    };
    window::run(ctx, &checks, timeout, scope)
        .await
        .map_err(|failure| {
            (
                "assert and errors checks",
                describe_failure(scope, StepFailure::Window(failure, None)),
            )
        })
}

/// Waits until the CRD is `Established` and each of its served versions is found by discovery.
async fn wait_until_served(
    ctx: &Session<'_>,
    crd: &Object,
    deadline: Instant,
) -> Result<(), ActionError> {
    let name = objects::metadata_str(&crd.value, "name").unwrap_or_default();
    let api: Api<CustomResourceDefinition> = Api::all(ctx.connection.watch_client()?);
    let remaining = deadline.saturating_duration_since(Instant::now());
    match tokio::time::timeout(
        remaining,
        await_condition(api, name, conditions::is_crd_established()),
    )
    .await
    {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => {
            return Err(ActionError::CrdWatch {
                name: name.to_string(),
                reason: err.to_string(),
            });
        }
        Err(_) => {
            return Err(ActionError::CrdNotEstablished {
                name: name.to_string(),
                seconds: remaining.as_secs(),
                file: crd.source.to_string(),
            });
        }
    }
    let spec = &crd.value["spec"];
    let group = spec["group"].as_str().unwrap_or_default();
    let kind = spec["names"]["kind"].as_str().unwrap_or_default();
    let versions = spec["versions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for version in versions
        .iter()
        .filter(|v| v["served"].as_bool().unwrap_or(false))
    {
        let api_version = format!("{group}/{}", version["name"].as_str().unwrap_or_default());
        let mut probe =
            serde_json::json!({"apiVersion": api_version, "kind": kind, "metadata": {}});
        objects::target_served_by(ctx, &mut probe, Some(deadline))
            .await
            .map_err(ActionError::Kind)?;
    }
    ctx.test.log.line(
        "crdDir",
        &format!("CustomResourceDefinition {name} established and served"),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{Hook, HookPoint, Source};
    use crate::run::fake_api::FakeApi;

    #[tokio::test]
    async fn a_hook_failure_quotes_no_masked_value_its_hook_applied() {
        const VALUE: &str = "hook-s3cret-Wq2";
        let encoded = "aG9vay1zM2NyZXQtV3Ey";
        let api = FakeApi::start(|_, _| (404, serde_json::json!({}))).await;
        let ctx = api.test_state(HOOK_NAMESPACE, false, false, 5);
        ctx.remember_masked(&serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "creds"}, "stringData": {"password": VALUE}}));
        ctx.log
            .line("commands", &format!("hook sees {VALUE} ({encoded})"));
        let hook = LoadedHook {
            hook: Hook {
                point: HookPoint::BeforeSuite,
                source: Source {
                    path: "kuttl-testsuite.yaml".into(),
                    line: 3,
                },
                base: std::env::temp_dir(),
                activities: crate::config::Hook::default(),
            },
            crds: vec![],
            manifests: vec![],
            asserts: vec![],
            errors: vec![],
        };

        let message = failure(
            &hook,
            "apps::beforeSuite",
            "commands",
            &format!("command printed {VALUE}"),
            Some(&ctx),
        )
        .to_string();

        assert!(
            !message.contains(VALUE) && !message.contains(encoded),
            "{message}"
        );
        assert_eq!(
            message.matches("<secret 15 bytes hmac:").count(),
            3,
            "{message}"
        );
    }
}
