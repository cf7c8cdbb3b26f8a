//! `apps::statefulset-status-lifecycle`: the upstream conformance test "should validate Statefulset
//! Status endpoints" (k/k `test/e2e/apps/statefulset.go`), step by step, and stricter in one place:
//! the JSON merge patch of `/status` is confirmed through the watch as well, not only by its response.
//!
//! The pod's image defaults to `registry.k8s.io/pause:3.10`: the pod-sandbox image every node already
//! has (kubelet needs it for each pod), so nothing is pulled (`imagePullPolicy: IfNotPresent`) and an
//! air-gapped cluster runs it. There is no readiness probe, so readiness needs no pod networking.
//! Set `KUTTL_STATEFULSET_IMAGE` to use another image (e.g. the pause tag your nodes carry).

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Context as _, bail, ensure};
use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetCondition, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    Container, Pod, PodSpec, PodTemplateSpec, Service, ServicePort, ServiceSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{Api, ListParams, ObjectMeta, Patch, PatchParams, PostParams, WatchParams};
use serde_json::json;

const NAME: &str = "ss";
const SERVICE: &str = "test";
const WATCH_LABEL: &str = "e2e=testing";
const DEFAULT_IMAGE: &str = "registry.k8s.io/pause:3.10";
const POD_TIMEOUT: Duration = Duration::from_secs(300);
const WATCH_TIMEOUT: Duration = Duration::from_secs(60);
/// client-go's `retry.DefaultRetry`: 5 attempts, on 409 Conflict only.
const CONFLICT_RETRIES: usize = 5;

/// The three `/status` endpoints this test exists to exercise.
pub const STATUS_ENDPOINTS: [&str; 3] = [
    "readAppsV1NamespacedStatefulSetStatus",
    "replaceAppsV1NamespacedStatefulSetStatus",
    "patchAppsV1NamespacedStatefulSetStatus",
];

fn pod_labels() -> BTreeMap<String, String> {
    BTreeMap::from([("foo".into(), "bar".into()), ("baz".into(), "blah".into())])
}

/// Runs the test.
pub async fn statefulset_status(ctx: kuttl::TestContext) -> anyhow::Result<()> {
    let statefulsets: Api<StatefulSet> = ctx.api();
    let image = std::env::var("KUTTL_STATEFULSET_IMAGE").unwrap_or_else(|_| DEFAULT_IMAGE.into());

    // 1–2. The watch's label selector, and a cluster-wide list for the resourceVersion to watch from.
    let all: Api<StatefulSet> = Api::all(ctx.client());
    let listed = all
        .list(&ListParams::default().labels(WATCH_LABEL))
        .await
        .context("listing StatefulSets across namespaces")?;
    let start_version = listed
        .metadata
        .resource_version
        .filter(|rv| !rv.is_empty() && rv != "0")
        .context("the list carries no resourceVersion to watch from")?;
    ctx.log(format!("watching from resourceVersion {start_version}"));

    // Fixture: the headless Service the StatefulSet names.
    let service = Service {
        metadata: ObjectMeta {
            name: Some(SERVICE.into()),
            labels: Some(pod_labels()),
            ..ObjectMeta::default()
        },
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            selector: Some(pod_labels()),
            ports: Some(vec![ServicePort {
                port: 80,
                name: Some("http".into()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        ..Service::default()
    };
    ctx.api::<Service>()
        .create(&PostParams::default(), &service)
        .await
        .context("creating the headless Service")?;

    // 3. The StatefulSet, one replica.
    let statefulset = StatefulSet {
        metadata: ObjectMeta {
            name: Some(NAME.into()),
            ..ObjectMeta::default()
        },
        spec: StatefulSetSpec {
            replicas: Some(1),
            service_name: Some(SERVICE.into()),
            selector: LabelSelector {
                match_labels: Some(pod_labels()),
                ..LabelSelector::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(pod_labels()),
                    ..ObjectMeta::default()
                }),
                spec: Some(PodSpec {
                    containers: vec![Container {
                        name: "webserver".into(),
                        image: Some(image.clone()),
                        image_pull_policy: Some("IfNotPresent".into()),
                        ..Container::default()
                    }],
                    termination_grace_period_seconds: Some(1),
                    ..PodSpec::default()
                }),
            },
            ..StatefulSetSpec::default()
        },
        ..StatefulSet::default()
    };
    statefulsets
        .create(&PostParams::default(), &statefulset)
        .await
        .context("creating the StatefulSet")?;
    ctx.log(format!("created StatefulSet {NAME} with image {image}"));

    // 4. Its pod, Running and Ready; exactly one.
    let pods: Api<Pod> = ctx.api();
    ctx.wait_for(
        &pods,
        &format!("{NAME}-0"),
        "pod ss-0 to be Running and Ready",
        POD_TIMEOUT,
        is_running_and_ready,
    )
    .await
    .with_context(|| {
        format!("(image {image}; set KUTTL_STATEFULSET_IMAGE to an image your nodes have)")
    })?;
    let selected = pods
        .list(&ListParams::default().labels("foo=bar,baz=blah"))
        .await
        .context("listing the StatefulSet's pods")?;
    ensure!(
        selected.items.len() == 1,
        "expected exactly 1 pod of StatefulSet {NAME}, found {}",
        selected.items.len()
    );

    // 5. The controller has seen the current generation.
    ctx.wait_for(
        &statefulsets,
        NAME,
        "status.observedGeneration to reach metadata.generation",
        POD_TIMEOUT,
        |ss| ss.status.as_ref().and_then(|s| s.observed_generation) >= ss.metadata.generation,
    )
    .await?;

    // 6. Label it so the label-selected watch sees it.
    let labelled = json!({"metadata": {"labels": {"e2e": "testing"}}});
    statefulsets
        .patch(NAME, &PatchParams::default(), &Patch::Strategic(&labelled))
        .await
        .context("labelling the StatefulSet")?;

    // 7. GET /status.
    let status = statefulsets
        .get_status(NAME)
        .await
        .context("getting /status")?;
    ctx.log(format!("/status conditions: {:?}", conditions(&status)));

    // 8. PUT /status with an added condition, retrying on conflict.
    let updated = replace_status_with_condition(&ctx, &statefulsets).await?;
    ctx.log(format!(
        "/status replaced; conditions: {:?}",
        conditions(&updated)
    ));

    // 9. The update, seen through a watch from the saved resourceVersion.
    let watch = WatchParams::default().labels(WATCH_LABEL);
    ctx.watch_until(
        &statefulsets,
        &watch,
        &start_version,
        "the StatusUpdate condition (reason E2E) through the watch",
        WATCH_TIMEOUT,
        |ss| {
            is_ours(ss, ctx.namespace())
                && conditions(ss).iter().any(|c| {
                    c.type_.as_deref() == Some("StatusUpdate")
                        && c.reason.as_deref() == Some("E2E")
                        && c.message.as_deref() == Some("Set from e2e test")
                })
        },
    )
    .await?;

    // 10. JSON merge patch of /status: the conditions list is replaced wholesale.
    let patch = json!({"status": {"conditions": [{"type": "StatusPatched", "status": "True"}]}});
    let patched = statefulsets
        .patch_status(NAME, &PatchParams::default(), &Patch::Merge(&patch))
        .await
        .context("merge-patching /status")?;
    let patched_conditions = conditions(&patched);
    ensure!(
        patched_conditions
            .iter()
            .any(|c| c.type_.as_deref() == Some("StatusPatched")),
        "the /status patch response lacks the StatusPatched condition; its conditions: {patched_conditions:?}"
    );

    // 11. Unlike upstream, the patch is confirmed through the watch too.
    ctx.watch_until(
        &statefulsets,
        &watch,
        &start_version,
        "the StatusPatched condition through the watch",
        WATCH_TIMEOUT,
        |ss| {
            is_ours(ss, ctx.namespace())
                && conditions(ss)
                    .iter()
                    .any(|c| c.type_.as_deref() == Some("StatusPatched"))
        },
    )
    .await?;

    // The three /status endpoints were called, as the request recording shows.
    let called = ctx.operation_ids().await.map_err(anyhow::Error::msg)?;
    let missing: Vec<&str> = STATUS_ENDPOINTS
        .into_iter()
        .filter(|id| !called.contains(*id))
        .collect();
    ensure!(
        missing.is_empty(),
        "endpoints not called: {missing:?}; called: {called:?}"
    );
    ctx.log(format!("called {}", STATUS_ENDPOINTS.join(", ")));
    Ok(())
}

/// Appends the StatusUpdate condition to a fresh copy and PUTs it to /status; a 409 Conflict
/// re-reads and tries again, as `retry.RetryOnConflict` does.
async fn replace_status_with_condition(
    ctx: &kuttl::TestContext,
    statefulsets: &Api<StatefulSet>,
) -> anyhow::Result<StatefulSet> {
    for attempt in 1..=CONFLICT_RETRIES {
        let mut current = statefulsets
            .get(NAME)
            .await
            .context("reading the StatefulSet before updating /status")?;
        let status = current.status.get_or_insert_with(Default::default);
        status
            .conditions
            .get_or_insert_with(Vec::new)
            .push(StatefulSetCondition {
                type_: Some("StatusUpdate".into()),
                status: Some("True".into()),
                reason: Some("E2E".into()),
                message: Some("Set from e2e test".into()),
                last_transition_time: None,
            });
        match statefulsets
            .replace_status(NAME, &PostParams::default(), &current)
            .await
        {
            Ok(updated) => return Ok(updated),
            Err(kube::Error::Api(status)) if status.is_conflict() => {
                ctx.log(format!(
                    "/status update conflicted (attempt {attempt}), retrying"
                ));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(err) => return Err(err).context("replacing /status"),
        }
    }
    bail!("replacing /status conflicted {CONFLICT_RETRIES} times in a row")
}

fn conditions(statefulset: &StatefulSet) -> Vec<StatefulSetCondition> {
    statefulset
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default()
}

/// The watch may carry other StatefulSets labelled e2e=testing; only ours counts.
fn is_ours(statefulset: &StatefulSet, namespace: &str) -> bool {
    statefulset.metadata.name.as_deref() == Some(NAME)
        && statefulset.metadata.namespace.as_deref() == Some(namespace)
        && statefulset
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("e2e"))
            .map(String::as_str)
            == Some("testing")
}

fn is_running_and_ready(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    status.and_then(|s| s.phase.as_deref()) == Some("Running")
        && status
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|conditions| {
                conditions
                    .iter()
                    .any(|c| c.type_ == "Ready" && c.status == "True")
            })
}
