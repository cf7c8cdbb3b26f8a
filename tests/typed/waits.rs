//! The typed-test waits against a real API server: a ConfigMap awaited with a kube `Condition`,
//! then deleted and awaited until it is gone.

use std::time::Duration;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{DeleteParams, PostParams};

const WAIT: Duration = Duration::from_secs(10);

pub async fn condition_and_deletion(ctx: kuttl::TestContext) -> anyhow::Result<()> {
    let configmaps = ctx.api::<ConfigMap>();
    let mut configmap = ConfigMap::default();
    configmap.metadata.name = Some("waited".into());
    configmap.data = Some([("colour".to_string(), "green".to_string())].into());
    configmaps
        .create(&PostParams::default(), &configmap)
        .await?;
    let green = |object: Option<&ConfigMap>| {
        object
            .and_then(|cm| cm.data.as_ref())
            .and_then(|data| data.get("colour"))
            .is_some_and(|colour| colour == "green")
    };
    let found = ctx
        .wait_until(&configmaps, "waited", "a green ConfigMap", WAIT, green)
        .await?;
    anyhow::ensure!(found.metadata.name.as_deref() == Some("waited"));
    configmaps
        .delete("waited", &DeleteParams::default())
        .await?;
    ctx.wait_deleted(&configmaps, "waited", "the ConfigMap", WAIT)
        .await?;
    anyhow::ensure!(configmaps.get_opt("waited").await?.is_none());
    // Nothing to wait for: an object that does not exist is gone at once.
    ctx.wait_deleted(&configmaps, "never-made", "a ConfigMap", WAIT)
        .await?;
    Ok(())
}
