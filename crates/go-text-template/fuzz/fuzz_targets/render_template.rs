//! Arbitrary text as a template named like a `*.gotmpl.yaml` step file, parsed and rendered with
//! `.Vars` of every JSON kind so the lexer, parser, executor and functions all run: it must give a
//! rendering or a template error, never panic, hang or exhaust the stack or memory.
#![no_main]

use std::collections::BTreeMap;
use std::sync::LazyLock;

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
    if let Ok(template) = gotemplate::Template::parse("00-x.gotmpl.yaml", text) {
        let _ = template.render("fuzz", &VARS);
    }
});
