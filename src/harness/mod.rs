//! The libtest-mimic harness: reads the collection, discovers tests by folder name, builds one
//! trial per test and runs them with libtest's command line.

mod args;
mod run_state;
mod trials;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use libtest_mimic::{Arguments, Trial};

use crate::load::{self, discover};
use run_state::RunState;

/// Replaces the collection path given in code.
const COLLECTION_ENV: &str = "KUTTL_COLLECTION";

/// A `harness = false` test target that runs a KUTTL collection.
///
/// ```no_run
/// // tests/e2e.rs
/// fn main() -> std::process::ExitCode {
///     kuttl::Harness::from_collection("suites/kuttl.yaml").run()
/// }
/// ```
#[derive(Debug, Clone)]
#[must_use = "call run() and return its ExitCode from main"]
pub struct Harness {
    collection: PathBuf,
}

impl Harness {
    /// A harness for the collection file at `path`: a `kuttl.dev/v1beta2` `TestCollection`
    /// (`kuttl.yaml`) or KUTTL's `kuttl.dev/v1beta1` `TestSuite` (`kuttl-test.yaml`). A relative
    /// path is relative to the working directory, which `cargo test` sets to the package root.
    /// The environment variable `KUTTL_COLLECTION`, when set, replaces `path`.
    pub fn from_collection(path: impl Into<PathBuf>) -> Self {
        let collection =
            std::env::var_os(COLLECTION_ENV).map_or_else(|| path.into(), PathBuf::from);
        Self { collection }
    }

    /// Runs with the process's command line and returns the exit code for `main`.
    pub fn run(self) -> ExitCode {
        self.run_with_args(std::env::args())
    }

    /// Runs with the given command line (program name first).
    pub fn run_with_args(self, argv: impl IntoIterator<Item = String>) -> ExitCode {
        let split = args::split(argv);
        let mut args = Arguments::from_iter(split.mimic);
        let (state, mut trials) = match load::collection::read(&self.collection) {
            Ok(collection) => {
                let state = Arc::new(RunState::new(collection));
                let discovered = discover_for(&state.collection, &args);
                let trials = trials::build(&state, discovered);
                (Some(state), trials)
            }
            Err(err) => {
                let name = self.collection.display().to_string();
                (
                    None,
                    vec![Trial::test(name, move || Err(err.to_string().into()))],
                )
            }
        };
        if args.test_threads.is_none() {
            args.test_threads = std::env::var("RUST_TEST_THREADS")
                .ok()
                .and_then(|n| n.parse().ok())
                .or(state.as_ref().map(|s| s.collection.parallel));
        }
        if !split.extra_filters.is_empty() {
            trials.retain(|trial| {
                split.extra_filters.iter().any(|filter| {
                    if args.exact {
                        trial.name() == filter
                    } else {
                        trial.name().contains(filter.as_str())
                    }
                })
            });
        }
        trials.sort_by(|a, b| a.name().cmp(b.name()));
        let conclusion = libtest_mimic::run(&args, trials);
        if !args.list {
            // Printed by the main thread once every trial has ended, and to stderr only: stdout
            // belongs to libtest's (possibly JSON) output.
            let mut stderr = std::io::stderr().lock();
            for flag in &split.dropped {
                let _ = writeln!(stderr, "note: ignored libtest flag {flag}");
            }
            for warning in state.iter().flat_map(|state| state.warnings()) {
                let _ = writeln!(stderr, "warning: {warning}");
            }
        }
        conclusion.exit_code()
    }
}

/// With `--exact <name>` and no `--skip` (how nextest runs each test) only that test's folder is
/// looked up; otherwise every suite folder is listed.
fn discover_for(collection: &load::Collection, args: &Arguments) -> Vec<discover::Discovered> {
    if let (true, true, Some(name)) = (args.exact, args.skip.is_empty(), &args.filter) {
        let test_name = name.strip_suffix(trials::LOAD_SUFFIX).unwrap_or(name);
        if let Some(test) = discover::find(collection, test_name) {
            return vec![discover::Discovered::Test(test)];
        }
    }
    discover::discover(collection)
}
