//! `*.gotmpl.yaml` step files: a valid template test loads offline (rendered with a placeholder
//! namespace), and a malformed `KUTTL_TEMPLATE_VARS` fails the run as an `environment` trial.

mod common;

#[test]
fn template_tests_load_offline_and_bad_template_variables_fail_the_run() {
    let run = common::run("suites/kuttl.yaml", &["--exact", "core::templates::load"]);
    assert!(run.passed(), "{}", run.output);
    assert!(
        run.output.contains("test result: ok. 1 passed;"),
        "{}",
        run.output
    );

    // SAFETY: this binary's only test; the harness above has returned and started no thread
    // that still reads the environment.
    unsafe { std::env::set_var("KUTTL_TEMPLATE_VARS", "colors=[red") };
    let run = common::run("suites/kuttl.yaml", &[]);
    assert!(!run.passed());
    let message = run.failure_of("environment");
    assert!(
        message.starts_with(
            "invalid value \"colors=[red\" for environment variable KUTTL_TEMPLATE_VARS: the value of \"colors\": "
        ),
        "{message}"
    );
}
