//! A collection's `namespace` is shared by every test: created once per run when missing, and
//! deleted at the end only if the run created it.
//!
//! The test looks at the namespace with `kubectl` itself, so it needs the cluster `KUBECONFIG` (or
//! `~/.kube/config`) names; without one it says so and checks nothing.

mod common;

use std::process::Command;

const COLLECTION: &str = "tests/fixtures/user-namespace/kuttl.yaml";
const NAMESPACE: &str = "kuttl-rs-shared-ns";

fn namespace_phase() -> Option<String> {
    let output = Command::new("kubectl")
        .args([
            "get",
            "namespace",
            NAMESPACE,
            "-o",
            "jsonpath={.status.phase}",
        ])
        .output()
        .expect("kubectl runs");
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn a_shared_namespace_is_created_and_deleted_by_the_run_or_kept_when_it_existed() {
    let configured = std::env::var_os("KUBECONFIG").is_some_and(|path| !path.is_empty())
        || std::env::var_os("HOME")
            .is_some_and(|home| std::path::Path::new(&home).join(".kube/config").is_file());
    if !configured {
        eprintln!("skipped: no KUBECONFIG or ~/.kube/config, and this test runs kubectl itself");
        return;
    }
    assert_eq!(
        namespace_phase(),
        None,
        "{NAMESPACE} must not exist before the test"
    );
    let run = common::run(COLLECTION, &["--include-ignored"]);
    assert!(run.passed(), "{}", run.output);
    // This run created it, so it deleted it.
    assert_ne!(namespace_phase().as_deref(), Some("Active"));

    // Wait until it is gone, then make it exist beforehand: the run must keep it.
    for _ in 0..60 {
        if namespace_phase().is_none() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    assert!(
        Command::new("kubectl")
            .args(["create", "namespace", NAMESPACE])
            .status()
            .expect("kubectl")
            .success()
    );
    let run = common::run(COLLECTION, &["--include-ignored"]);
    assert!(run.passed(), "{}", run.output);
    assert_eq!(
        namespace_phase().as_deref(),
        Some("Active"),
        "a namespace the run did not create is kept"
    );
    let leftover = Command::new("kubectl")
        .args(["get", "configmaps", "-n", NAMESPACE, "-o", "name"])
        .output()
        .expect("kubectl");
    let leftover = String::from_utf8_lossy(&leftover.stdout);
    assert!(
        !leftover.contains("from-first") && !leftover.contains("from-second"),
        "created objects are deleted: {leftover}"
    );
    assert!(
        Command::new("kubectl")
            .args(["delete", "namespace", NAMESPACE, "--wait=false"])
            .status()
            .expect("kubectl")
            .success()
    );
}
