//! What a run recorded for its reports: every cluster trial's outcome, the tests whose files did
//! not load, and every hook that ran.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::run::{HookRecord, TestRecord};

/// The extension of a saved records file.
const RECORDS_EXTENSION: &str = "json";

/// The run's records, added to by the trials and the hooks as they end.
pub(crate) struct Records {
    /// When the run started, for the hook trace.
    started: SystemTime,
    tests: Mutex<Vec<TestRecord>>,
    load_failures: Mutex<Vec<TestRecord>>,
    hooks: Mutex<Vec<HookRecord>>,
}

impl Records {
    /// Empty records of a run starting now.
    pub(crate) fn new() -> Self {
        Self {
            started: SystemTime::now(),
            tests: Mutex::default(),
            load_failures: Mutex::default(),
            hooks: Mutex::default(),
        }
    }

    /// When the run started.
    pub(crate) fn started(&self) -> SystemTime {
        self.started
    }

    /// Records a cluster trial's outcome.
    pub(crate) fn test(&self, record: TestRecord) {
        lock(&self.tests).push(record);
    }

    /// Records a test whose files do not load.
    pub(crate) fn load_failure(&self, record: TestRecord) {
        lock(&self.load_failures).push(record);
    }

    /// Records a hook that ran.
    pub(crate) fn hook(&self, record: HookRecord) {
        lock(&self.hooks).push(record);
    }

    /// Every test's record (a cluster trial's, else a failed load's) and every hook's.
    pub(crate) fn all(&self) -> (Vec<TestRecord>, Vec<HookRecord>) {
        let mut tests = lock(&self.tests).clone();
        for failure in lock(&self.load_failures).iter() {
            if !tests
                .iter()
                .any(|t| t.suite == failure.suite && t.test == failure.test)
            {
                tests.push(failure.clone());
            }
        }
        (tests, lock(&self.hooks).clone())
    }

    /// Saves the records in `dir`, for the process that writes the run's reports (under nextest,
    /// each test runs in a process of its own). The file appears whole (written aside, then
    /// renamed), under a name no other save takes: a retried run may reuse a pid.
    pub(crate) fn save(&self, dir: &Path) -> std::io::Result<()> {
        let saved = Saved {
            tests: lock(&self.tests).clone(),
            load_failures: lock(&self.load_failures).clone(),
            hooks: lock(&self.hooks).clone(),
        };
        std::fs::create_dir_all(dir)?;
        // Named `.tmp…`: not a record until renamed.
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(&serde_json::to_vec(&saved)?)?;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let path = dir.join(format!(
            "{}-{nanos}.{RECORDS_EXTENSION}",
            std::process::id()
        ));
        file.persist_noclobber(path)?;
        Ok(())
    }

    /// Adds the records saved in each file of `dir` (none when it does not exist). A file that
    /// cannot be read is skipped: returns one error per skipped file, each naming it.
    pub(crate) fn add_saved(
        &self,
        dir: &Path,
    ) -> Result<Vec<SavedRecordsError>, SavedRecordsError> {
        let fail = |path: &Path, message: String| SavedRecordsError {
            path: path.to_path_buf(),
            message,
        };
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(fail(dir, err.to_string())),
        };
        let mut skipped = Vec::new();
        for entry in entries {
            let path = entry.map_err(|err| fail(dir, err.to_string()))?.path();
            // Anything else is a save that did not finish (its process was killed).
            if path
                .extension()
                .is_none_or(|extension| extension != RECORDS_EXTENSION)
            {
                continue;
            }
            let saved = std::fs::read(&path)
                .map_err(|err| err.to_string())
                .and_then(|bytes| {
                    serde_json::from_slice::<Saved>(&bytes).map_err(|err| err.to_string())
                });
            match saved {
                Ok(saved) => {
                    lock(&self.tests).extend(saved.tests);
                    lock(&self.load_failures).extend(saved.load_failures);
                    lock(&self.hooks).extend(saved.hooks);
                }
                Err(message) => skipped.push(fail(&path, message)),
            }
        }
        Ok(skipped)
    }

    /// One line per hook that ran: name, file, outcome, duration and start time.
    pub(crate) fn hook_trace(&self) -> Vec<String> {
        lock(&self.hooks)
            .iter()
            .map(|hook| {
                format!(
                    "hook {} ({}): {} after {:.3}s, started at +{:.3}s",
                    hook.name,
                    hook.source,
                    if hook.failure.is_none() {
                        "ok"
                    } else {
                        "FAILED"
                    },
                    hook.duration.as_secs_f64(),
                    hook.started
                        .duration_since(self.started)
                        .unwrap_or_default()
                        .as_secs_f64()
                )
            })
            .collect()
    }
}

/// Saved records that could not be read back.
#[derive(Debug, thiserror::Error)]
#[error("reading the saved test records in {}: {message}", path.display())]
pub(crate) struct SavedRecordsError {
    path: PathBuf,
    message: String,
}

/// Records as one process saves them.
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    tests: Vec<TestRecord>,
    load_failures: Vec<TestRecord>,
    hooks: Vec<HookRecord>,
}

/// Locks a mutex, recovering the data of a poisoned one (a panicking trial must not lose records).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::run::StepRecord;

    fn test_record(test: &str, failure: Option<&str>) -> TestRecord {
        let mut record =
            TestRecord::not_started("core", test, SystemTime::UNIX_EPOCH, String::new());
        record.setup_failure = None;
        record.steps.push(StepRecord {
            label: "0-apply".into(),
            started: SystemTime::UNIX_EPOCH + Duration::from_millis(1500),
            duration: Duration::from_millis(250),
            assertions: 2,
            failure: failure.map(str::to_string),
            last_error: failure.map(str::to_string),
            operations: Vec::new(),
        });
        record
    }

    #[test]
    fn records_saved_by_several_processes_come_back_together() {
        let dir = tempfile::tempdir().unwrap();
        let first = Records::new();
        first.test(test_record("a", None));
        first.hook(HookRecord {
            name: "beforeCollection".into(),
            suite: None,
            source: "kuttl.yaml:3".into(),
            started: SystemTime::UNIX_EPOCH,
            duration: Duration::from_secs(1),
            failure: Some(crate::run::HookFailure::not_started(
                "beforeCollection",
                "commands",
                "exit status 3",
            )),
            requests: vec![("GET".into(), "/api/v1/namespaces".into())],
        });
        first.save(&dir.path().join("records")).unwrap();
        let second = Records::new();
        second.test(test_record("b", Some("value mismatch")));
        second.load_failure(test_record("c", Some("bad file")));
        second.save(&dir.path().join("records")).unwrap();

        let merged = Records::new();
        let skipped = merged.add_saved(&dir.path().join("records")).unwrap();
        assert!(skipped.is_empty(), "{skipped:?}");
        let (mut tests, hooks) = merged.all();
        tests.sort_by(|x, y| x.test.cmp(&y.test));
        let names: Vec<&str> = tests.iter().map(|t| t.test.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(!tests[0].failed() && tests[1].failed());
        assert_eq!(
            tests[1].steps[0].started,
            SystemTime::UNIX_EPOCH + Duration::from_millis(1500)
        );
        assert_eq!(
            hooks[0].failure.as_ref().map(|f| f.summary.as_str()),
            Some("exit status 3")
        );
        assert_eq!(hooks[0].requests.len(), 1);
        // No folder: nothing saved.
        assert!(
            merged
                .add_saved(&dir.path().join("none"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn saves_by_one_process_id_each_keep_a_file_of_their_own() {
        let dir = tempfile::tempdir().unwrap();
        // A retried run may give a test process the pid an earlier one had.
        for test in ["a", "b"] {
            let records = Records::new();
            records.test(test_record(test, None));
            records.save(dir.path()).unwrap();
        }

        let mut files: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        let pid = std::process::id();
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(
            files
                .iter()
                .all(|file| file.starts_with(&format!("{pid}-")) && file.ends_with(".json")),
            "{files:?}"
        );
        let merged = Records::new();
        assert!(merged.add_saved(dir.path()).unwrap().is_empty());
        let mut names: Vec<String> = merged.all().0.into_iter().map(|t| t.test).collect();
        names.sort();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn an_unreadable_records_file_is_skipped_and_named_and_the_others_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let records = Records::new();
        records.test(test_record("a", None));
        records.save(dir.path()).unwrap();
        std::fs::write(dir.path().join("3.json"), "{").unwrap();
        // A save whose process was killed before the rename: not a record.
        std::fs::write(dir.path().join(".tmpAbC123"), "{").unwrap();

        let merged = Records::new();
        let skipped = merged.add_saved(dir.path()).unwrap();

        let skipped: Vec<String> = skipped.iter().map(ToString::to_string).collect();
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert!(skipped[0].contains("3.json"), "{skipped:?}");
        let names: Vec<String> = merged.all().0.into_iter().map(|t| t.test).collect();
        assert_eq!(names, ["a"]);
    }
}
