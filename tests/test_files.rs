//! `TestFile.testRunSelector` chooses a step's files by the run's labels, as in KUTTL.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kuttl::load::discover::TestRef;
use kuttl::load::test_case::{self, LoadOptions};
use rstest::rstest;

fn applied(labels: &[(&str, &str)]) -> Vec<String> {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let test = TestRef {
        suite: "core".into(),
        suite_dir: PathBuf::from("suites/core"),
        name: "test-run-labels".into(),
        dir: PathBuf::from("suites/core/test-run-labels"),
    };
    let options = LoadOptions {
        ignore_files: &[],
        run_labels: &labels,
        namespace: "kuttl-test-files",
        template_vars: &BTreeMap::new(),
    };
    let case = test_case::load(&test, &options).unwrap();
    case.steps[0]
        .apply
        .iter()
        .map(|o| o.value["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[rstest]
#[case::no_labels(&[], &["always"])]
#[case::vanilla(&[("flavor", "vanilla")], &["always", "vanilla"])]
#[case::chocolate(&[("flavor", "chocolate")], &["always", "chocolate"])]
fn files_are_chosen_by_the_run_labels(#[case] labels: &[(&str, &str)], #[case] expected: &[&str]) {
    assert_eq!(applied(labels), expected);
}
