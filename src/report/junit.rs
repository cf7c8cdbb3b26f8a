//! The JUnit XML report in KUTTL's layout, byte for byte as Go's `encoding/xml` writes it (a
//! one-space prefix, two-space indent, no declaration, Go's escapes): `testsuites` → `testsuite`
//! per suite folder → with step granularity a `testsuite` per test → `testcase`s.

use std::fmt::Write as _;

use super::tree::{self, Case, Suite};
use super::{seconds, timestamp};

const PREFIX: &str = " ";
const INDENT: &str = "  ";

/// Renders the report; a failed collection hook is also the root `failure`, as in the JSON report.
pub(crate) fn render(name: &str, suites: &[Suite], total: std::time::Duration) -> String {
    let mut out = String::new();
    let tests = suites.iter().map(Suite::tests).sum::<usize>().to_string();
    let failures = suites
        .iter()
        .map(Suite::failures)
        .sum::<usize>()
        .to_string();
    open(
        &mut out,
        0,
        "testsuites",
        &[
            ("name", name),
            ("tests", &tests),
            ("failures", &failures),
            ("time", &seconds(total)),
        ],
    );
    for rendered in suites {
        suite(&mut out, 1, rendered);
    }
    if let Some(failure) = tree::collection_failure(suites) {
        line(&mut out, 1);
        failure_element(&mut out, &failure.message, "");
    }
    close(&mut out, 0, "testsuites", true);
    out
}

fn suite(out: &mut String, depth: usize, suite: &Suite) {
    let tests = suite.tests().to_string();
    let failures = suite.failures().to_string();
    open(
        out,
        depth,
        "testsuite",
        &[
            ("tests", &tests),
            ("failures", &failures),
            ("timestamp", &timestamp(suite.started)),
            ("time", &seconds(suite.duration)),
            ("name", &suite.name),
        ],
    );
    for rendered in &suite.cases {
        case(out, depth + 1, rendered);
    }
    for sub in &suite.suites {
        self::suite(out, depth + 1, sub);
    }
    close(
        out,
        depth,
        "testsuite",
        !suite.cases.is_empty() || !suite.suites.is_empty(),
    );
}

fn case(out: &mut String, depth: usize, case: &Case) {
    open(
        out,
        depth,
        "testcase",
        &[
            ("classname", &case.classname),
            ("name", &case.name),
            ("timestamp", &timestamp(case.started)),
            ("time", &seconds(case.duration)),
            ("assertions", &case.assertions.to_string()),
        ],
    );
    if let Some(failure) = &case.failure {
        line(out, depth + 1);
        failure_element(out, &failure.message, &failure.text);
    }
    close(out, depth, "testcase", case.failure.is_some());
}

fn failure_element(out: &mut String, message: &str, text: &str) {
    let _ = write!(
        out,
        "<failure message=\"{}\" type=\"\">{}</failure>",
        escape(message),
        escape(text)
    );
}

/// Starts a new line at `depth`.
fn line(out: &mut String, depth: usize) {
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(PREFIX);
    out.push_str(&INDENT.repeat(depth));
}

fn open(out: &mut String, depth: usize, name: &str, attributes: &[(&str, &str)]) {
    line(out, depth);
    let _ = write!(out, "<{name}");
    for (key, value) in attributes {
        let _ = write!(out, " {key}=\"{}\"", escape(value));
    }
    out.push('>');
}

/// Ends an element; one with children closes on a line of its own.
fn close(out: &mut String, depth: usize, name: &str, had_children: bool) {
    if had_children {
        line(out, depth);
    }
    let _ = write!(out, "</{name}>");
}

/// Go's `xml.EscapeText`: quotes, `&`, `<`, `>`, tab and line breaks as character references, and
/// characters XML cannot hold as U+FFFD.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => escaped.push_str("&#34;"),
            '\'' => escaped.push_str("&#39;"),
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\t' => escaped.push_str("&#x9;"),
            '\n' => escaped.push_str("&#xA;"),
            '\r' => escaped.push_str("&#xD;"),
            c if is_xml_char(c) => escaped.push(c),
            _ => escaped.push('\u{FFFD}'),
        }
    }
    escaped
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_go_does() {
        assert_eq!(
            escape("command \"a\\n b >&2\"\n'x'\t\u{1}"),
            "command &#34;a\\n b &gt;&amp;2&#34;&#xA;&#39;x&#39;&#x9;\u{FFFD}"
        );
    }
}
