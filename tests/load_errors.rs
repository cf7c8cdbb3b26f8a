//! Every kind of load error is a failing offline trial whose message names the file, the line
//! where there is one, and the reason. Nothing panics and no test is dropped.

mod common;

use std::sync::LazyLock;

use rstest::rstest;

static RUN: LazyLock<common::Run> =
    LazyLock::new(|| common::run("tests/fixtures/load-errors/kuttl.yaml", &[]));

#[rstest]
#[case::malformed_yaml(
    "malformed-yaml",
    "broken/malformed-yaml/00-configmap.yaml:6:8: unclosed bracket '['"
)]
#[case::bad_index(
    "bad-index",
    "broken/bad-index/99999999999-configmap.yaml: parsing index failed: 99999999999 is out of range"
)]
#[case::unknown_file_in_step_folder(
    "unknown-file-in-step-folder",
    "broken/unknown-file-in-step-folder/01-step/notes.md: unrecognized file \"notes.md\" in a step folder"
)]
#[case::folder_in_step_folder(
    "folder-in-step-folder",
    "broken/folder-in-step-folder/00-step/nested: step folders cannot hold folders"
)]
#[case::two_test_steps(
    "two-test-steps",
    "broken/two-test-steps/00-second.yaml:6: more than 1 TestStep not allowed in step \"0-first\""
)]
#[case::missing_reference(
    "missing-reference",
    "broken/missing-reference/00-step.yaml:1: TestStep apply: \"does-not-exist.yaml\":"
)]
#[case::unknown_field(
    "unknown-field",
    "broken/unknown-field/00-step.yaml:3:1: unknown field `comands`, expected one of"
)]
#[case::no_kind("no-kind", "broken/no-kind/00-configmap.yaml:1: object has no kind")]
#[case::template_syntax(
    "template-syntax",
    "broken/template-syntax/00-configmap.gotmpl.yaml:7: template: 00-configmap.gotmpl.yaml:7: unexpected EOF"
)]
#[case::template_function(
    "template-function",
    "broken/template-function/00-secret.gotmpl.yaml:6: template: 00-secret.gotmpl.yaml:6: function \"genCA\" is not supported by kuttl-rs"
)]
#[case::template_yaml(
    "template-yaml",
    "broken/template-yaml/00-configmap.gotmpl.yaml:7:6: illegal placement of ':' indicator (line and column of the rendered template)"
)]
#[case::bad_separator(
    "bad-separator",
    "broken/bad-separator/00-configmaps.yaml:5:1: invalid YAML document separator: --- {}"
)]
#[case::misplaced_test_assert(
    "misplaced-test-assert",
    "broken/misplaced-test-assert/00-settings.yaml:1: a TestAssert belongs in an assert file"
)]
#[case::bad_command(
    "bad-command",
    "broken/bad-command/00-step.yaml:3: command and script can not be set in the same configuration"
)]
#[case::bad_kubeconfig_loading(
    "bad-kubeconfig-loading",
    "broken/bad-kubeconfig-loading/00-step.yaml:4: attribute 'kubeconfigLoading' has invalid value \"lazy\" (Eager or Lazy)"
)]
#[case::list_document(
    "scalar-document",
    "broken/scalar-document/00-list.yaml:1: a document must be a mapping"
)]
fn each_load_error_fails_its_offline_trial(#[case] test: &str, #[case] expected: &str) {
    let message = RUN.failure_of(&format!("broken::{test}::load")).to_string();
    assert!(
        message.starts_with("tests/fixtures/load-errors/"),
        "{message}"
    );
    assert!(
        message.contains(expected),
        "expected {expected:?} in:\n{message}"
    );
}

#[test]
fn load_errors_fail_the_offline_run_and_every_test_is_reported() {
    assert!(!RUN.passed());
    assert!(
        RUN.output
            .contains("test result: FAILED. 0 passed; 16 failed; 16 ignored;"),
        "{}",
        RUN.output
    );
}
