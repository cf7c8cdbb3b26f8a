//! One run spread over several machines (`cargo nextest run --partition …`) against one cluster:
//! the machines share their hooks through `coordination.k8s.io` Leases in the cluster.
//!
//! - The run is named by `KUTTL_RUN_ID`, else by the CI system's variables ([`run_id`]); nextest's
//!   own run id differs per machine. Without one, each machine is a run of its own.
//! - A Lease per before hook: the machine that creates it runs the hook and writes the outcome into
//!   it; the others wait for that outcome and reuse it. Its holder renews it while the hook runs, so
//!   a machine that dies mid-hook is replaced once the Lease has expired.
//! - A Lease per machine, renewed by the machine's reaper while its nextest runner lives and marked
//!   finished when it ends. Once no machine is running (each finished, or expired), the first to
//!   create the run's `after` Lease runs the after hooks of every scope whose before hook ran on
//!   any machine, then deletes the run's Leases.
//! - A run id names a series of attempts (a retried CI job keeps its id): each attempt (epoch) has
//!   Leases of its own. Its `after` Lease closes it; a machine that finds the latest attempt
//!   closed, or cancelled (no machine renewing), starts the next.
//! - Expiry is judged by how long this machine has seen a Lease unchanged ([`observed`]), every
//!   request has a deadline, and transient errors are retried ([`protocol`]).
//!
//! Reading Leases ([`seen`]) is kept apart from the protocol ([`protocol`]), which talks to the
//! cluster through [`leases::LeaseStore`], so both are tested without a cluster.

mod leases;
mod observed;
mod protocol;
mod seen;
mod settings;

pub(crate) use leases::KubeLeases;
pub(crate) use leases::LeaseError;
pub(crate) use protocol::{AfterTurn, Coordinator};
pub(crate) use settings::{SettingsError, SharedRun, check_env};

use super::lifecycle;
use crate::load::{ClusterSource, Collection};

/// The shared run this test process takes part in: under nextest's process-per-test mode, against
/// a cluster the run did not start (a kubeconfig's), with a run id in the environment.
pub(crate) fn for_this_process(
    collection: &Collection,
) -> Option<Result<SharedRun, SettingsError>> {
    lifecycle::nextest_run_dir()?;
    let nextest_run_id = std::env::var("NEXTEST_RUN_ID").ok()?;
    if !matches!(collection.cluster, ClusterSource::Kubeconfig) {
        return None;
    }
    let mut identity = collection.name.clone();
    for suite in &collection.suites {
        identity.push('\n');
        identity.push_str(&suite.name);
    }
    SharedRun::from_env(
        |name| std::env::var(name).ok(),
        &identity,
        &nextest_run_id,
        &settings::hostname(),
    )
    .transpose()
}
