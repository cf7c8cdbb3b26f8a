//! kuttl-rs runs KUTTL test suites, unmodified, as native `cargo test` trials.
//!
//! ```toml
//! [[test]]
//! name = "e2e"
//! harness = false
//! ```
//!
//! ```no_run
//! // tests/e2e.rs
//! fn main() -> std::process::ExitCode {
//!     kuttl::Harness::from_collection("suites/kuttl.yaml").run()
//! }
//! ```
//!
//! Every KUTTL test folder `<suite>/<test>` becomes a trial `<suite>::<test>` that runs against a
//! cluster (ignored unless `--include-ignored` is given) and an offline trial
//! `<suite>::<test>::load` that checks its files.
//!
//! Offline, without a cluster, `cargo test` runs the `::load` trials. Here with a collection made
//! on the spot:
//!
//! ```
//! # fn main() -> std::io::Result<()> {
//! let root = std::env::temp_dir().join(format!("kuttl-quick-start-{}", std::process::id()));
//! std::fs::create_dir_all(root.join("apps/basic"))?;
//! std::fs::write(
//!     root.join("kuttl.yaml"),
//!     "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [apps]\n",
//! )?;
//! std::fs::write(
//!     root.join("apps/basic/00-assert.yaml"),
//!     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
//! )?;
//!
//! let (end, _exit_code) = kuttl::Harness::from_collection(root.join("kuttl.yaml"))
//!     .run_to_end(["e2e".to_string()]);
//!
//! assert_eq!(end, kuttl::RunEnd::Passed); // apps::basic::load passed; apps::basic is ignored
//! std::fs::remove_dir_all(root)
//! # }
//! ```
//!
//! # Scheduling
//!
//! All selected tests of all suites share one pool of `parallel` slots (the collection's setting,
//! or `--test-threads`), as in KUTTL. A test holds a slot while it works (namespace creation and
//! steps) and gives it up while its namespace finalizes; its trial ends when cleanup has ended.
//! A free slot goes to the waiting test that comes first by suite (`testDirs` order), then name.
//! Order between suites is kept only where suite hooks make it observable: a suite with a
//! `beforeSuite` or `afterSuite` starts (its before hook, else its first test) only after every
//! earlier selected suite with suite hooks has ended, its after hook included; its after hook runs
//! once all its tests have ended. Suites without suite hooks wait for no suite. The collection's
//! before hook runs before any test, its after hook after all of them.
//!
//! # Module map
//!
//! Data flows one way:
//!
//! - [`config`]: the serde shapes of KUTTL's files and KEP-6's, and YAML read as kubectl reads it.
//! - [`load`]: from files to a checked model (`Collection` → suite → `TestCase` → `Step`), every
//!   error and warning with its file and line.
//! - the `go-text-template` crate (`crates/go-text-template`): Go's `text/template` with the
//!   sprig functions, which renders `*.gotmpl.yaml` step files before they load.
//! - the `go-stdlib-compat` crate (`crates/go-stdlib-compat`): Go's `os.Expand`,
//!   `filepath.Match` and `filepath.Clean`, shared by loading, the engine and the template engine.
//! - `harness`: libtest-mimic trials, command-line handling, run-wide state (loading, hook
//!   running, records), the lifecycle hooks as shared fixtures, and the `parallel` slots; under
//!   nextest, the reaper that runs after hooks and the Leases several machines share a run by.
//! - `run`: the engine — namespaces, step order, apply, watch-driven assert windows, commands,
//!   hooks, the clusters steps name by kubeconfig, failure messages. It records outcomes and never
//!   prints.
//! - `cluster`: the connection (kubeconfig, embedded control plane with envtest binaries fetched
//!   when `KUBEBUILDER_ASSETS` is unset, or kind), per-test clients on one
//!   connection pool per API server, the discovery cache.
//! - `report`: JSON, JUnit and HTML reports, per-test artifacts, API endpoint coverage.
//! - `mask`: Secret values and `maskFields` masked wherever an object is shown.
//! - [`TestContext`]: what typed Rust tests receive ([`Harness::typed_test`]).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod chainsaw;
mod cluster;
#[doc(hidden)]
pub mod config;
mod expand;
mod fixture;
mod harness;
#[doc(hidden)]
pub mod load;
mod mask;
mod provenance;
#[doc(hidden)]
pub mod registry;
mod report;
mod run;
mod typed;

pub use fixture::{Fixture, FixtureContext, FixtureError, FixtureScope};
pub use kuttl_rs_macros::test;

/// What `#[kuttl::test]` expands to; not for direct use.
#[doc(hidden)]
pub mod __private {
    pub use crate::registry::{RegisteredTest, TestFuture, inventory};
}
pub use harness::{CheckError, Harness, PatternError, RunEnd, check_files};
pub use run::Expectation;
pub use run::{Mismatch, is_subset};
pub use typed::{SeenState, TestContext, Wait, WaitError, WaitUntil};
