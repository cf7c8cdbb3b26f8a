//! Tests that must fail, run against a real cluster: each fails with the message a user needs.
//!
//! `cargo test --test failing_suites -- --include-ignored` (with KUBECONFIG pointing at a cluster).

mod common;

use std::sync::LazyLock;
use std::time::Duration;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};

static RUN: LazyLock<common::Run> = LazyLock::new(|| {
    let harness = kuttl::Harness::from_collection("tests/fixtures/failing/kuttl.yaml")
        .fixture(
            kuttl::FixtureScope::suite("failing"),
            "lazy-controller",
            lazy_controller,
        )
        .typed_test_with_timeout("failing", "typed-hangs", Duration::from_secs(2), hangs)
        .typed_test("failing", "typed-secret-wait", waits_on_a_secret);
    common::run_harness(harness, &["--include-ignored", "--test-threads", "3"])
});

/// A controller that sees every ConfigMap labelled `greet=please` and, instead of writing its
/// `<name>-greeting`, logs why not, through `tracing`, naming the namespace.
async fn lazy_controller(ctx: kuttl::FixtureContext) -> anyhow::Result<kuttl::Fixture<()>> {
    use futures::StreamExt;
    use kube::runtime::{WatchStreamExt, watcher};
    let requests = kube::Api::<ConfigMap>::all(ctx.client());
    let config = watcher::Config::default().labels("greet=please");
    let running = tokio::spawn(async move {
        let mut seen = watcher(requests, config).applied_objects().boxed();
        while let Some(Ok(request)) = seen.next().await {
            let namespace = request.metadata.namespace.unwrap_or_default();
            let name = request.metadata.name.unwrap_or_default();
            tracing::warn!(%namespace, "refusing to greet {name}: the greeting quota is used up");
        }
    });
    Ok(kuttl::Fixture::new(()).with_teardown(async move {
        running.abort();
        let _ = running.await;
        Ok::<(), anyhow::Error>(())
    }))
}

/// Waits far longer than its 2 s time limit for a ConfigMap nobody makes.
async fn hangs(ctx: kuttl::TestContext) -> Result<(), kuttl::WaitError> {
    let configmaps = ctx.api::<ConfigMap>();
    ctx.wait_for(
        &configmaps,
        "never",
        "a ConfigMap nobody makes",
        Duration::from_secs(600),
        |_| true,
    )
    .await
    .map(drop)
}

/// The value of the Secret `waits_on_a_secret` makes.
const TYPED_SECRET_VALUE: &str = "typed-s3cret-Vb4n";

/// Makes a Secret, then waits 2 s for it to hold another value: the wait fails showing the states
/// it saw, which must mask the value (a Secret has no `status`, so the whole object is shown).
async fn waits_on_a_secret(ctx: kuttl::TestContext) -> anyhow::Result<()> {
    let secrets = ctx.api::<Secret>();
    let secret: Secret = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "typed-creds"},
        "stringData": {"password": TYPED_SECRET_VALUE}
    }))?;
    secrets.create(&Default::default(), &secret).await?;
    ctx.wait_for(
        &secrets,
        "typed-creds",
        "the Secret to hold another password",
        Duration::from_secs(2),
        |secret| {
            secret.data.as_ref().and_then(|data| data.get("password"))
                == Some(&k8s_openapi::ByteString(b"another".to_vec()))
        },
    )
    .await?;
    Ok(())
}

fn assert_contains(message: &str, expected: &[&str]) {
    for part in expected {
        assert!(message.contains(part), "expected {part:?} in:\n{message}");
    }
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_controller_that_did_not_act_says_why_in_the_failure() {
    assert_eq!(
        RUN.outcome("failing::controller-did-not-act"),
        Some("FAILED"),
        "{}",
        RUN.output
    );
    let message = RUN.failure_of("failing::controller-did-not-act");
    assert_contains(
        message,
        &[
            "failed in step 0-request",
            "| controller | WARN failing_suites: refusing to greet request: the greeting quota is used up namespace=kuttl-test-",
        ],
    );
    // Attached by its namespace: no other test of the run gets it.
    assert!(
        !RUN.failure_of("failing::wrong-assert")
            .contains("refusing to greet"),
        "{}",
        RUN.failure_of("failing::wrong-assert")
    );
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn wrong_assert_shows_file_diff_and_states_seen() {
    assert_eq!(
        RUN.outcome("failing::wrong-assert"),
        Some("FAILED"),
        "{}",
        RUN.output
    );
    assert_contains(
        RUN.failure_of("failing::wrong-assert"),
        &[
            "failed in step 0-configmap: checks still failing after 3.0s",
            "tests/fixtures/failing/failing/wrong-assert/00-assert.yaml:1",
            "/colour: .data.value: value mismatch, expected: blue != actual: orange",
            "-  value: blue\n",
            "+  value: orange\n",
            "states seen during the window (2):",
            "expected: blue != actual: red",
            "events in namespace kuttl-test-",
            "log of failing::wrong-assert:",
            "ConfigMap:kuttl-test-",
        ],
    );
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn matching_errors_file_fails_at_the_end_of_the_window() {
    assert_contains(
        RUN.failure_of("failing::errors-match"),
        &[
            "failed in step 0-configmap: checks still failing after 3.0s",
            "tests/fixtures/failing/failing/errors-match/00-errors.yaml:1",
            "resource /v1, Kind=ConfigMap forbidden matched error assertion",
        ],
    );
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn failed_command_stops_the_rest_but_not_the_apply() {
    assert_contains(
        RUN.failure_of("failing::command-fails"),
        &[
            "failed in step 0-step",
            "command \"echo about to fail && exit 3\" failed, exit status 3",
            "about to fail",
            "command failure, skipping 1 additional commands",
            "ConfigMap:kuttl-test-",
            "/still-applied created",
        ],
    );
    assert!(
        !RUN.failure_of("failing::command-fails")
            .contains("never runs")
    );
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn failed_before_hook_fails_its_suites_tests_with_hook_activity_and_file() {
    assert_contains(
        RUN.failure_of("broken-hook::any"),
        &[
            "not run: a hook failed",
            "beforeSuite hook broken-hook::beforeSuite (tests/fixtures/failing/broken-hook/kuttl-testsuite.yaml:3) failed in its commands:",
            "command \"echo setting up && exit 7\" failed, exit status 7",
            "setting up",
            // The hook applied the Secret, so the value its command printed is scrubbed.
            "hook sees <secret 15 bytes hmac:",
            "stored as <secret 15 bytes hmac:",
        ],
    );
    let report = std::fs::read_to_string(artifacts().join("kuttl-report.json")).unwrap();
    let written = [
        ("output".to_string(), RUN.output.clone()),
        ("report".into(), report),
    ];
    assert_nowhere(&written, "hook-s3cret-Wq2");
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn failing_cel_assertion_names_the_expression_and_shows_collected_output() {
    assert_contains(
        RUN.failure_of("failing::cel-fails"),
        &[
            "failed in step 0-configmap: checks still failing after 3.0s",
            "TestAssert CEL expressions (tests/fixtures/failing/failing/cel-fails/00-assert.yaml:1)",
            "not all assertAll expressions evaluated to true: expression \"settings.data.replicas == '5'\" evaluated to 'false'",
            "collected:",
            "$ kubectl get configmap settings -n kuttl-test-",
            "$ kubectl get events -n kuttl-test-",
        ],
    );
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn unknown_context_of_an_eager_step_fails_the_test_before_its_first_step() {
    let message = RUN.failure_of("failing::kubeconfig-unknown-context");
    assert_contains(
        message,
        &[
            "step 1-other (tests/fixtures/failing/failing/kubeconfig-unknown-context/01-other.yaml:1): kubeconfig /",
            "tests/fixtures/failing/failing/unreachable.kubeconfig (context \"missing\"): failed to load current context: missing",
        ],
    );
    assert!(!message.contains("step 0 ran"), "{message}");
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn missing_kubeconfig_of_a_lazy_step_fails_that_step() {
    assert_contains(
        RUN.failure_of("failing::kubeconfig-lazy-missing"),
        &[
            "step 0 ran",
            "failed in step 1-lazy",
            "step 1-lazy (tests/fixtures/failing/failing/kubeconfig-lazy-missing/01-lazy.yaml:1): kubeconfig /",
            "tests/fixtures/failing/failing/kubeconfig-lazy-missing/not-written.kubeconfig: ",
        ],
    );
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn unreachable_step_cluster_fails_the_step_naming_the_kubeconfig() {
    let message = RUN.failure_of("failing::kubeconfig-unreachable");
    assert_contains(
        message,
        &[
            "failed in step 0-step",
            "step 0-step (tests/fixtures/failing/failing/kubeconfig-unreachable/00-step.yaml:1): kubeconfig /",
            "tests/fixtures/failing/failing/unreachable.kubeconfig: cannot create namespace \"kuttl-test-",
            "Connection refused",
        ],
    );
    assert!(!message.contains("never-applied"), "{message}");
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_kind_no_crd_defines_fails_the_apply_at_once_naming_file_and_kind() {
    let message = RUN.failure_of("unserved::nothing");
    assert_contains(
        message,
        &[
            "failed in step 0-apply",
            "tests/fixtures/failing/unserved/nothing/00-apply.yaml:6: retrieving API resource for nowhere.kuttl-rs.dev/v1, Kind=Nothing failed: ",
            "no CustomResourceDefinition defines kind Nothing in group \"nowhere.kuttl-rs.dev\"",
            "/applied-first created",
        ],
    );
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_typed_test_past_its_time_limit_fails_naming_its_wait_and_is_cleaned_up() {
    let message = RUN.failure_of("failing::typed-hangs");
    assert_contains(
        message,
        &[
            "the typed test did not finish within 2s (its own timeout), while waiting for a ConfigMap nobody makes (never)",
            "log of failing::typed-hangs:",
            "Deleting namespace \"kuttl-test-",
        ],
    );
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn failing_tests_leave_no_namespace_behind() {
    assert!(!RUN.passed());
    assert!(
        RUN.output
            .contains("test result: FAILED. 16 passed; 18 failed;"),
        "{}",
        RUN.output
    );
    // This run's namespaces, as the failing tests' logs name them (other runs' may be there too).
    let ours: Vec<String> = RUN
        .output
        .match_indices("Creating namespace \"")
        .filter_map(|(at, found)| RUN.output[at + found.len()..].split('"').next())
        .map(|name| format!("namespace/{name}"))
        .collect();
    assert!(ours.len() >= 10, "{}", RUN.output);
    // Their deletion was asked for; the namespace controller may still be finishing it.
    let mut left: Vec<String> = Vec::new();
    for _ in 0..60 {
        let output = std::process::Command::new("kubectl")
            .args(["get", "namespaces", "-o", "name"])
            .output()
            .expect("kubectl runs");
        let namespaces = String::from_utf8_lossy(&output.stdout).into_owned();
        left = ours
            .iter()
            .filter(|ns| namespaces.lines().any(|line| line == ns.as_str()))
            .cloned()
            .collect();
        if left.is_empty() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    panic!("left behind after 60 s: {left:?}");
}

/// Where the failing collection writes its artifacts and JSON report (its `artifactsDir`).
fn artifacts() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/failing-suites-artifacts")
}

/// Every place a failure is written: the run's output, the test's `failure.txt` and `events.txt`,
/// and the JSON report.
fn written_failure(test: &str) -> Vec<(String, String)> {
    let folder = artifacts().join("failing").join(test);
    let mut written = vec![("output".to_string(), RUN.output.clone())];
    for file in ["failure.txt", "events.txt", "log.txt"] {
        let path = folder.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        written.push((path.display().to_string(), text));
    }
    let report = artifacts().join("kuttl-report.json");
    let text = std::fs::read_to_string(&report)
        .unwrap_or_else(|err| panic!("{}: {err}", report.display()));
    written.push((report.display().to_string(), text));
    written
}

/// Neither the failure `message` nor anything the test `test` wrote holds `value` (or its base64).
fn assert_never_shown(message: &str, test: &str, value: &str) {
    let shown = [("the failure message".to_string(), message.to_string())];
    for written in [&shown[..], &written_failure(test)] {
        assert_nowhere(written, value);
    }
}

fn assert_nowhere(written: &[(String, String)], value: &str) {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(value);
    for (place, text) in written {
        for form in [value, encoded.as_str()] {
            assert!(!text.contains(form), "{form:?} is written in {place}");
        }
    }
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_secret_mismatch_shows_the_key_and_never_the_value() {
    let message = RUN.failure_of("failing::secret-mismatch");
    assert_contains(
        message,
        &[
            "/credentials: .data.password: value mismatch, expected: <secret 16 bytes hmac:",
            "!= actual: <secret 20 bytes hmac:",
            "-  password: <secret 16 bytes hmac:",
            "+  password: <secret 20 bytes hmac:",
            "Rotated: password <secret 20 bytes hmac:",
        ],
    );
    assert_nowhere(&written_failure("secret-mismatch"), "hunter2-ci-token-Zq8");
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_secret_made_by_kubectl_apply_is_masked_in_kubectls_copy_and_in_command_output() {
    let message = RUN.failure_of("failing::applied-secret");
    assert_contains(
        message,
        &[
            "kubectl.kubernetes.io/last-applied-configuration",
            "\\\"password\\\":\\\"<secret 16 bytes hmac:",
            "the password is <secret 16 bytes hmac:",
        ],
    );
    assert_nowhere(&written_failure("applied-secret"), "sup3r-s3cret-Qx9");
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_secret_made_outside_kuttl_rs_and_printed_by_a_command_is_masked() {
    let message = RUN.failure_of("failing::secret-made-elsewhere");
    assert_contains(
        message,
        &[
            "the token is <secret 18 bytes hmac:",
            "failed, exit status 3",
        ],
    );
    assert_never_shown(message, "secret-made-elsewhere", "elsewh3re-T0ken-p4");
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_secret_in_another_namespace_printed_by_a_chainsaw_get_is_masked() {
    let message = RUN.failure_of("failing::chainsaw-get-secret");
    assert_contains(
        message,
        &[
            "kubectl get secrets chainsaw-elsewhere -n default -o yaml",
            "token: <secret 15 bytes hmac:",
        ],
    );
    assert_never_shown(message, "chainsaw-get-secret", "g3t-pr1nts-Th1s");
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_typed_wait_on_a_secret_shows_its_states_masked() {
    let message = RUN.failure_of("failing::typed-secret-wait");
    assert_contains(
        message,
        &[
            "the Secret to hold another password (typed-creds)",
            "password: <secret 17 bytes hmac:",
        ],
    );
    assert_nowhere(&written_failure("typed-secret-wait"), TYPED_SECRET_VALUE);
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn mask_fields_mask_a_config_map_key_and_leave_the_rest() {
    let message = RUN.failure_of("failing::masked-configmap");
    assert_contains(
        message,
        &[
            "/settings: .data.token: value mismatch, expected: <secret 16 bytes hmac:",
            "!= actual: <secret 17 bytes hmac:",
            "mode: fast",
        ],
    );
    assert_nowhere(&written_failure("masked-configmap"), "cm-token-Xy7-live");
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_number_as_a_label_value_fails_with_the_api_servers_reason() {
    assert_eq!(
        RUN.outcome("failing::numeric-label"),
        Some("FAILED"),
        "{}",
        RUN.output
    );
    assert_contains(
        RUN.failure_of("failing::numeric-label"),
        &[
            "applying /v1, Kind=ConfigMap numeric-label failed (tests/fixtures/failing/failing/numeric-label/00-configmap.yaml:1)",
            "cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
        ],
    );
}
