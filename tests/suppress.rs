//! `suppress: [events]` leaves the namespace's events out of failure messages, as KUTTL leaves out
//! its events dump; other values have no effect and say so.

mod common;

use kuttl::load;
use rstest::rstest;

fn read(yaml: &str) -> load::Collection {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kuttl.yaml");
    std::fs::write(&path, yaml).unwrap();
    load::collection::read(&path).unwrap()
}

const V2: &str = "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [e2e]\n";
const V1: &str = "apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\ntestDirs: [e2e]\n";

#[rstest]
#[case::absent(V2, "", false, false)]
#[case::events(V2, "suppress: [events]\n", true, false)]
#[case::case_sensitive(V2, "suppress: [Events]\n", false, true)]
#[case::other_value(V2, "suppress: [events, logs]\n", true, true)]
#[case::legacy_events(V1, "suppress: [events]\n", true, false)]
#[case::legacy_other_value(V1, "suppress: [logs]\n", false, true)]
fn only_events_is_suppressed(
    #[case] head: &str,
    #[case] suppress: &str,
    #[case] events_suppressed: bool,
    #[case] warned: bool,
) {
    let collection = read(&format!("{head}{suppress}"));
    assert_eq!(collection.suppress_events, events_suppressed);
    let warnings: Vec<String> = collection.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(
        warnings
            .iter()
            .any(|w| w.contains("suppress") && w.contains("only \"events\" has an effect")),
        warned,
        "{warnings:?}"
    );
}

/// Against the cluster in `KUBECONFIG`: the failing fixture `wrong-assert` fails with its diff but
/// without the events section.
#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn suppressed_events_are_left_out_of_the_failure() {
    let dir = tempfile::tempdir().unwrap();
    let suite = std::env::current_dir()
        .unwrap()
        .join("tests/fixtures/failing/failing");
    let path = dir.path().join("kuttl.yaml");
    std::fs::write(
        &path,
        format!(
            "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [{}]\ntimeout: 3\nsuppress: [events]\ncontrolPlane:\n  start: auto\n",
            suite.display()
        ),
    )
    .unwrap();
    let run = common::run(
        &path.display().to_string(),
        &["--include-ignored", "--exact", "failing::wrong-assert"],
    );
    let failure = run.failure_of("failing::wrong-assert");
    assert!(
        failure.contains("expected: blue != actual: orange"),
        "{failure}"
    );
    assert!(!failure.contains("events in namespace"), "{failure}");
}
