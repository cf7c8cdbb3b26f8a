//! Random token soup compiled and searched: every input must give a value or an error, never a
//! panic. A cheap stand-in for the cargo-fuzz target in `fuzz/`, run with every `cargo test`.

use go_jmespath::{Bindings, Functions, compile};
use serde_json::json;

const PIECES: &[&str] = &[
    "a",
    "b",
    "foo",
    "@",
    "$",
    "$x",
    "$namespace",
    ".",
    "*",
    "[",
    "]",
    "[?",
    "[]",
    "{",
    "}",
    "(",
    ")",
    ",",
    ":",
    "|",
    "||",
    "&&",
    "!",
    "&",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "−",
    "×",
    "÷",
    "/",
    "//",
    "%",
    "`1`",
    "`\"s\"`",
    "`[1,2]`",
    "`{}`",
    "'raw'",
    "\"q\"",
    "0",
    "-1",
    "2",
    "let",
    "in",
    "=",
    " ",
    "length",
    "sort_by",
    "max_by",
    "map",
    "to_string",
    "join",
    "split",
    "add",
    "time_add",
    "time_parse",
    "'Jan _2 15:04:05.000 Z07:00 MST'",
    "'2006-01-02T15:04:05Z'",
    "semver_compare",
    "'>=1.x || !2.x.x'",
    "'1.2.3-a.1'",
    "items",
    "merge",
    "zip",
    "not_null",
    "at",
    "'1h'",
    "'100Mi'",
];

#[test]
fn random_expressions_never_panic() {
    let data =
        json!({"a": [{"b": 1}, {"b": "x"}, null, [1, 2]], "foo": {"a": "1h", "b": -2.5}, "b": ""});
    let bindings = Bindings::new()
        .with("$x", json!([3, 1]))
        .with("$namespace", json!("ns"));
    let functions = Functions::kyverno();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..100_000 {
        let length = 1 + next() % 16;
        let expression: String = (0..length)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        if let Ok(compiled) = compile(&expression) {
            let _ = compiled.search(&data, &bindings, &functions);
        }
    }
}
