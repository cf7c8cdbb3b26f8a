//! `#[kuttl::test]` without a cluster: attributed functions become trials of their suites, and
//! the function's Rust path, as an editor's "Run Test" passes it, selects its trial.

mod common;

const LISTING: &str = "tests/fixtures/listing/kuttl.yaml";

mod greetings {
    #[kuttl::test(suite = "alpha")]
    pub async fn says_hello(ctx: kuttl::TestContext) -> Result<(), String> {
        ctx.log("hello");
        Ok(())
    }

    #[kuttl::test(suite = "beta", name = "with-fixture", timeout_seconds = 5)]
    pub async fn with_fixture(_ctx: kuttl::TestContext, value: &u32) -> anyhow::Result<()> {
        anyhow::ensure!(*value == 7);
        Ok(())
    }
}

#[test]
fn attributed_functions_are_cluster_trials_of_their_suites() {
    let run = common::run(LISTING, &["--list", "--ignored"]);
    assert!(run.passed(), "{}", run.output);
    assert_eq!(
        run.listed(),
        [
            "alpha::.hidden",
            "alpha::one",
            "alpha::says_hello",
            "alpha::slow-three",
            "alpha::two",
            "beta::one",
            "beta::with-fixture"
        ],
        "{}",
        run.output
    );
}

#[test]
fn the_functions_path_selects_its_trial_as_an_editor_names_it() {
    // rust-analyzer's "Run Test": `cargo test --test attribute -- greetings::says_hello --exact`.
    let run = common::run(LISTING, &["--list", "greetings::says_hello", "--exact"]);
    assert!(run.passed(), "{}", run.output);
    assert_eq!(run.listed(), ["alpha::says_hello"], "{}", run.output);

    let skipped = common::run(
        LISTING,
        &[
            "--list",
            "--ignored",
            "--skip",
            "greetings::with_fixture",
            "beta::",
        ],
    );
    assert_eq!(skipped.listed(), ["beta::one"], "{}", skipped.output);
}

#[test]
fn a_name_taken_by_a_folder_is_the_usual_duplicate_error() {
    let harness =
        kuttl::Harness::from_collection(LISTING)
            .typed_test("alpha", "says_hello", |_ctx| async { Ok::<(), String>(()) });
    let run = common::run_harness(
        harness,
        &[
            "--test-threads",
            "1",
            "--include-ignored",
            "--exact",
            "alpha::says_hello",
        ],
    );
    assert!(!run.passed(), "{}", run.output);
    let message = run.failure_of("alpha::says_hello");
    assert!(
        message.starts_with("2 tests are named alpha::says_hello: ")
            && message.contains("#[kuttl::test] fn greetings::says_hello (tests/attribute.rs:9)"),
        "{message}"
    );
}
