//! The harness end to end, without a cluster: listing, name filters, ignored flags, the `--exact`
//! fast path, JSON output and flags libtest-mimic would reject.

mod common;

use rstest::rstest;

const LISTING: &str = "tests/fixtures/listing/kuttl.yaml";

#[rstest]
#[case::everything(&["--list"], &[
    "alpha::.hidden", "alpha::.hidden::load", "alpha::one", "alpha::one::load", "alpha::slow-three",
    "alpha::slow-three::load", "alpha::two", "alpha::two::load", "beta::one", "beta::one::load",
])]
#[case::only_cluster_trials(&["--list", "--ignored"], &["alpha::.hidden", "alpha::one", "alpha::slow-three", "alpha::two", "beta::one"])]
#[case::substring_filter(&["--list", "alpha::one"], &["alpha::one", "alpha::one::load"])]
#[case::exact(&["--list", "--exact", "alpha::one"], &["alpha::one"])]
#[case::exact_load_trial(&["--list", "--exact", "beta::one::load"], &["beta::one::load"])]
#[case::skip(&["--list", "--skip", "slow", "--skip", "hidden", "alpha::"], &["alpha::one", "alpha::one::load", "alpha::two", "alpha::two::load"])]
#[case::several_filters(&["--list", "beta::", "alpha::two"], &["alpha::two", "alpha::two::load", "beta::one", "beta::one::load"])]
#[case::rejected_flags_tolerated(&["--list", "--report-time", "--shuffle", "--shuffle-seed", "3", "--format", "junit", "beta::"], &["beta::one", "beta::one::load"])]
fn lists_sorted_trials_named_suite_test(#[case] args: &[&str], #[case] expected: &[&str]) {
    let run = common::run(LISTING, args);
    assert!(run.passed(), "{}", run.output);
    assert_eq!(run.listed(), expected, "{}", run.output);
}

#[test]
fn plain_run_checks_files_and_ignores_cluster_trials() {
    let run = common::run(LISTING, &["--test-threads", "1"]);
    assert!(run.passed(), "{}", run.output);
    assert_eq!(run.outcome("alpha::one"), Some("ignored"), "{}", run.output);
    assert_eq!(
        run.outcome("alpha::one::load"),
        Some("ok"),
        "{}",
        run.output
    );
    assert!(
        run.output
            .contains("test result: ok. 5 passed; 0 failed; 5 ignored;"),
        "{}",
        run.output
    );
}

#[test]
fn exact_name_resolves_one_folder_without_listing_suites() {
    // The collection also names a suite folder that does not exist: a full scan would make a failing
    // trial for it, and filter it out; the fast path never sees it.
    let collection = "tests/fixtures/listing/missing-suite.yaml";
    let run = common::run(collection, &["--exact", "alpha::one::load"]);
    assert!(run.passed(), "{}", run.output);
    assert!(
        run.output
            .contains("1 passed; 0 failed; 0 ignored; 0 measured; 1 filtered out"),
        "{}",
        run.output
    );

    let full = common::run(collection, &["--list"]);
    assert!(
        full.listed().contains(&"gamma-does-not-exist"),
        "{}",
        full.output
    );
    let missing = common::run(collection, &["--exact", "gamma-does-not-exist"]);
    assert!(!missing.passed());
    assert!(
        missing
            .output
            .contains("test directory \"gamma-does-not-exist\" cannot be read"),
        "{}",
        missing.output
    );
}

#[test]
fn json_format_prints_one_event_per_line() {
    let run = common::run(
        LISTING,
        &[
            "--format",
            "json",
            "-Z",
            "unstable-options",
            "--show-output",
        ],
    );
    assert!(run.passed(), "{}", run.output);
    let events: Vec<serde_json::Value> = run
        .output
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON: {line:?}: {err}"))
        })
        .collect();
    let count = |event: &str| {
        events
            .iter()
            .filter(|e| e["type"] == "test" && e["event"] == event)
            .count()
    };
    assert_eq!(
        (count("started"), count("ok"), count("ignored")),
        (10, 5, 5)
    );
    let last = events.last().expect("a final suite event");
    assert_eq!(
        (
            last["type"].as_str(),
            last["event"].as_str(),
            last["passed"].as_u64()
        ),
        (Some("suite"), Some("ok"), Some(5))
    );
}

#[test]
fn unreadable_collection_is_one_failing_trial() {
    let run = common::run("tests/fixtures/listing/absent.yaml", &[]);
    assert!(!run.passed());
    assert!(
        run.output.contains("absent.yaml: cannot read file"),
        "{}",
        run.output
    );
}

async fn typed(_ctx: kuttl::TestContext) -> Result<(), String> {
    Ok(())
}

#[test]
fn two_tests_with_one_name_are_one_failing_trial_naming_both() {
    let harness = kuttl::Harness::from_collection(LISTING)
        .typed_test("beta", "one", typed)
        .typed_test("alpha", "typed", typed)
        .typed_test("alpha", "typed", typed);
    let run = common::run_harness(harness, &["--test-threads", "1"]);
    assert!(!run.passed(), "{}", run.output);
    assert_eq!(run.outcome("beta::one"), Some("FAILED"), "{}", run.output);
    assert_eq!(
        run.outcome("alpha::typed"),
        Some("FAILED"),
        "{}",
        run.output
    );
    assert_eq!(
        run.output.matches("test beta::one ").count(),
        1,
        "{}",
        run.output
    );
    let message = run.failure_of("beta::one");
    assert!(
        message.starts_with("2 tests are named beta::one: the test folder ")
            && message.contains("tests/fixtures/listing/beta/one and the typed test registered with typed_test(\"beta\", \"one\")"),
        "{message}"
    );
    assert!(
        run.failure_of("alpha::typed").starts_with(
            "2 tests are named alpha::typed: the typed test registered with typed_test(\"alpha\", \"typed\") and the typed test registered with typed_test(\"alpha\", \"typed\")"
        ),
        "{}",
        run.output
    );
    // The folder's offline check keeps its own name and still runs.
    assert_eq!(run.outcome("beta::one::load"), Some("ok"), "{}", run.output);
}
