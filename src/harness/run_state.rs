//! State shared by the trials of one run: the collection, each suite's settings (read once, by the
//! first trial that needs them) and the warnings gathered while loading.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use crate::cluster::Cluster;
use crate::load::discover::TestRef;
use crate::load::test_case::{self, LoadOptions};
use crate::load::{Collection, LoadError, Suite, TestCase, Warning};

/// A suite's settings, read once.
type SuiteCell = OnceLock<Result<Suite, LoadError>>;

/// Shared by every trial of the run.
pub(crate) struct RunState {
    /// The run's configuration.
    pub collection: Collection,
    /// Labels for `TestFile.testRunSelector`.
    pub run_labels: BTreeMap<String, String>,
    suites: Mutex<HashMap<String, Arc<SuiteCell>>>,
    cluster: tokio::sync::OnceCell<Result<Arc<Cluster>, String>>,
    warnings: Mutex<BTreeSet<Warning>>,
}

impl RunState {
    pub(crate) fn new(collection: Collection) -> Self {
        let warnings = collection.warnings.iter().cloned().collect();
        Self {
            collection,
            run_labels: BTreeMap::new(),
            suites: Mutex::default(),
            cluster: tokio::sync::OnceCell::new(),
            warnings: Mutex::new(warnings),
        }
    }

    /// The cluster, connected once by the first trial that needs it; when that fails every cluster
    /// trial fails at once with the same message.
    pub(crate) async fn cluster(&self) -> Result<Arc<Cluster>, String> {
        self.cluster
            .get_or_init(|| async { Cluster::connect().await.map(Arc::new) })
            .await
            .clone()
    }

    /// The suite's settings, read from its `kuttl-testsuite.yaml` once per run.
    pub(crate) fn suite(&self, test: &TestRef) -> Result<Suite, LoadError> {
        let cell = Arc::clone(
            self.suites
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .entry(test.suite.clone())
                .or_default(),
        );
        let suite = cell.get_or_init(|| {
            let suite = crate::load::suite::read(&test.suite_dir);
            if let Ok(suite) = &suite {
                self.warn(suite.warnings.iter().cloned());
            }
            suite
        });
        suite.clone()
    }

    /// Loads a test and its suite's settings, recording their warnings.
    pub(crate) fn load(&self, test: &TestRef) -> Result<(Suite, TestCase), LoadError> {
        let suite = self.suite(test)?;
        let options = LoadOptions {
            ignore_files: &self.collection.ignore_files,
            run_labels: &self.run_labels,
        };
        let case = test_case::load(test, &options)?;
        self.warn(case.warnings.iter().cloned());
        Ok((suite, case))
    }

    fn warn(&self, warnings: impl IntoIterator<Item = Warning>) {
        self.warnings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend(warnings);
    }

    /// Every warning of the run, each once, sorted by file and line.
    pub(crate) fn warnings(&self) -> Vec<Warning> {
        self.warnings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}
