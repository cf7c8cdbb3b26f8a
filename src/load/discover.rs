//! Finding tests by folder name: nothing inside a KUTTL test folder is read here, so listing stays
//! cheap and never fails on a broken step file. A Chainsaw test's names live inside its
//! `chainsaw-test.yaml`, so that one file is read; a broken one is one failing trial.

use std::path::PathBuf;

use super::diagnostic::Diagnostic;
use super::model::{Collection, SuiteDir};
use super::remote;
use crate::chainsaw;
pub use crate::chainsaw::discover::ChainsawRef;

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
    /// A KUTTL test folder.
    Test(TestRef),
    /// A Chainsaw test (one Test document, for one scenario).
    Chainsaw(ChainsawRef),
    /// A suite folder that is missing or unreadable, or a Chainsaw test file that cannot be read:
    /// one failing trial.
    Problem {
        /// The suite's name.
        suite: String,
        /// The failing trial's name: the suite's, or `<suite>::<folder>`.
        trial: String,
        /// What is wrong.
        diagnostic: Diagnostic,
    },
}

/// Lists every test of every suite: each immediate sub-folder of a suite folder is a test (hidden
/// ones too, as in KUTTL); plain files and symbolic links are not. A sub-folder with Chainsaw
/// tests gives those instead (Chainsaw's own search: a folder with no files of its own is searched).
pub fn discover(collection: &Collection) -> Vec<Discovered> {
    let mut found: Vec<Vec<Discovered>> = Vec::new();
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
                    folder(
                        collection,
                        suite,
                        entry.file_name().to_string_lossy().into_owned(),
                    )
                })
            })),
            Err(diagnostic) => found.push(vec![Discovered::Problem {
                suite: suite.name.clone(),
                trial: suite.name.clone(),
                diagnostic,
            }]),
        }
    }
    let mut found: Vec<Discovered> = found.into_iter().flatten().collect();
    let mut chainsaw: Vec<&mut ChainsawRef> = found
        .iter_mut()
        .filter_map(|found| match found {
            Discovered::Chainsaw(test) => Some(test),
            _ => None,
        })
        .collect();
    chainsaw::discover::number_duplicates(&mut chainsaw);
    found
}

/// What one sub-folder of a suite holds: Chainsaw tests, or else one KUTTL test.
fn folder(collection: &Collection, suite: &SuiteDir, name: String) -> Vec<Discovered> {
    let test = test_ref(suite, name);
    match chainsaw::discover::in_folder(&suite.name, &test.dir, &collection.chainsaw.selector) {
        Some(found) => found
            .into_iter()
            .map(|found| match found {
                chainsaw::discover::Found::Test(test) => Discovered::Chainsaw(test),
                chainsaw::discover::Found::Broken { name, diagnostic } => Discovered::Problem {
                    suite: suite.name.clone(),
                    trial: name,
                    diagnostic,
                },
            })
            .collect(),
        None => vec![Discovered::Test(test)],
    }
}

/// Finds one KUTTL test by its trial name without listing any folder (`--exact` under nextest runs
/// one process per test, so a full scan there would cost O(n²)). `None` for a folder of Chainsaw
/// tests, whose names live inside their files.
pub fn find(collection: &Collection, trial_name: &str) -> Option<TestRef> {
    let (suite_name, test_name) = trial_name.split_once("::")?;
    let suite = collection.suites.iter().find(|s| s.name == suite_name)?;
    fetch(collection, suite).ok()?;
    let test = test_ref(suite, test_name.to_string());
    let is_dir = std::fs::symlink_metadata(&test.dir).is_ok_and(|m| m.is_dir());
    let selector = &collection.chainsaw.selector;
    (is_dir && chainsaw::discover::in_folder(&suite.name, &test.dir, selector).is_none())
        .then_some(test)
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
