//! KUTTL's JSON report: `testsuites` → `testsuite` → (`testsuite` →) `testcase`, with KUTTL's field
//! names and order, times in seconds with three decimals, RFC 3339 timestamps, empty fields left
//! out, laid out as Go writes it.

use serde::Serialize;

use super::tree::{self, Case, Suite};
use super::{seconds, timestamp};

#[derive(Serialize)]
struct Testsuites {
    name: String,
    tests: usize,
    failures: usize,
    time: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    testsuite: Vec<Testsuite>,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<Failure>,
}

#[derive(Serialize)]
struct Testsuite {
    tests: usize,
    failures: usize,
    timestamp: String,
    time: String,
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    testcase: Vec<Testcase>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    testsuite: Vec<Testsuite>,
}

#[derive(Serialize)]
struct Testcase {
    classname: String,
    name: String,
    timestamp: String,
    time: String,
    #[serde(skip_serializing_if = "is_zero")]
    assertions: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<Failure>,
}

#[derive(Serialize)]
struct Failure {
    #[serde(skip_serializing_if = "String::is_empty")]
    text: String,
    message: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Renders the report; a failed collection hook is also the root `failure`, as KUTTL reports a
/// failed suite setup.
pub(crate) fn render(name: &str, suites: &[Suite], total: std::time::Duration) -> String {
    let failure = tree::collection_failure(suites).map(|f| Failure {
        message: f.message.clone(),
        text: String::new(),
    });
    let report = Testsuites {
        name: name.to_string(),
        tests: suites.iter().map(Suite::tests).sum(),
        failures: suites.iter().map(Suite::failures).sum(),
        time: seconds(total),
        failure,
        testsuite: suites.iter().map(suite).collect(),
    };
    go_indented(&report)
}

/// As Go's `json.MarshalIndent(v, " ", "  ")` writes it (and KUTTL with it): every line but the
/// first starts with one space, two spaces a level, and `<`, `>` and `&` are `\u003c`-escaped.
fn go_indented(report: &impl Serialize) -> String {
    let mut written = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut written, formatter);
    if report.serialize(&mut serializer).is_err() {
        return String::new();
    }
    let text = String::from_utf8(written).unwrap_or_default();
    // JSON text holds these characters only inside strings, and a line break never.
    text.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .replace('\n', "\n ")
}

fn suite(suite: &Suite) -> Testsuite {
    Testsuite {
        tests: suite.tests(),
        failures: suite.failures(),
        timestamp: timestamp(suite.started),
        time: seconds(suite.duration),
        name: suite.name.clone(),
        testcase: suite.cases.iter().map(case).collect(),
        testsuite: suite.suites.iter().map(self::suite).collect(),
    }
}

fn case(case: &Case) -> Testcase {
    Testcase {
        classname: case.classname.clone(),
        name: case.name.clone(),
        timestamp: timestamp(case.started),
        time: seconds(case.duration),
        assertions: case.assertions,
        failure: case.failure.as_ref().map(|f| Failure {
            message: f.message.clone(),
            text: f.text.clone(),
        }),
    }
}
