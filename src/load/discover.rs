//! Finding tests by folder name only: nothing inside a test folder is read here, so listing stays
//! cheap and never fails on a broken step file.

use std::path::PathBuf;

use super::diagnostic::Diagnostic;
use super::model::{Collection, SuiteDir};
use super::remote;

/// A test folder, not yet loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRef {
    /// The suite's name.
    pub suite: String,
    /// The suite's folder.
    pub suite_dir: PathBuf,
    /// The test folder's base name.
    pub name: String,
    /// The test folder.
    pub dir: PathBuf,
}

impl TestRef {
    /// `<suite>::<test>`.
    pub fn trial_name(&self) -> String {
        format!("{}::{}", self.suite, self.name)
    }
}

/// What a suite folder holds: its tests, or why they cannot be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discovered {
    /// A test folder.
    Test(TestRef),
    /// The suite folder is missing or unreadable.
    SuiteProblem {
        /// The suite's name.
        suite: String,
        /// What is wrong.
        diagnostic: Diagnostic,
    },
}

/// Lists every test of every suite: each immediate sub-folder of a suite folder is a test (hidden
/// ones too, as in KUTTL); plain files and symbolic links are not.
pub fn discover(collection: &Collection) -> Vec<Discovered> {
    let mut found = Vec::new();
    for suite in &collection.suites {
        let listed = fetch(collection, suite)
            .map_err(|message| Diagnostic::file(&collection.path, message))
            .and_then(|()| {
                std::fs::read_dir(&suite.path).map_err(|err| suite_problem(suite, &err))
            });
        match listed {
            Ok(entries) => found.extend(entries.filter_map(Result::ok).filter_map(|entry| {
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                is_dir.then(|| {
                    Discovered::Test(test_ref(
                        suite,
                        entry.file_name().to_string_lossy().into_owned(),
                    ))
                })
            })),
            Err(diagnostic) => found.push(Discovered::SuiteProblem {
                suite: suite.name.clone(),
                diagnostic,
            }),
        }
    }
    found
}

/// Finds one test by its trial name without listing any folder (`--exact` under nextest runs one
/// process per test, so a full scan there would cost O(n²)).
pub fn find(collection: &Collection, trial_name: &str) -> Option<TestRef> {
    let (suite_name, test_name) = trial_name.split_once("::")?;
    let suite = collection.suites.iter().find(|s| s.name == suite_name)?;
    fetch(collection, suite).ok()?;
    let test = test_ref(suite, test_name.to_string());
    let is_dir = std::fs::symlink_metadata(&test.dir).is_ok_and(|m| m.is_dir());
    is_dir.then_some(test)
}

fn test_ref(suite: &SuiteDir, name: String) -> TestRef {
    TestRef {
        suite: suite.name.clone(),
        suite_dir: suite.path.clone(),
        dir: suite.path.join(&name),
        name,
    }
}

/// Downloads and unpacks a suite whose `testDirs` entry is a URL; other suites are on disk already.
fn fetch(collection: &Collection, suite: &SuiteDir) -> Result<(), String> {
    match &collection.remote {
        Some(remote) if remote::is_url(&suite.entry) => remote
            .unpack(&suite.entry)
            .map_err(|err| format!("test directory {:?} cannot be fetched: {err}", suite.entry)),
        _ => Ok(()),
    }
}

fn suite_problem(suite: &SuiteDir, err: &std::io::Error) -> Diagnostic {
    let message = format!("test directory {:?} cannot be read: {err}", suite.entry);
    Diagnostic::file(&suite.path, message)
}
