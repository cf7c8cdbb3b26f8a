//! The Greeting controller's tests. The controller runs in this process, started by a Rust
//! fixture of the `greetings` suite once the suite's CRD is served, and stopped after the suite's
//! last test. The KUTTL suite in `tests/e2e/greetings/` and the `#[kuttl::test]` functions below
//! run against it, side by side.
//!
//! `cargo test --test e2e` checks the suite's files; `cargo test --test e2e -- --include-ignored`
//! runs everything against KUBECONFIG's cluster, or an embedded control plane without one.

use std::time::Duration;

use greetings_example::{Greeting, GreetingSpec, configmap_name};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{DeleteParams, PostParams};
use kuttl::{Fixture, FixtureContext, FixtureScope, TestContext};

/// What the controller fixture hands to the typed tests.
pub struct RunningController {
    /// The finalizer it puts on every Greeting.
    pub finalizer: &'static str,
}

/// Starts the controller; its teardown stops it and waits until it has.
async fn controller(ctx: FixtureContext) -> anyhow::Result<Fixture<RunningController>> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async {
        let _ = stopped.await;
    };
    let running = tokio::spawn(greetings_example::run(ctx.client(), shutdown));
    let value = RunningController {
        finalizer: greetings_example::FINALIZER,
    };
    Ok(Fixture::new(value).with_teardown(async move {
        let _ = stop.send(());
        running.await
    }))
}

const WAIT: Duration = Duration::from_secs(20);

fn greeting(name: &str, message: &str) -> Greeting {
    Greeting::new(
        name,
        GreetingSpec {
            message: message.into(),
        },
    )
}

/// A new Greeting gets its ConfigMap, the controller's finalizer and a `Ready` condition for the
/// generation it has.
#[kuttl::test(suite = "greetings")]
async fn a_greeting_gets_its_configmap_and_becomes_ready(
    ctx: TestContext,
    controller: &RunningController,
) -> anyhow::Result<()> {
    let greetings = ctx.api::<Greeting>();
    greetings
        .create(&PostParams::default(), &greeting("typed", "hi from Rust"))
        .await?;
    let configmap = ctx
        .wait_for(
            &ctx.api::<ConfigMap>(),
            &configmap_name("typed"),
            "the greeting's ConfigMap",
            WAIT,
            |cm| {
                cm.data
                    .as_ref()
                    .and_then(|d| d.get("message"))
                    .is_some_and(|m| m == "hi from Rust")
            },
        )
        .await?;
    ctx.log(format!("ConfigMap {:?} written", configmap.metadata.name));
    let ready = ctx
        .wait_for(&greetings, "typed", "a Ready greeting", WAIT, |g| {
            g.status.as_ref().is_some_and(|s| {
                s.observed_generation == g.metadata.generation
                    && s.conditions
                        .iter()
                        .any(|c| c.type_ == "Ready" && c.status == "True")
            })
        })
        .await?;
    let finalizers = ready.metadata.finalizers.unwrap_or_default();
    anyhow::ensure!(
        finalizers.iter().any(|f| f == controller.finalizer),
        "finalizers: {finalizers:?}"
    );
    // Gone while the controller runs: its finalizer would hold it once the controller stops.
    greetings.delete("typed", &DeleteParams::default()).await?;
    ctx.wait_deleted(&greetings, "typed", "the greeting", WAIT)
        .await?;
    Ok(())
}

/// Deleting a Greeting deletes its ConfigMap first: the finalizer holds the Greeting until then.
#[kuttl::test(suite = "greetings", timeout_seconds = 60)]
async fn deleting_a_greeting_deletes_its_configmap(ctx: TestContext) -> anyhow::Result<()> {
    let greetings = ctx.api::<Greeting>();
    let configmaps = ctx.api::<ConfigMap>();
    greetings
        .create(&PostParams::default(), &greeting("brief", "bye"))
        .await?;
    let configmap = configmap_name("brief");
    ctx.wait(&configmaps, &configmap)
        .described_as("the greeting's ConfigMap")
        .until(|_| true)
        .within(WAIT)
        .await?;
    greetings.delete("brief", &DeleteParams::default()).await?;
    ctx.wait(&configmaps, &configmap)
        .described_as("the greeting's ConfigMap")
        .deleted_within(WAIT)
        .await?;
    ctx.wait(&greetings, "brief")
        .described_as("the greeting")
        .deleted_within(WAIT)
        .await?;
    Ok(())
}

fn main() -> std::process::ExitCode {
    kuttl::Harness::from_collection("tests/e2e/kuttl.yaml")
        .fixture(FixtureScope::suite("greetings"), "controller", controller)
        .run()
}
