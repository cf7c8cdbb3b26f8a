//! With no cluster configured, every cluster trial fails at once with one message that says how to
//! point at a cluster; the offline trials still pass.

mod common;

#[test]
fn cluster_trials_fail_with_one_clear_message() {
    let home = tempfile::tempdir().unwrap();
    // SAFETY: this binary's only test, run before any thread of its own reads the environment.
    unsafe {
        std::env::set_var("KUBECONFIG", home.path().join("no-such-kubeconfig"));
        std::env::set_var("HOME", home.path());
        std::env::remove_var("KUBERNETES_SERVICE_HOST");
        std::env::remove_var("KUBEBUILDER_ASSETS");
    }
    let run = common::run("tests/fixtures/listing/kuttl.yaml", &["--include-ignored"]);
    assert!(!run.passed());
    assert!(
        run.output
            .contains("test result: FAILED. 5 passed; 5 failed;"),
        "{}",
        run.output
    );
    let messages = run
        .output
        .matches("no Kubernetes cluster configured: ")
        .count();
    assert_eq!(messages, 5, "{}", run.output);
    assert!(
        run.output.contains(
            "(hint: point KUBECONFIG at a cluster, set controlPlane.start with KUBEBUILDER_ASSETS"
        ),
        "{}",
        run.output
    );
    assert_eq!(
        run.outcome("alpha::one::load"),
        Some("ok"),
        "{}",
        run.output
    );
}
