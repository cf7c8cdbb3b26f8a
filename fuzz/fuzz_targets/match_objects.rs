//! Two YAML documents (split on a NUL byte) read as kubectl reads them, then matched both ways:
//! no panic, every object is a subset of itself, and a mismatch always has a message.
#![no_main]

use kuttl::config::yaml;
use libfuzzer_sys::fuzz_target;

fn value(text: &str) -> Option<serde_json::Value> {
    let docs = yaml::split_documents(text).ok()?;
    yaml::parse_value(docs.first()?).ok()?
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (left, right) = text.split_once('\u{0}').unwrap_or((text, text));
    let (Some(expected), Some(actual)) = (value(left), value(right)) else { return };
    assert!(kuttl::is_subset(&expected, &expected).is_ok());
    for (a, b) in [(&expected, &actual), (&actual, &expected)] {
        if let Err(mismatch) = kuttl::is_subset(a, b) {
            assert!(!mismatch.message.is_empty());
        }
    }
});
