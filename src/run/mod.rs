//! The engine: runs a loaded test against a cluster, step by step, in KUTTL's order, and builds the
//! failure message. Nothing here prints; everything goes to the test's log.

pub(crate) mod api_error;
mod apply;
mod cel;
mod check;
mod check_failure;
mod collect;
mod command;
mod connection;
pub(crate) mod controller_log;
mod created;
mod delete;
mod diff;
mod error;
mod events;
#[cfg(test)]
mod fake_api;
mod gone;
mod hook_failure;
mod hooks;
mod interrupt;
mod log;
mod namespace;
mod objects;
mod one_shot;
pub(crate) mod outcome;
mod process;
mod secret_sweep;
mod shared_namespace;
mod signals;
mod step;
mod step_clusters;
mod subset;
mod target;
mod test_run;
mod test_state;
mod timeout;
mod window;

use std::sync::LazyLock;

pub(crate) use connection::Connection;
pub(crate) use created::{Created, Reach, delete as delete_created};
pub(crate) use diff::{describe_state, pretty_diff, to_yaml};
pub(crate) use error::NamespaceError;
pub(crate) use hook_failure::{HookFailure, HookOutcome};
pub(crate) use hooks::{HookRun, run as run_hook};
pub(crate) use interrupt::RUNNING;
pub(crate) use namespace::{create as create_namespace, generate_name as generate_namespace_name};
pub(crate) use objects::{
    metadata_str, target as object_target, target_served_by as object_target_served_by,
};
pub use one_shot::Expectation;
pub(crate) use one_shot::check as check_once;
pub(crate) use outcome::{HookRecord, OperationRecord, StepRecord, TestRecord};
pub(crate) use process::Process;
pub(crate) use secret_sweep::learn_from as learn_namespace_secrets;
pub(crate) use shared_namespace::{create_shared, delete_shared, delete_shared_elsewhere};
pub(crate) use signals::{interrupted, note, signal, take_notes, until_interrupted};
pub use subset::{Mismatch, is_subset};
pub(crate) use target::Target;
pub(crate) use test_run::{Body, INTERRUPTED, TestId, TestSettings, TypedFn, work};
pub(crate) use test_state::{Session, TestState};

/// The one runtime of the process: every trial blocks on it, and every client is built inside it.
pub(crate) static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("kuttl-rs")
        .build()
        .expect("the tokio runtime starts")
});
