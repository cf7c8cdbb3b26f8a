//! Arbitrary text as one `*.gotmpl.yaml` step file, rendered with `.Vars` of every JSON kind so
//! the template lexer, parser, executor and functions all run: loading must return Ok or a load
//! error, never panic, hang or exhaust the stack or memory.
#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

use kuttl::load::discover::TestRef;
use kuttl::load::test_case::{self, LoadOptions};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

static VARS: LazyLock<BTreeMap<String, serde_json::Value>> = LazyLock::new(|| {
    BTreeMap::from([
        ("name".to_string(), json!("app")),
        ("replicas".to_string(), json!(3.5)),
        ("enabled".to_string(), json!(true)),
        ("colors".to_string(), json!(["red", "green", 7, null])),
        ("nested".to_string(), json!({"a": {"b": [1, "x"], "c": false}, "d": ""})),
    ])
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("00-x.gotmpl.yaml"), text).expect("written");
    let test = TestRef {
        suite: "fuzz".into(),
        suite_dir: dir.path().to_path_buf(),
        name: "case".into(),
        dir: dir.path().to_path_buf(),
    };
    let labels = BTreeMap::new();
    let options = LoadOptions { ignore_files: &[], run_labels: &labels, namespace: "fuzz", template_vars: &VARS };
    let _ = test_case::load(&test, &options);
});
