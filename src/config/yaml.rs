//! Reading YAML the way KUTTL and kubectl do.
//!
//! Files are split into documents on `---` lines exactly as apimachinery's YAML reader splits them
//! (only spaces or a `#` comment may follow the dashes), so every document knows the line it starts on.
//! Each document is then parsed with serde-saphyr set to YAML 1.1 number rules (`0644` is 420) and
//! last-duplicate-key-wins, which is what sigs.k8s.io/yaml does; a document starting with `{` is JSON.

use serde::de::DeserializeOwned;
use serde_saphyr::{DuplicateKeyPolicy, Options};

use super::yaml_value::YamlValue;

/// One document of a multi-document file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDocument<'a> {
    /// The document's text, separators excluded.
    pub text: &'a str,
    /// The 1-based line of the file the text starts on.
    pub first_line: usize,
}

/// A YAML or JSON syntax or shape error, positioned in the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// 1-based line in the file.
    pub line: usize,
    /// 1-based column, `0` when unknown.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Splits a file into documents on lines that start with `---`.
///
/// # Errors
///
/// A separator line with anything but spaces or a comment after the dashes (`----`, `--- {}`).
pub fn split_documents(src: &str) -> Result<Vec<RawDocument<'_>>, YamlError> {
    let mut documents = Vec::new();
    let mut start = 0;
    let mut first_line = 1;
    let mut offset = 0;
    for (index, line) in src.split_inclusive('\n').enumerate() {
        if let Some(rest) = line.strip_prefix("---") {
            let rest = rest.trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(YamlError {
                    line: index + 1,
                    column: 1,
                    message: format!("invalid YAML document separator: {}", line.trim_end()),
                });
            }
            documents.push(RawDocument {
                text: &src[start..offset],
                first_line,
            });
            start = offset + line.len();
            first_line = index + 2;
        }
        offset += line.len();
    }
    documents.push(RawDocument {
        text: &src[start..],
        first_line,
    });
    documents.retain(|doc| !is_blank(doc.text));
    Ok(documents)
}

/// Whether a document holds only whitespace and comments (YAML breaks lines at CR, LF and CRLF).
/// One with a character YAML does not allow (a control character, U+FFFF, …), even in a comment,
/// is not: the parser rejects it, as Go's YAML does.
fn is_blank(text: &str) -> bool {
    // YAML's printable characters.
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}')
            || matches!(c, '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
    };
    let forbidden = |c: char| !printable(c);
    // YAML breaks lines at a lone CR too.
    !text.contains(forbidden)
        && text.split(['\n', '\r']).all(|line| {
            let line = line.trim();
            line.is_empty() || line.starts_with('#')
        })
}

fn options() -> Options {
    let mut options = Options::default();
    options.legacy_octal_numbers = true;
    options.duplicate_keys = DuplicateKeyPolicy::LastWins;
    options.with_snippet = false;
    options
}

/// Parses a document into a JSON value. `Ok(None)` for a document that holds nothing (`~`, `...`).
///
/// # Errors
///
/// Invalid YAML or JSON, or a value JSON cannot hold (`.inf`).
pub fn parse_value(doc: &RawDocument<'_>) -> Result<Option<serde_json::Value>, YamlError> {
    // A JSON document is decoded as JSON, as Go's YAML-or-JSON decoder does (`1.0` stays a
    // float); YAML goes through Go's YAML-to-JSON conversion (see `yaml_value`).
    let value = if is_json(doc) {
        parse::<serde_json::Value>(doc)?
    } else {
        parse::<YamlValue>(doc)?.into_json()
    };
    Ok(match value {
        serde_json::Value::Null => None,
        value => Some(normalize_numbers(value)),
    })
}

/// Parses `text` as one YAML document with the reader's YAML settings, without the reader's own
/// layer (document splitting, JSON detection, positions in the file): the reference the reader's
/// values are fuzzed against. `Ok(None)` for a document that holds nothing.
///
/// # Errors
///
/// serde-saphyr's error, as text.
pub fn parse_plain(text: &str) -> Result<Option<serde_json::Value>, String> {
    let value: YamlValue =
        serde_saphyr::from_str_with_options(text, options()).map_err(|err| err.to_string())?;
    Ok(match value.into_json() {
        serde_json::Value::Null => None,
        value => Some(normalize_numbers(value)),
    })
}

/// Whether a document is JSON: its first character is `{`.
fn is_json(doc: &RawDocument<'_>) -> bool {
    doc.text.trim_start().starts_with('{')
}

/// Parses a document into a config type.
///
/// # Errors
///
/// Invalid YAML or JSON, or a document that does not fit the type (unknown field, wrong type).
pub fn parse_typed<T: DeserializeOwned>(doc: &RawDocument<'_>) -> Result<T, YamlError> {
    parse(doc)
}

fn parse<T: DeserializeOwned>(doc: &RawDocument<'_>) -> Result<T, YamlError> {
    if is_json(doc) {
        let mut stream = serde_json::Deserializer::from_str(doc.text).into_iter::<T>();
        return match stream.next() {
            Some(Ok(value)) => Ok(value),
            Some(Err(err)) => Err(YamlError {
                line: doc.first_line + err.line().saturating_sub(1),
                column: err.column(),
                message: strip_json_position(&err.to_string()),
            }),
            None => unreachable!("a document starting with '{{' holds a JSON value or an error"),
        };
    }
    serde_saphyr::from_str_with_options(doc.text, options()).map_err(|err| {
        let (line, column) = err
            .location()
            .map_or((0, 0), |at| (at.line() as usize, at.column() as usize));
        YamlError {
            line: doc.first_line + line.saturating_sub(1),
            column,
            message: strip_saphyr_position(&err.to_string()),
        }
    })
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_json_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// serde-saphyr appends " at line L, column C" (positions within the document); the file position
/// is reported separately.
fn strip_saphyr_position(message: &str) -> String {
    let first_line = message.lines().next().unwrap_or(message);
    match first_line.rfind(" at line ") {
        Some(at) => first_line[..at].to_string(),
        None => first_line.to_string(),
    }
}

/// Go decodes JSON integers into int64 and everything else into float64: integers beyond the
/// int64 range become floats here too, so comparisons stay type-strict in the same way.
fn normalize_numbers(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_u64() && n.as_i64().is_none() => {
            serde_json::Number::from_f64(n.as_f64().unwrap_or(f64::MAX))
                .map_or(Value::Null, Value::Number)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_numbers).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, value)| (key, normalize_numbers(value)))
                .collect(),
        ),
        other => other,
    }
}

/// The line of a top-level `key:` in a block-style document, else the document's first line.
pub fn key_line(doc: &RawDocument<'_>, key: &str) -> usize {
    doc.text
        .lines()
        .position(|line| {
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(doc.first_line, |index| doc.first_line + index)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    fn values(src: &str) -> Vec<(usize, serde_json::Value)> {
        split_documents(src)
            .unwrap()
            .iter()
            .filter_map(|doc| parse_value(doc).unwrap().map(|v| (doc.first_line, v)))
            .collect()
    }

    #[rstest]
    #[case::yaml11_booleans("a: yes\nb: on\nc: y\nd: NO\n", json!({"a": true, "b": true, "c": true, "d": false}))]
    #[case::legacy_octal("mode: 0644\nneg: -0644\ne: 012\n", json!({"mode": 420, "neg": -420, "e": 10}))]
    #[case::prefixed("o: 0o644\nx: 0x1F\n", json!({"o": 420, "x": 31}))]
    #[case::underscores("num: 1_000\n", json!({"num": 1000}))]
    #[case::last_duplicate_wins("a: 1\na: 2\n", json!({"a": 2}))]
    #[case::merge_key("b: &b {x: 1}\nc:\n  <<: *b\n  z: 2\n", json!({"b": {"x": 1}, "c": {"x": 1, "z": 2}}))]
    #[case::yaml11_boolean_keys("y: 1\nno: 2\n'y': 3\n", json!({"true": 1, "false": 2, "y": 3}))]
    #[case::integral_floats("a: 1.0\nb: 1e3\nc: 1e21\nd: 0.5\ne: !!float 2\n", json!({"a": 1, "b": 1000, "c": 1e21, "d": 0.5, "e": 2}))]
    #[case::custom_tag("a: !custom foo\n", json!({"a": "foo"}))]
    #[case::keys_are_strings("1: one\ntrue: t\n", json!({"1": "one", "true": "t"}))]
    #[case::json_document("{\"a\": 1, \"b\": [true]}", json!({"a": 1, "b": [true]}))]
    #[case::beyond_int64("big: 18446744073709551615\n", json!({"big": 18446744073709551615.0}))]
    fn reads_scalars_as_kubectl_does(#[case] src: &str, #[case] expected: serde_json::Value) {
        assert_eq!(values(src), vec![(1, expected)]);
    }

    #[test]
    fn plain_parsing_gives_the_readers_values_for_one_document() {
        let text = "a: 1.0\ny: [yes, 0644]\nb: &x {c: d}\ne: *x\n";
        let doc = split_documents(text).unwrap()[0];
        assert_eq!(parse_plain(text), Ok(parse_value(&doc).unwrap()));
        assert_eq!(parse_plain("# only a comment\n"), Ok(None));
        assert!(parse_plain("a: [\n").is_err());
    }

    #[rstest]
    #[case::sequence_key("? [a, b]\n: c\n")]
    #[case::map_key("? {a: 1}\n: c\n")]
    #[case::nested_complex_keys("? ? ? a\n    : b\n  : c\n: d\n")]
    fn a_sequence_or_map_as_a_key_is_an_error(#[case] src: &str) {
        // kubectl fails on them too (Go's YAML-to-JSON conversion takes only scalar keys).
        let doc = split_documents(src).unwrap()[0];
        assert!(parse_value(&doc).is_err(), "{:?}", parse_value(&doc));
    }

    #[test]
    fn a_control_character_in_a_comment_is_an_error_not_a_blank_document() {
        // Found by the yaml_values fuzz target; Go's YAML reader rejects control characters
        // anywhere in its input.
        let text = "# h\u{0}ead\n# tail\n";
        let docs = split_documents(text).unwrap();
        assert_eq!(docs.len(), 1);
        assert!(parse_value(&docs[0]).is_err());
        // A lone CR breaks the line: the `%` starts a directive, which is malformed.
        let docs = split_documents("# c\r%\r").unwrap();
        assert_eq!(docs.len(), 1);
        assert!(parse_value(&docs[0]).is_err());
    }

    #[test]
    fn splits_documents_and_keeps_their_lines() {
        let src =
            "a: 1\n---\n# only a comment\n--- # trailing comment\n\nb: 2\n---\n...\n---\nc: 3\n";
        assert_eq!(
            values(src),
            vec![
                (1, json!({"a": 1})),
                (5, json!({"b": 2})),
                (10, json!({"c": 3}))
            ]
        );
    }

    #[rstest]
    #[case::four_dashes("a: 1\n----\nb: 2\n", 2)]
    #[case::flow_after_separator("a: 1\n--- {}\n", 2)]
    fn rejects_bad_separators(#[case] src: &str, #[case] line: usize) {
        let err = split_documents(src).unwrap_err();
        assert_eq!(err.line, line);
        assert!(
            err.message.starts_with("invalid YAML document separator"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_carry_the_file_line() {
        let src = "a: 1\n---\nkind: Pod\nmetadata:\n  name: [unclosed\n";
        let docs = split_documents(src).unwrap();
        let err = parse_value(&docs[1]).unwrap_err();
        assert!(err.line >= 5, "line {} in {err:?}", err.line);
    }

    #[test]
    fn finds_the_line_of_a_key() {
        let src = "x: 1\n---\napiVersion: v1\nkind: Pod\nspec: {}\n";
        let docs = split_documents(src).unwrap();
        assert_eq!(key_line(&docs[1], "spec"), 5);
        assert_eq!(key_line(&docs[1], "absent"), 3);
    }
}
