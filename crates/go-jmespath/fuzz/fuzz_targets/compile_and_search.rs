//! Arbitrary text compiled as an expression and searched against a document holding every JSON
//! kind, with bindings and all of Chainsaw's functions, so the lexer, parser, interpreter and
//! functions all run: it must give a value or an error, never panic or exhaust the stack.
#![no_main]

use std::sync::LazyLock;

use go_jmespath::{Bindings, Functions};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "name": "app",
        "replicas": 3.5,
        "enabled": true,
        "nothing": null,
        "colors": ["red", "green", 7, null, [1, 2]],
        "nested": {"a": {"b": [1, "x"], "c": false}, "d": ""},
        "times": ["2021-01-02T15:04:05Z", "1h30m", "100Mi"],
    })
});

static FUNCTIONS: LazyLock<Functions> = LazyLock::new(Functions::kyverno);

static BINDINGS: LazyLock<Bindings> =
    LazyLock::new(|| Bindings::new().with("$namespace", json!("ns")).with("$values", json!({"n": 1})));

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(expression) = go_jmespath::compile(text) {
        let _ = expression.search(&DOCUMENT, &BINDINGS, &FUNCTIONS);
    }
});
