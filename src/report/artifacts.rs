//! Per-test artifacts in `artifactsDir`: `<suite>/<test>/log.txt` (everything the test logged,
//! commands' output included), and for a failed test `failure.txt` and `events.txt`.

use std::path::Path;

use crate::run::TestRecord;

/// Writes the artifacts of every test.
pub(crate) fn write(dir: &Path, tests: &[TestRecord]) -> Result<(), String> {
    for test in tests {
        let folder = dir.join(&test.suite).join(&test.test);
        let write = |name: &str, text: &str| {
            std::fs::write(folder.join(name), text)
                .map_err(|err| format!("cannot write {}: {err}", folder.join(name).display()))
        };
        std::fs::create_dir_all(&folder)
            .map_err(|err| format!("cannot create {}: {err}", folder.display()))?;
        write("log.txt", &test.log)?;
        if test.failed() {
            let failures: Vec<&str> = test
                .setup_failure
                .iter()
                .chain(test.steps.iter().filter_map(|s| s.failure.as_ref()))
                .chain(&test.cleanup_failure)
                .map(String::as_str)
                .collect();
            write("failure.txt", &failures.join("\n"))?;
            if let Some(events) = &test.events {
                write("events.txt", events)?;
            }
        }
    }
    Ok(())
}
