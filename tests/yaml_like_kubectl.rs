//! Every YAML form kubectl reads loads here with the values kubectl reads.
//!
//! How the expected values were obtained: each case's text was written to a file byte for byte and
//! read by kubectl v1.28 (the same YAML stack as KUTTL's) with
//! `kubectl create --dry-run=client --validate=false -o json -f FILE`, against a Kubernetes 1.28
//! API server for the REST mapping; its JSON output is the expected value, with the
//! `metadata.namespace: default` that kubectl's client-side dry run adds from the kubeconfig
//! context removed (the files name no namespace). `None`: kubectl rejects the file.
//!
//! Note the YAML 1.1 keys kubectl reads as booleans (`n`, `y`) and the numbers that become
//! integers once they pass through JSON (`!!float 1`, `1e3`).

use kuttl::config::yaml::{parse_value, split_documents};
use rstest::rstest;

/// The values of a file's documents as this reader gives them, or the first error.
fn read(text: &str) -> Result<Vec<serde_json::Value>, String> {
    let mut values = Vec::new();
    for doc in split_documents(text).map_err(|err| err.to_string())? {
        if let Some(value) = parse_value(&doc).map_err(|err| err.to_string())? {
            values.push(value);
        }
    }
    Ok(values)
}

#[rstest]
#[case::anchors_aliases("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata: &d\n  k: v\nextra:\n  copy: *d\n  scalar: &s hello\n  again: *s\n", Some(r#"{"apiVersion":"v1","data":{"k":"v"},"extra":{"again":"hello","copy":{"k":"v"},"scalar":"hello"},"kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::block_root("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n  n: \"1\"\n", Some(r#"{"apiVersion":"v1","data":{"false":"1","k":"v"},"kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::bom(
    "\u{feff}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n",
    Some(r#"{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"name":"c"}}"#)
)]
#[case::comments_everywhere(
    "# head\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c # trailing\ndata: # after key\n  k: v # value comment\n# tail\n",
    Some(r#"{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"name":"c"}}"#)
)]
#[case::crlf("apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\ndata:\r\n  k: v\r\n  block: |\r\n    a\r\n    b\r\n", Some(r#"{"apiVersion":"v1","data":{"block":"a\nb\n","k":"v"},"kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::empty_and_comment_docs(
    "---\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n---\n",
    Some(r#"{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"name":"c"}}"#)
)]
#[case::flow_nested("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: {app: x}}\ndata: {k: v, list: '[a]'}\nextra: [1, two, {three: 3}]\n", Some(r#"{"apiVersion":"v1","data":{"k":"v","list":"[a]"},"extra":[1,"two",{"three":3}],"kind":"ConfigMap","metadata":{"labels":{"app":"x"},"name":"c"}}"#))]
#[case::flow_root(
    "{apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {k: v}}\n",
    None
)]
#[case::folded_block("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  clip: >\n    folded\n    text\n\n    para\n  strip: >-\n    folded\n    text\n  keep: >+\n    folded\n\nend: x\n", Some(r#"{"apiVersion":"v1","data":{"clip":"folded text\npara\n","keep":"folded\n\n","strip":"folded text"},"end":"x","kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::json_document(
    "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}, \"data\": {\"k\": \"v\"}}\n",
    Some(r#"{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"name":"c"}}"#)
)]
#[case::literal_block("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  clip: |\n    line1\n    line2\n\n  strip: |-\n    line1\n    line2\n\n  keep: |+\n    line1\n    line2\n\n  indented: |2\n      two extra\n    base\nend: x\n", Some(r#"{"apiVersion":"v1","data":{"clip":"line1\nline2\n","indented":"  two extra\nbase\n","keep":"line1\nline2\n\n","strip":"line1\nline2"},"end":"x","kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::markers(
    "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n...\n",
    Some(r#"{"apiVersion":"v1","data":{"k":"v"},"kind":"ConfigMap","metadata":{"name":"c"}}"#)
)]
#[case::merge_keys("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nbase: &b\n  x: 1\n  y: 2\nextra:\n  <<: *b\n  y: 3\n  z: 4\nmany:\n  <<: [*b, {w: 0}]\n", Some(r#"{"apiVersion":"v1","base":{"true":2,"x":1},"extra":{"true":3,"x":1,"z":4},"kind":"ConfigMap","many":{"true":2,"w":0,"x":1},"metadata":{"name":"c"}}"#))]
#[case::numbers("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nextra:\n  octal: 0644\n  hex: 0x1F\n  exp: 1e3\n  float: 1.50\n  neg: -0\n  inf: 12e-2\n  bools: [yes, no, on, off, true, False]\n  nulls: [~, null, Null]\n", Some(r#"{"apiVersion":"v1","extra":{"bools":[true,false,true,false,true,false],"exp":1000,"float":1.5,"hex":31,"inf":0.12,"neg":0,"nulls":[null,null,null],"octal":420},"kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::plain_multiline("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: this is\n    one plain\n    scalar\n", Some(r#"{"apiVersion":"v1","data":{"k":"this is one plain scalar"},"kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::quoted_keys("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  'single': a\n  \"double\": b\n  \"with: colon\": c\n  ? complex\n  : d\n", Some(r#"{"apiVersion":"v1","data":{"complex":"d","double":"b","single":"a","with: colon":"c"},"kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::tags("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nextra:\n  s: !!str 123\n  i: !!int \"42\"\n  f: !!float 1\n  b: !!bool \"true\"\n  bin: !!binary aGVsbG8=\n  n: !!null ''\n", Some(r#"{"apiVersion":"v1","extra":{"b":true,"bin":"hello","f":1,"false":null,"i":42,"s":"123"},"kind":"ConfigMap","metadata":{"name":"c"}}"#))]
#[case::yaml_numbers("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nextra:\n  f: 1.0\n  e: 1e3\n  big: 1e21\n  small: 0.5\n", Some(r#"{"apiVersion":"v1","extra":{"big":1e21,"e":1000,"f":1,"small":0.5},"kind":"ConfigMap","metadata":{"name":"c"}}"#))]
fn reads_what_kubectl_reads(#[case] text: &str, #[case] kubectl: Option<&str>) {
    match kubectl {
        Some(expected) => {
            let expected: serde_json::Value = serde_json::from_str(expected).unwrap();
            assert_eq!(read(text), Ok(vec![expected]));
        }
        None => assert!(read(text).is_err(), "{:?}", read(text)),
    }
}

#[test]
fn a_json_document_keeps_its_floats_as_go_decodes_json() {
    // Go's YAML-or-JSON decoder reads JSON as JSON: `1.0` is a float64 in memory (kubectl prints
    // it as `1`, so this case is not in the table above).
    let values = read("{\"kind\": \"ConfigMap\", \"extra\": {\"f\": 1.0, \"i\": 2}}\n").unwrap();
    assert!(values[0]["extra"]["f"].is_f64());
    assert!(values[0]["extra"]["i"].is_i64());
}

#[test]
fn reads_a_very_long_line() {
    // kubectl printed the 10,000 characters of `long` unchanged.
    let long = "x".repeat(10_000);
    let text =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  long: {long}\n");
    let values = read(&text).unwrap();
    assert_eq!(values[0]["data"]["long"], serde_json::Value::String(long));
}

#[rstest]
#[case::lf("a: 1\nb: [x\nc: 2\n")]
#[case::crlf("a: 1\r\nb: [x\r\nc: 2\r\n")]
#[case::bom("\u{feff}a: 1\nb: [x\nc: 2\n")]
#[case::after_a_separator("x: 0\n---\na: 1\nb: [x\nc: 2\n")]
fn syntax_errors_name_the_line_in_every_form(#[case] text: &str) {
    // The flow sequence opened on the line of `b` is never closed; the parser finds out on the
    // next line, whatever the line ends, a BOM or earlier documents.
    let at_b = text.lines().position(|line| line.contains("b: [")).unwrap() + 1;
    let error = split_documents(text)
        .unwrap()
        .into_iter()
        .find_map(|doc| parse_value(&doc).err())
        .expect("a syntax error");
    assert_eq!(error.line, at_b + 1, "{error}");
}
