//! Arbitrary text as a collection file, and as a suite file: reading must return Ok or a load
//! error naming the file, never panic.
#![no_main]

use kuttl::load;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("kuttl.yaml");
    std::fs::write(&path, text).expect("written");
    if let Err(err) = load::collection::read(&path) {
        assert!(err.diagnostic().path.ends_with("kuttl.yaml"));
    }
    std::fs::write(dir.path().join(load::suite::SUITE_FILE), text).expect("written");
    let _ = load::suite::read(dir.path());
});
