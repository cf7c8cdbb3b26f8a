//! Reading a run's files once each: the collection's hooks, each suite's settings (by the first
//! trial that needs them) and each test's folder, with every warning they give.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use crate::chainsaw::{self, discover::ChainsawRef};
use crate::load::discover::TestRef;
use crate::load::test_case::{self, LoadOptions};
use crate::load::{Collection, LoadError, LoadedHook, Suite, TestCase, Warning};

/// A suite's settings, read once.
type SuiteCell = OnceLock<Result<Suite, LoadError>>;

/// The collection's hooks with their files read.
#[derive(Clone, Default)]
pub(crate) struct CollectionHooks {
    pub before: Option<LoadedHook>,
    pub after: Option<LoadedHook>,
}

/// Loads for every trial of a run.
pub(crate) struct Loader {
    collection: Arc<Collection>,
    collection_hooks: OnceLock<Result<CollectionHooks, LoadError>>,
    suites: Mutex<HashMap<String, Arc<SuiteCell>>>,
    warnings: Mutex<BTreeSet<Warning>>,
}

impl Loader {
    /// A loader for `collection`'s files, starting with the collection file's warnings.
    pub(crate) fn new(collection: Arc<Collection>) -> Self {
        let warnings = collection.warnings.iter().cloned().collect();
        Self {
            collection,
            collection_hooks: OnceLock::new(),
            suites: Mutex::default(),
            warnings: Mutex::new(warnings),
        }
    }

    /// The collection's hooks, their files read once.
    pub(crate) fn collection_hooks(&self) -> Result<CollectionHooks, LoadError> {
        self.collection_hooks
            .get_or_init(|| {
                let mut warnings = Vec::new();
                let load = |hook: &Option<crate::load::Hook>, warnings: &mut Vec<Warning>| {
                    hook.as_ref()
                        .map(|hook| crate::load::hook::load(hook, warnings))
                        .transpose()
                };
                let hooks = CollectionHooks {
                    before: load(&self.collection.before, &mut warnings)?,
                    after: load(&self.collection.after, &mut warnings)?,
                };
                self.warn(warnings);
                Ok(hooks)
            })
            .clone()
    }

    /// A suite's settings, read from its suite file once per run.
    fn suite(&self, name: &str, dir: &Path) -> Result<Suite, LoadError> {
        let cell = Arc::clone(lock(&self.suites).entry(name.to_string()).or_default());
        let suite = cell.get_or_init(|| {
            let suite = crate::load::suite::read(dir);
            if let Ok(suite) = &suite {
                self.warn(suite.warnings.iter().cloned());
            }
            suite
        });
        suite.clone()
    }

    /// A suite's settings, by the suite's name.
    pub(crate) fn suite_named(&self, name: &str) -> Result<Suite, LoadError> {
        let dir = self
            .collection
            .suites
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.path.clone())
            .unwrap_or_default();
        self.suite(name, &dir)
    }

    /// Whether a suite has a `beforeSuite` or `afterSuite` hook (its suite file is read now, once
    /// per run; a suite whose file does not load has none: its trials fail with the error).
    pub(crate) fn suite_has_hooks(&self, name: &str) -> bool {
        self.suite_named(name)
            .is_ok_and(|suite| suite.before.is_some() || suite.after.is_some())
    }

    /// Loads a suite's settings (and checks the collection's hooks), for a typed test.
    pub(crate) fn load_suite(&self, name: &str) -> Result<Suite, LoadError> {
        self.collection_hooks()?;
        self.suite_named(name)
    }

    /// Loads a test, its suite's settings and the collection's hooks, recording their warnings.
    /// Templates are rendered with `namespace`, the test's namespace (a placeholder when the
    /// test is only checked offline).
    pub(crate) fn load(
        &self,
        test: &TestRef,
        namespace: &str,
    ) -> Result<(Suite, TestCase), LoadError> {
        self.collection_hooks()?;
        let suite = self.suite(&test.suite, &test.suite_dir)?;
        let options = LoadOptions {
            ignore_files: &self.collection.ignore_files,
            run_labels: &self.collection.run_labels,
            namespace,
            template_vars: &self.collection.template_vars,
        };
        let case = test_case::load(test, &options)?;
        self.warn(case.warnings.iter().cloned());
        Ok((suite, case))
    }

    /// Loads a Chainsaw test, its suite's settings and the collection's hooks.
    pub(crate) fn load_chainsaw(
        &self,
        test: &ChainsawRef,
        suite_dir: &std::path::Path,
    ) -> Result<(Suite, chainsaw::model::Test), LoadError> {
        self.collection_hooks()?;
        let suite = self.suite(&test.suite, suite_dir)?;
        Ok((
            suite,
            chainsaw::load::load_document(&test.file, test.document, test.scenario)?,
        ))
    }

    fn warn(&self, warnings: impl IntoIterator<Item = Warning>) {
        lock(&self.warnings).extend(warnings);
    }

    /// Every warning of the run, each once, sorted by file and line.
    pub(crate) fn warnings(&self) -> Vec<Warning> {
        lock(&self.warnings).iter().cloned().collect()
    }
}

/// Locks a mutex, recovering the data of a poisoned one (a panicking trial must not lose what
/// others loaded).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
