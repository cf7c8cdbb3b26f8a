//! A Rust fixture of the `hooks` suite against a real API server: it is set up after the suite's
//! YAML before hook (the CRD that hook installs is there) and torn down before its YAML after
//! hook (the CRD is still there); a `#[kuttl::test]` of the suite gets its value.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Api;

/// The CRD the suite's before hook installs.
const CRD: &str = "gadgets.hooks.kuttl-rs.dev";

/// What the fixture hands to the suite's typed tests.
pub struct Gadgets {
    /// The versions the CRD serves, read when the fixture was set up.
    pub served: Vec<String>,
}

/// Reads the CRD, which must exist already; its teardown checks it still does.
pub async fn gadgets(ctx: kuttl::FixtureContext) -> anyhow::Result<kuttl::Fixture<Gadgets>> {
    let crds: Api<CustomResourceDefinition> = Api::all(ctx.client());
    let crd = crds
        .get(CRD)
        .await
        .map_err(|err| anyhow::anyhow!("{CRD} is not there when the fixture is set up: {err}"))?;
    let served = crd
        .spec
        .versions
        .iter()
        .filter(|version| version.served)
        .map(|version| version.name.clone())
        .collect();
    let teardown = async move {
        crds.get(CRD)
            .await
            .map(|_| ())
            .map_err(|err| anyhow::anyhow!("{CRD} is gone before the fixture is torn down: {err}"))
    };
    Ok(kuttl::Fixture::new(Gadgets { served }).with_teardown(teardown))
}

/// Registered by its attribute: the trial `hooks::typed-sees-fixture`, and the fixture's value
/// as a parameter.
#[kuttl::test(suite = "hooks", name = "typed-sees-fixture")]
pub async fn sees_the_fixture(ctx: kuttl::TestContext, gadgets: &Gadgets) -> anyhow::Result<()> {
    ctx.log(format!("{CRD} serves {:?}", gadgets.served));
    anyhow::ensure!(gadgets.served == ["v1"], "served: {:?}", gadgets.served);
    Ok(())
}
