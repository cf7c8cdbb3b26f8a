//! A test folder of up to four files with arbitrary names and contents: loading must return Ok
//! or a load error, never panic. The first line of each chunk is the file name.
#![no_main]

use std::collections::BTreeMap;

use kuttl::load::discover::TestRef;
use kuttl::load::file_name;
use kuttl::load::test_case::{self, LoadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = tempfile::tempdir().expect("a temporary folder");
    for chunk in text.split("\u{0}").take(4) {
        let (name, contents) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let _ = file_name::parse(name);
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            continue;
        }
        let _ = std::fs::write(dir.path().join(name), contents);
    }
    let test = TestRef {
        suite: "fuzz".into(),
        suite_dir: dir.path().to_path_buf(),
        name: "case".into(),
        dir: dir.path().to_path_buf(),
    };
    let labels = BTreeMap::from([("flavor".to_string(), "vanilla".to_string())]);
    let _ = test_case::load(&test, &LoadOptions { ignore_files: &[], run_labels: &labels, namespace: "fuzz", template_vars: &Default::default() });
});
