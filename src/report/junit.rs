//! The JUnit XML report, with quick-junit. One `testsuite` per suite folder; with step granularity
//! each test's steps are test cases whose `classname` is the test (JUnit has no nested suites).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::tree::{Case, Suite};

/// Renders the report.
pub(crate) fn render(
    name: &str,
    suites: &[Suite],
    total: std::time::Duration,
) -> Result<String, String> {
    let mut report = Report::new(name);
    report.set_time(total);
    for suite in suites {
        let mut rendered = TestSuite::new(suite.name.as_str());
        rendered
            .set_timestamp(chrono::DateTime::<chrono::Local>::from(suite.started).fixed_offset());
        rendered.set_time(suite.duration);
        let cases = suite
            .cases
            .iter()
            .chain(suite.suites.iter().flat_map(|sub| &sub.cases));
        rendered.add_test_cases(cases.map(case));
        report.add_test_suite(rendered);
    }
    report
        .to_string()
        .map_err(|err| format!("cannot render the JUnit report: {err}"))
}

fn case(case: &Case) -> TestCase {
    let status = match &case.failure {
        None => TestCaseStatus::success(),
        Some(failure) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(failure.message.as_str());
            status.set_description(failure.text.as_str());
            status
        }
    };
    let mut rendered = TestCase::new(case.name.as_str(), status);
    rendered.set_classname(case.classname.as_str());
    rendered.set_timestamp(chrono::DateTime::<chrono::Local>::from(case.started).fixed_offset());
    rendered.set_time(case.duration);
    rendered.set_assertions(case.assertions);
    rendered
}
