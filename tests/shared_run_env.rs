//! The variables of a run shared by several machines are checked on every run: a bad
//! `KUTTL_LEASE_SECONDS` fails the run as an `environment` trial, with or without a run id.

mod common;

#[test]
fn a_bad_lease_duration_fails_the_run_and_names_the_variable() {
    // SAFETY: this binary's only test, run before the harness starts any thread.
    unsafe { std::env::set_var("KUTTL_LEASE_SECONDS", "1m") };
    let run = common::run("suites/kuttl.yaml", &[]);
    assert!(!run.passed(), "{}", run.output);
    assert_eq!(
        run.failure_of("environment").trim_end(),
        "KUTTL_LEASE_SECONDS=\"1m\": a whole number of seconds above 0"
    );
}
