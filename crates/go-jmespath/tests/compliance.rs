//! The JMESPath Community compliance suite (`tests/compliance/`, see its README) run case by case:
//! result cases compare values (numbers by value), error cases compare the error kind.

use std::path::Path;

use go_jmespath::{Bindings, Error, FunctionError, Functions, compile};
use serde_json::Value;

/// Cases that do not pass, by `file: expression`, with why.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "functions.json: zip(str)",
        "go-jmespath checks the count before the types, so it reports invalid-arity too",
    ),
    ("legacy/legacy-literal.json: `foo`", LEGACY),
    (r#"legacy/legacy-literal.json: `foo\"quote`"#, LEGACY),
    ("legacy/legacy-literal.json: `\u{2713}`", LEGACY),
    (r"legacy/legacy-literal.json: `1\``", LEGACY),
    (r"legacy/legacy-literal.json: `\\`.{a:`b`}", LEGACY),
    ("legacy/legacy-literal.json: `      foo`", LEGACY),
    ("legacy/legacy-literal.json: `0\u{85}`", UNICODE_SPACE),
    ("legacy/legacy-literal.json: `0\u{a0}`", UNICODE_SPACE),
    ("legacy/legacy-literal.json: `0\u{1680}`", UNICODE_SPACE),
    ("legacy/legacy-literal.json: `0\u{2028}`", UNICODE_SPACE),
    ("legacy/legacy-literal.json: `0\u{3000}`", UNICODE_SPACE),
];

/// go-jmespath's own run of the suite skips `legacy/legacy-literal.json`.
const LEGACY: &str = "legacy literal (text that is not JSON), which go-jmespath rejects too";
const UNICODE_SPACE: &str =
    "legacy: a non-ASCII space after the JSON, which Go's encoding/json rejects too";

fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Syntax { .. } => "syntax",
        Error::UnknownFunction { .. } => "unknown-function",
        Error::InvalidArity { .. } => "invalid-arity",
        Error::InvalidType { .. }
        | Error::Function {
            error: FunctionError::InvalidType(_),
            ..
        } => "invalid-type",
        Error::InvalidValue { .. }
        | Error::Function {
            error: FunctionError::InvalidValue(_),
            ..
        } => "invalid-value",
        Error::UndefinedVariable { .. } => "undefined-variable",
        Error::Function { .. } => "function-failed",
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, a)| b.get(k).is_some_and(|b| same(a, b)))
        }
        _ => a == b,
    }
}

/// Why a case fails, or `None` when it passes.
fn run_case(given: &Value, case: &Value, functions: &Functions) -> Option<String> {
    let expression = case["expression"].as_str().unwrap_or_default();
    let outcome = compile(expression)
        .and_then(|compiled| compiled.search(given, &Bindings::new(), functions));
    match (case.get("error").and_then(Value::as_str), outcome) {
        (Some(kind), Err(error)) if error_kind(&error) == kind => None,
        (Some(kind), Err(error)) => Some(format!(
            "expected a {kind} error, got {} ({error})",
            error_kind(&error)
        )),
        (Some(kind), Ok(value)) => Some(format!("expected a {kind} error, got {value}")),
        (None, Err(error)) => Some(format!("error: {error}")),
        (None, Ok(value)) => match case.get("result") {
            Some(expected) if !same(expected, &value) => {
                Some(format!("expected {expected}, got {value}"))
            }
            _ => None,
        },
    }
}

#[test]
fn compliance() {
    let functions = Functions::community();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compliance");
    let mut files = Vec::new();
    for entry in walk(&root) {
        if entry.extension().is_some_and(|e| e == "json") {
            files.push(entry);
        }
    }
    files.sort();
    let (mut passed, mut total) = (0, 0);
    let mut unexpected = Vec::new();
    let mut seen_exceptions = Vec::new();
    for file in &files {
        let name = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .into_owned();
        let suites: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        for suite in &suites {
            for case in suite["cases"].as_array().unwrap() {
                total += 1;
                let key = format!(
                    "{name}: {}",
                    case["expression"].as_str().unwrap_or_default()
                );
                let excepted = EXCEPTIONS.iter().any(|(k, _)| *k == key);
                match run_case(&suite["given"], case, &functions) {
                    None if excepted => {
                        unexpected.push(format!("{key}: passes now, remove it from EXCEPTIONS"))
                    }
                    None => passed += 1,
                    Some(_) if excepted => seen_exceptions.push(key),
                    Some(why) => unexpected.push(format!("{key}: {why}")),
                }
            }
        }
    }
    println!(
        "compliance: {passed} of {total} cases pass, {} listed exceptions",
        seen_exceptions.len()
    );
    assert!(
        unexpected.is_empty(),
        "{} unexpected results:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path))
        } else {
            found.push(path)
        }
    }
    found
}
