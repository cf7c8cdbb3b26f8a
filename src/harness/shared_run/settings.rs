//! A shared run's settings from the environment: its id, this machine's name, the Leases'
//! duration and namespace, and the names of the run's Leases.

use std::time::Duration;

use super::super::hook_scope::Scope;

/// The variable that names a run shared by several machines; set empty, it turns the CI
/// systems' variables off too.
pub(super) const RUN_ID_ENV: &str = "KUTTL_RUN_ID";
/// How many machines take part; the after hooks wait for that many to have joined.
const MACHINES_ENV: &str = "KUTTL_RUN_MACHINES";
/// Seconds after its last renewal a machine, or a machine running a before hook, counts as gone.
const LEASE_SECONDS_ENV: &str = "KUTTL_LEASE_SECONDS";
/// The namespace of the run's Leases.
const LEASE_NAMESPACE_ENV: &str = "KUTTL_LEASE_NAMESPACE";

const DEFAULT_LEASE_SECONDS: i32 = 60;
const DEFAULT_LEASE_NAMESPACE: &str = "default";

/// A run shared by several machines, as this machine takes part in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharedRun {
    /// The run id, as given (shown in logs).
    pub run_id: String,
    /// Names the run's Leases: `kuttl-rs-<key>-…`, a digest of the run id and the collection.
    pub(super) key: String,
    /// This machine: `<hostname>/<nextest run id>`, the Leases' holder identity.
    pub machine: String,
    /// How long a Lease's holder counts as alive after its last renewal.
    pub lease_seconds: i32,
    /// How many machines take part, when known.
    pub machines: Option<usize>,
    /// Where the Leases live.
    pub namespace: String,
    /// Which attempt of the run this is: a run id names a series of attempts (a retried CI job
    /// keeps its id), each with Leases of its own. Set by the coordinator when it opens the run.
    pub(super) epoch: u32,
}

/// A variable of the shared run that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?}: {expected}")]
pub(crate) struct SettingsError {
    variable: &'static str,
    value: String,
    expected: &'static str,
}

/// The run id: `KUTTL_RUN_ID`, else one the CI system gives every machine of one job (partitions
/// of one job share it, other jobs do not; re-runs do not where the system counts attempts):
/// GitHub Actions, GitLab CI, Buildkite.
pub(super) fn run_id(env: impl Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(id) = env(RUN_ID_ENV) {
        return (!id.trim().is_empty()).then(|| id.trim().to_string());
    }
    let all = |names: &[&str]| -> Option<Vec<String>> {
        names
            .iter()
            .map(|name| env(name).filter(|value| !value.is_empty()))
            .collect()
    };
    if let Some(parts) = all(&["GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB"]) {
        return Some(format!("github-{}", parts.join("-")));
    }
    if let Some(parts) = all(&["CI_PIPELINE_ID", "CI_JOB_NAME"]) {
        // A `parallel:` job's name ends in ` k/n`, different on each machine.
        let job = parts[1]
            .rsplit_once(' ')
            .filter(|(_, index)| index.split_once('/').is_some_and(is_index))
            .map_or(parts[1].as_str(), |(job, _)| job);
        return Some(format!("gitlab-{}-{job}", parts[0]));
    }
    if let Some(parts) = all(&["BUILDKITE_BUILD_ID", "BUILDKITE_STEP_ID"]) {
        // A retried job is a new attempt; GitLab has no such count (epochs tell its attempts apart).
        let retry = env("BUILDKITE_RETRY_COUNT").unwrap_or_else(|| "0".into());
        return Some(format!("buildkite-{}-{retry}", parts.join("-")));
    }
    None
}

/// Checks the shared run's variables other than the run id, set or not: a bad value is an error
/// on every run, not only on the machines of a shared one.
pub(crate) fn check_env(env: impl Fn(&str) -> Option<String>) -> Result<(), SettingsError> {
    settings(&env).map(|_| ())
}

/// The Lease duration in seconds, the number of machines and the Leases' namespace.
fn settings(
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(i32, Option<usize>, String), SettingsError> {
    let lease_seconds = match env(LEASE_SECONDS_ENV) {
        None => DEFAULT_LEASE_SECONDS,
        Some(value) => value
            .trim()
            .parse()
            .ok()
            .filter(|seconds| *seconds > 0)
            .ok_or(SettingsError {
                variable: LEASE_SECONDS_ENV,
                value,
                expected: "a whole number of seconds above 0",
            })?,
    };
    let machines = match env(MACHINES_ENV) {
        None => None,
        Some(value) => Some(
            value
                .trim()
                .parse()
                .ok()
                .filter(|machines| *machines > 0)
                .ok_or(SettingsError {
                    variable: MACHINES_ENV,
                    value,
                    expected: "a number of machines above 0",
                })?,
        ),
    };
    let namespace = env(LEASE_NAMESPACE_ENV)
        .filter(|namespace| !namespace.is_empty())
        .unwrap_or_else(|| DEFAULT_LEASE_NAMESPACE.to_string());
    Ok((lease_seconds, machines, namespace))
}

fn is_index((k, n): (&str, &str)) -> bool {
    k.parse::<u32>().is_ok() && n.parse::<u32>().is_ok()
}

impl SharedRun {
    /// The shared run this machine takes part in, if the environment names one. `collection`
    /// tells runs of different collections apart under one run id; `nextest_run_id` and
    /// `hostname` name this machine. The other variables are checked with or without a run id.
    pub(crate) fn from_env(
        env: impl Fn(&str) -> Option<String>,
        collection: &str,
        nextest_run_id: &str,
        hostname: &str,
    ) -> Result<Option<Self>, SettingsError> {
        let (lease_seconds, machines, namespace) = settings(&env)?;
        let Some(run_id) = run_id(&env) else {
            return Ok(None);
        };
        Ok(Some(Self {
            key: short_digest(&format!("{run_id}\n{collection}"), 10),
            run_id,
            machine: format!("{hostname}/{nextest_run_id}"),
            lease_seconds,
            machines,
            namespace,
            epoch: 1,
        }))
    }

    /// This run in attempt `epoch`.
    pub(super) fn in_epoch(&self, epoch: u32) -> Self {
        Self {
            epoch,
            ..self.clone()
        }
    }

    /// The start of the names of this attempt's Leases.
    fn prefix(&self) -> String {
        format!("kuttl-rs-{}-e{}", self.key, self.epoch)
    }

    /// The Lease that carries the before hook of `scope` (a before scope).
    pub(crate) fn before_lease(&self, scope: &Scope) -> String {
        match scope {
            Scope::BeforeSuite(suite) | Scope::AfterSuite(suite) => {
                format!("{}-suite-{}", self.prefix(), short_digest(suite, 8))
            }
            Scope::BeforeCollection | Scope::AfterCollection => {
                format!("{}-collection", self.prefix())
            }
        }
    }

    /// The Lease this machine renews while its nextest runner lives.
    pub(crate) fn machine_lease(&self) -> String {
        self.machine_lease_of(&self.machine)
    }

    /// The Lease the machine `machine` renews.
    pub(crate) fn machine_lease_of(&self, machine: &str) -> String {
        format!("{}-machine-{}", self.prefix(), short_digest(machine, 8))
    }

    /// The Lease whose creator runs the after hooks; once it exists, the attempt is closed.
    pub(crate) fn after_lease(&self) -> String {
        format!("{}-after", self.prefix())
    }

    /// The label selector of every Lease of the run.
    pub(crate) fn selector(&self) -> String {
        format!("{RUN_LABEL}={}", self.key)
    }

    /// How long a holder counts as alive after its last renewal.
    pub(crate) fn lease_duration(&self) -> Duration {
        Duration::from_secs(self.lease_seconds.unsigned_abs().into())
    }
}

/// The label every Lease of a run carries, with the run's key.
pub(super) const RUN_LABEL: &str = "kuttl-rs.dev/run";

/// The first `len` hex digits of the SHA-256 of `text`: a name part Kubernetes accepts.
fn short_digest(text: &str, len: usize) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    let mut hex = data_encoding::HEXLOWER.encode(digest.as_ref());
    hex.truncate(len);
    hex
}

/// This machine's name: the kernel's hostname, else `HOSTNAME`, else `localhost`.
pub(super) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    #[test]
    fn the_run_id_comes_from_kuttl_run_id_then_the_ci_system() {
        assert_eq!(run_id(env(&[])), None);
        let github = [
            ("GITHUB_RUN_ID", "9001"),
            ("GITHUB_RUN_ATTEMPT", "2"),
            ("GITHUB_JOB", "e2e"),
        ];
        assert_eq!(run_id(env(&github)).as_deref(), Some("github-9001-2-e2e"));
        let mut both = github.to_vec();
        both.push((RUN_ID_ENV, " nightly-7 "));
        assert_eq!(run_id(env(&both)).as_deref(), Some("nightly-7"));
        // Set empty: no shared run, whatever the CI system says.
        both.pop();
        both.push((RUN_ID_ENV, ""));
        assert_eq!(run_id(env(&both)), None);
        // A partial set of a CI system's variables names no run.
        assert_eq!(run_id(env(&[("GITHUB_RUN_ID", "9001")])), None);
    }

    #[test]
    fn gitlab_parallel_jobs_share_a_run_id_and_other_jobs_do_not() {
        let job = |name| run_id(env(&[("CI_PIPELINE_ID", "77"), ("CI_JOB_NAME", name)]));
        assert_eq!(job("e2e 1/3"), job("e2e 3/3"));
        assert_eq!(job("e2e 2/3").as_deref(), Some("gitlab-77-e2e"));
        assert_ne!(job("e2e 1/3"), job("unit 1/3"));
        assert_eq!(job("deploy v2").as_deref(), Some("gitlab-77-deploy v2"));
        assert_eq!(
            run_id(env(&[
                ("BUILDKITE_BUILD_ID", "b-1"),
                ("BUILDKITE_STEP_ID", "s-2")
            ]))
            .as_deref(),
            Some("buildkite-b-1-s-2-0")
        );
        // A retried job is another attempt.
        assert_eq!(
            run_id(env(&[
                ("BUILDKITE_BUILD_ID", "b-1"),
                ("BUILDKITE_STEP_ID", "s-2"),
                ("BUILDKITE_RETRY_COUNT", "1")
            ]))
            .as_deref(),
            Some("buildkite-b-1-s-2-1")
        );
    }

    #[test]
    fn settings_name_the_variable_that_does_not_parse() {
        let run = |vars: &[(&str, &str)]| SharedRun::from_env(env(vars), "suites", "n-1", "host");
        assert_eq!(run(&[]), Ok(None));
        let shared = run(&[(RUN_ID_ENV, "r1")]).unwrap().unwrap();
        assert_eq!(shared.machine, "host/n-1");
        assert_eq!(shared.lease_seconds, 60);
        assert_eq!(shared.machines, None);
        assert_eq!(shared.namespace, "default");
        let shared = run(&[
            (RUN_ID_ENV, "r1"),
            (LEASE_SECONDS_ENV, "15"),
            (MACHINES_ENV, "3"),
            (LEASE_NAMESPACE_ENV, "ci"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            (
                shared.lease_seconds,
                shared.machines,
                shared.namespace.as_str()
            ),
            (15, Some(3), "ci")
        );
        let err = run(&[(RUN_ID_ENV, "r1"), (LEASE_SECONDS_ENV, "0")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "KUTTL_LEASE_SECONDS=\"0\": a whole number of seconds above 0"
        );
        let err = run(&[(MACHINES_ENV, "two")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "KUTTL_RUN_MACHINES=\"two\": a number of machines above 0"
        );
        assert_eq!(check_env(env(&[(MACHINES_ENV, "two")])), Err(err));
        assert_eq!(check_env(env(&[(MACHINES_ENV, "2")])), Ok(()));
    }

    #[test]
    fn lease_names_are_valid_and_tell_runs_collections_and_suites_apart() {
        let shared = |run_id: &str, collection: &str, nextest: &str| {
            SharedRun::from_env(env(&[(RUN_ID_ENV, run_id)]), collection, nextest, "h")
                .unwrap()
                .unwrap()
        };
        let a = shared("r1", "suites", "n-1");
        let b = shared("r1", "suites", "n-2");
        let suite = Scope::BeforeSuite("Hooks_Suite.v2".into());
        // Machines of one run share the hooks' Leases, not their own.
        assert_eq!(a.before_lease(&suite), b.before_lease(&suite));
        assert_eq!(a.after_lease(), b.after_lease());
        assert_ne!(a.machine_lease(), b.machine_lease());
        // Attempts of one run have Leases of their own.
        assert_ne!(a.before_lease(&suite), a.in_epoch(2).before_lease(&suite));
        assert_ne!(a.after_lease(), a.in_epoch(2).after_lease());
        assert_ne!(
            a.before_lease(&suite),
            shared("r2", "suites", "n-1").before_lease(&suite)
        );
        assert_ne!(
            a.before_lease(&suite),
            shared("r1", "other", "n-1").before_lease(&suite)
        );
        assert_ne!(
            a.before_lease(&suite),
            a.before_lease(&Scope::BeforeSuite("core".into()))
        );
        let name = regex::Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").unwrap();
        for lease in [
            a.before_lease(&suite),
            a.before_lease(&Scope::BeforeCollection),
            a.machine_lease(),
            a.after_lease(),
        ] {
            assert!(name.is_match(&lease) && lease.len() <= 63, "{lease}");
        }
    }
}
