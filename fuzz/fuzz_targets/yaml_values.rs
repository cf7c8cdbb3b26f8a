//! The reader's values against serde-saphyr's on the same text: splitting a file into documents,
//! positioning errors in the file and skipping blank documents must never change a value.
//!
//! Only texts that are one YAML document for both are compared: no line starts a document or a
//! directive (`---`, `...`, `%`), and the text is not JSON (the reader decodes JSON as JSON, as Go
//! does). For those, the reader and `kuttl::config::yaml::parse_plain` (serde-saphyr with the
//! same settings, without the reader's layer) must both fail or give the same value.
#![no_main]

use kuttl::config::yaml::{parse_plain, parse_value, split_documents};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // YAML breaks lines at CR, LF and CRLF.
    let one_document = !text
        .split(['\n', '\r'])
        .any(|line| line.starts_with("---") || line.starts_with("...") || line.starts_with('%'));
    if !one_document || text.trim_start().starts_with('{') {
        return;
    }
    let read: Result<Vec<serde_json::Value>, String> = split_documents(text)
        .map_err(|err| err.to_string())
        .and_then(|docs| {
            docs.iter()
                .filter_map(|doc| parse_value(doc).map_err(|err| err.to_string()).transpose())
                .collect()
        });
    let plain = parse_plain(text);
    match (read, plain) {
        (Ok(values), Ok(value)) => assert_eq!(values, value.into_iter().collect::<Vec<_>>()),
        (Err(_), Err(_)) => {}
        (read, plain) => panic!("the reader gave {read:?}, serde-saphyr {plain:?}"),
    }
});
