//! Hooks whose files or commands are malformed fail the offline load trials, naming the hook, the
//! file and the line.

mod common;

#[test]
fn a_collection_hook_error_fails_every_load_trial() {
    let run = common::run("tests/fixtures/hook-errors/kuttl.yaml", &[]);
    assert!(!run.passed());
    assert_eq!(
        run.outcome("suite::some-test::load"),
        Some("FAILED"),
        "{}",
        run.output
    );
    assert!(
        run.output.contains("tests/fixtures/hook-errors/kuttl.yaml:6: afterCollection: command and script can not be set in the same configuration"),
        "{}",
        run.output
    );
}

#[test]
fn a_suite_hook_error_fails_the_suites_load_trials() {
    let run = common::run("tests/fixtures/hook-errors/bad-suite-hook.yaml", &[]);
    assert!(!run.passed());
    assert!(
        run.output.contains(
            "tests/fixtures/hook-errors/suite/kuttl-testsuite.yaml:3: beforeSuite: crdDir: "
        ) && run.output.contains("no-such-folder is not a folder"),
        "{}",
        run.output
    );
}
