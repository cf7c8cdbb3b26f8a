//! What a shared run's Leases say: which attempt (epoch) they belong to, who holds a before hook
//! and with what outcome, which machines still run, which after hooks are owed. Pure functions of
//! the Leases and of what the caller judges expired ([`super::observed`]).

use std::collections::BTreeMap;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::{SignedDuration, Timestamp};

use super::super::hook_scope::Scope;
use super::settings::{RUN_LABEL, SharedRun};
use crate::run::{HookFailure, HookOutcome};

/// Label: what a Lease stands for (`machine`, `before`, `after`).
const ROLE_LABEL: &str = "kuttl-rs.dev/role";
/// Label: the attempt of the run a Lease belongs to.
const EPOCH_LABEL: &str = "kuttl-rs.dev/epoch";
/// Annotation of a before Lease: the suite whose hook it carries (absent: the collection's).
const SUITE: &str = "kuttl-rs.dev/suite";
/// Annotation of a before Lease once its hook ended: `ok` or `failed`.
const OUTCOME: &str = "kuttl-rs.dev/outcome";
/// Annotation of a before Lease whose hook failed: the failure, as JSON.
const ERROR: &str = "kuttl-rs.dev/error";
/// How much of a failed hook's summary, and of its log, a Lease carries: what other machines
/// show, not the whole log (that stays in the reports of the machine that ran the hook), and far
/// below the API server's 256 KiB limit on annotations.
const STORED_PART: usize = 2048;
/// Annotation of a machine Lease once the machine's nextest run ended: when.
const FINISHED: &str = "kuttl-rs.dev/finished";

/// What a Lease stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Machine,
    Before,
    After,
}

impl Role {
    fn label(self) -> &'static str {
        match self {
            Self::Machine => "machine",
            Self::Before => "before",
            Self::After => "after",
        }
    }
}

/// A new Lease of the run, held by this machine since `now`.
pub(crate) fn new_lease(run: &SharedRun, name: &str, role: Role, now: Timestamp) -> Lease {
    Lease {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            namespace: Some(run.namespace.clone()),
            labels: Some(BTreeMap::from([
                (RUN_LABEL.to_string(), run.key.clone()),
                (ROLE_LABEL.to_string(), role.label().to_string()),
                (EPOCH_LABEL.to_string(), run.epoch.to_string()),
                (
                    "app.kubernetes.io/managed-by".to_string(),
                    "kuttl-rs".to_string(),
                ),
            ])),
            annotations: Some(BTreeMap::from([(
                "kuttl-rs.dev/run-id".to_string(),
                run.run_id.clone(),
            )])),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(run.machine.clone()),
            lease_duration_seconds: Some(run.lease_seconds),
            acquire_time: Some(MicroTime(now)),
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(0),
            ..LeaseSpec::default()
        }),
    }
}

/// A new before Lease for `scope`, held by this machine.
pub(crate) fn new_before_lease(run: &SharedRun, scope: &Scope, now: Timestamp) -> Lease {
    let mut lease = new_lease(run, &run.before_lease(scope), Role::Before, now);
    if let Scope::BeforeSuite(suite) = scope {
        annotate(&mut lease, SUITE, suite);
    }
    lease
}

fn annotate(lease: &mut Lease, key: &str, value: &str) {
    lease
        .metadata
        .annotations
        .get_or_insert_default()
        .insert(key.to_string(), value.to_string());
}

fn annotation<'l>(lease: &'l Lease, key: &str) -> Option<&'l str> {
    lease
        .metadata
        .annotations
        .as_ref()?
        .get(key)
        .map(String::as_str)
}

fn has_role(lease: &Lease, role: Role) -> bool {
    lease
        .metadata
        .labels
        .as_ref()
        .and_then(|labels| labels.get(ROLE_LABEL))
        .is_some_and(|label| label == role.label())
}

/// The Lease's holder identity.
pub(crate) fn holder(lease: &Lease) -> &str {
    lease
        .spec
        .as_ref()
        .and_then(|spec| spec.holder_identity.as_deref())
        .unwrap_or("(no holder)")
}

/// Renews `lease` for its holder at `now`.
pub(crate) fn renewed(mut lease: Lease, now: Timestamp) -> Lease {
    lease.spec.get_or_insert_default().renew_time = Some(MicroTime(now));
    lease
}

/// `lease`, taken over by `run`'s machine at `now` (its holder has expired).
pub(crate) fn taken_over(mut lease: Lease, run: &SharedRun, now: Timestamp) -> Lease {
    let spec = lease.spec.get_or_insert_default();
    spec.holder_identity = Some(run.machine.clone());
    spec.acquire_time = Some(MicroTime(now));
    spec.renew_time = Some(MicroTime(now));
    spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
    lease
}

/// A before Lease with its hook's outcome written in.
pub(crate) fn with_outcome(mut lease: Lease, outcome: &HookOutcome, now: Timestamp) -> Lease {
    match outcome {
        Ok(()) => annotate(&mut lease, OUTCOME, "ok"),
        Err(failure) => {
            annotate(&mut lease, OUTCOME, "failed");
            let stored = failure.clone().bounded(STORED_PART);
            let json = serde_json::to_string(&stored).unwrap_or_else(|_| stored.to_string());
            annotate(&mut lease, ERROR, &json);
        }
    }
    renewed(lease, now)
}

/// The failure a before Lease tells; one it does not tell readably is still a failure.
fn stored_failure(lease: &Lease) -> HookFailure {
    let stored = annotation(lease, ERROR).unwrap_or_default();
    serde_json::from_str(stored).unwrap_or_else(|_| {
        let scope = annotation(lease, SUITE).map_or_else(
            || "beforeCollection".to_string(),
            |suite| format!("{suite}::beforeSuite"),
        );
        HookFailure::not_started(scope, "unknown part", format!("its Lease says: {stored:?}"))
    })
}

/// A machine Lease marked as finished at `now`.
pub(crate) fn finished(mut lease: Lease, now: Timestamp) -> Lease {
    annotate(&mut lease, FINISHED, &now.to_string());
    renewed(lease, now)
}

/// The attempt a Lease belongs to (Leases from before epochs: the first).
pub(crate) fn epoch(lease: &Lease) -> u32 {
    lease
        .metadata
        .labels
        .as_ref()
        .and_then(|labels| labels.get(EPOCH_LABEL))
        .and_then(|epoch| epoch.parse().ok())
        .unwrap_or(1)
}

/// The latest attempt of the run, as a machine opening it at `now` finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// It runs: join it (`1` for a run without Leases).
    Open(u32),
    /// Its `after` Lease exists (its after hooks have started): start the next.
    Closed(u32),
    /// It has machines and, by the times written in their Leases, none has renewed its Lease for
    /// [`DEAD_AFTER`] Lease durations: a cancelled job, or a clock skewed against this one. The
    /// caller watches the Leases to tell which.
    Silent(u32),
}

pub(crate) fn latest_attempt(leases: &[Lease], now: Timestamp) -> Attempt {
    let Some(latest) = leases.iter().map(epoch).max() else {
        return Attempt::Open(1);
    };
    let of_latest: Vec<&Lease> = leases.iter().filter(|l| epoch(l) == latest).collect();
    if of_latest.iter().any(|lease| is_after(lease)) {
        return Attempt::Closed(latest);
    }
    let machines: Vec<&&Lease> = of_latest.iter().filter(|lease| is_machine(lease)).collect();
    if !machines.is_empty() && machines.iter().all(|lease| silent(lease, now)) {
        Attempt::Silent(latest)
    } else {
        Attempt::Open(latest)
    }
}

/// How many Lease durations without a renewal, by the timestamps in it, make a machine's attempt
/// look over.
const DEAD_AFTER: i64 = 3;

/// Whether the Lease says it was last renewed more than [`DEAD_AFTER`] durations before `now`.
fn silent(lease: &Lease, now: Timestamp) -> bool {
    let Some(spec) = &lease.spec else {
        return true;
    };
    let Some(MicroTime(last)) = spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) else {
        return true;
    };
    let seconds = DEAD_AFTER * i64::from(spec.lease_duration_seconds.unwrap_or(0));
    last.checked_add(SignedDuration::from_secs(seconds))
        .is_ok_and(|until| until < now)
}

/// Whether the Lease is an attempt's `after` Lease.
pub(crate) fn is_after(lease: &Lease) -> bool {
    has_role(lease, Role::After)
}

/// Whether the Lease is a machine's.
pub(crate) fn is_machine(lease: &Lease) -> bool {
    has_role(lease, Role::Machine)
}

/// Whether the Lease is a machine's that has finished.
pub(crate) fn is_finished(lease: &Lease) -> bool {
    annotation(lease, FINISHED).is_some()
}

/// A before hook, as its Lease tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BeforeSeen {
    /// Its holder runs it and renews the Lease.
    Running { holder: String },
    /// Its holder stopped renewing the Lease before the hook ended: another machine takes over.
    Abandoned { holder: String },
    /// It ended, on machine `holder`.
    Done {
        holder: String,
        outcome: HookOutcome,
    },
}

/// A before hook as its Lease tells; `expired`: its holder has stopped renewing it.
pub(crate) fn before_seen(lease: &Lease, expired: bool) -> BeforeSeen {
    let holder = holder(lease).to_string();
    match annotation(lease, OUTCOME) {
        Some("ok") => BeforeSeen::Done {
            holder,
            outcome: Ok(()),
        },
        Some(_) => BeforeSeen::Done {
            holder,
            outcome: Err(stored_failure(lease)),
        },
        None if expired => BeforeSeen::Abandoned { holder },
        None => BeforeSeen::Running { holder },
    }
}

/// The machines of the run, by their Leases.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Machines {
    /// Still running their tests (their Lease is renewed).
    pub running: Vec<String>,
    /// Their nextest run ended.
    pub finished: Vec<String>,
    /// Stopped renewing their Lease without finishing: counted as gone.
    pub gone: Vec<String>,
}

impl Machines {
    /// The machines of `leases`; `expired`: a machine stopped renewing its Lease.
    pub(crate) fn read(leases: &[Lease], expired: impl Fn(&Lease) -> bool) -> Self {
        let mut machines = Self::default();
        for lease in leases.iter().filter(|l| is_machine(l)) {
            let holder = holder(lease).to_string();
            if is_finished(lease) {
                machines.finished.push(holder);
            } else if expired(lease) {
                machines.gone.push(holder);
            } else {
                machines.running.push(holder);
            }
        }
        machines
    }

    /// How many machines have joined the run.
    pub(crate) fn joined(&self) -> usize {
        self.running.len() + self.finished.len() + self.gone.len()
    }

    /// Whether every machine has ended, and (when the run says how many take part) all of them
    /// have joined.
    pub(crate) fn all_ended(&self, expected: Option<usize>) -> bool {
        self.running.is_empty() && expected.is_none_or(|expected| self.joined() >= expected)
    }
}

/// Whether someone holds the run's `after` Lease.
pub(crate) fn after_taken(leases: &[Lease]) -> Option<&str> {
    leases.iter().find(|lease| is_after(lease)).map(holder)
}

/// The after hooks owed: one per before Lease of the run (its hook started on some machine),
/// suites in `suite_order`, then the collection's.
pub(crate) fn owed(leases: &[Lease], suite_order: &[&str]) -> Vec<Scope> {
    let before: Vec<Option<&str>> = leases
        .iter()
        .filter(|lease| has_role(lease, Role::Before))
        .map(|lease| annotation(lease, SUITE))
        .collect();
    let mut owed: Vec<Scope> = suite_order
        .iter()
        .filter(|suite| before.contains(&Some(suite)))
        .map(|suite| Scope::AfterSuite(suite.to_string()))
        .collect();
    if before.contains(&None) {
        owed.push(Scope::AfterCollection);
    }
    owed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(machine: &str) -> SharedRun {
        SharedRun::from_env(
            |name| (name == super::super::settings::RUN_ID_ENV).then(|| "r1".to_string()),
            "suites",
            machine,
            "host",
        )
        .unwrap()
        .unwrap()
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    #[test]
    fn the_latest_attempt_is_open_closed_by_its_after_lease_or_silent() {
        let first = run("a");
        assert_eq!(latest_attempt(&[], at(0)), Attempt::Open(1));
        let running = [new_lease(&first, "m", Role::Machine, at(0))];
        assert_eq!(latest_attempt(&running, at(10)), Attempt::Open(1));
        let closed = [
            running[0].clone(),
            new_lease(&first, &first.after_lease(), Role::After, at(0)),
        ];
        assert_eq!(latest_attempt(&closed, at(10)), Attempt::Closed(1));
        let second = first.in_epoch(2);
        let retried = [
            closed[0].clone(),
            closed[1].clone(),
            new_lease(&second, "m2", Role::Machine, at(0)),
        ];
        assert_eq!(latest_attempt(&retried, at(10)), Attempt::Open(2));
        assert_eq!(epoch(&retried[2]), 2);
        // Its machines' Leases say they were renewed 3 Lease durations (60 s) ago: cancelled, or
        // written by a skewed clock.
        assert_eq!(latest_attempt(&running, at(180)), Attempt::Open(1));
        assert_eq!(latest_attempt(&running, at(181)), Attempt::Silent(1));
    }

    #[test]
    fn a_before_lease_runs_then_tells_its_outcome_or_is_abandoned() {
        let scope = Scope::BeforeSuite("hooks".into());
        let lease = new_before_lease(&run("a"), &scope, at(0));
        let holder = "host/a".to_string();
        assert_eq!(
            before_seen(&lease, false),
            BeforeSeen::Running {
                holder: holder.clone()
            }
        );
        assert_eq!(
            before_seen(&lease, true),
            BeforeSeen::Abandoned {
                holder: holder.clone()
            }
        );
        let failure = HookFailure::not_started("beforeCollection", "commands", "exit status 1");
        let failed = with_outcome(lease.clone(), &Err(failure.clone()), at(5));
        // An ended hook's outcome holds however long ago it ended.
        assert_eq!(
            before_seen(&failed, true),
            BeforeSeen::Done {
                holder: holder.clone(),
                outcome: Err(failure)
            }
        );
        let taken = taken_over(lease, &run("b"), at(70));
        assert_eq!(
            before_seen(&taken, false),
            BeforeSeen::Running {
                holder: "host/b".into()
            }
        );
        assert_eq!(taken.spec.as_ref().unwrap().lease_transitions, Some(1));
        let ok = with_outcome(taken, &Ok(()), at(75));
        assert_eq!(
            before_seen(&ok, false),
            BeforeSeen::Done {
                holder: "host/b".into(),
                outcome: Ok(())
            }
        );
    }

    #[test]
    fn machines_are_running_finished_or_gone_and_the_run_ends_when_none_runs() {
        let a = new_lease(&run("a"), "ma", Role::Machine, at(0));
        let b = new_lease(&run("b"), "mb", Role::Machine, at(0));
        let hook = new_before_lease(&run("a"), &Scope::BeforeCollection, at(0));
        let none_expired = |_: &Lease| false;
        let seen = Machines::read(&[a.clone(), b.clone(), hook], none_expired);
        assert_eq!(seen.running, ["host/a", "host/b"]);
        assert!(!seen.all_ended(None));

        let a = finished(a, at(40));
        let seen = Machines::read(&[a.clone(), b.clone()], none_expired);
        assert_eq!((seen.finished.len(), seen.running.len()), (1, 1));
        assert!(!seen.all_ended(None));

        // b stopped renewing: gone, and the run has ended.
        let all_expired = |_: &Lease| true;
        let seen = Machines::read(&[a.clone(), b.clone()], all_expired);
        assert_eq!(seen.gone, ["host/b"]);
        assert!(seen.all_ended(None));
        assert!(seen.all_ended(Some(2)));
        // Three machines take part and only two joined: not yet.
        assert!(!seen.all_ended(Some(3)));
        // A finished machine stays finished however long ago it finished.
        assert_eq!(Machines::read(&[a], all_expired).finished, ["host/a"]);
    }

    #[test]
    fn after_hooks_are_owed_where_any_machine_started_a_before_hook() {
        let (a, b) = (run("a"), run("b"));
        let leases = [
            new_before_lease(&b, &Scope::BeforeSuite("hooks".into()), at(0)),
            new_lease(&a, "ma", Role::Machine, at(0)),
            new_before_lease(&a, &Scope::BeforeCollection, at(0)),
            new_before_lease(&a, &Scope::BeforeSuite("core".into()), at(0)),
        ];
        assert_eq!(
            owed(&leases, &["core", "apps", "hooks"]),
            [
                Scope::AfterSuite("core".into()),
                Scope::AfterSuite("hooks".into()),
                Scope::AfterCollection
            ]
        );
        assert_eq!(owed(&leases[1..2], &["core"]), []);
        assert_eq!(after_taken(&leases), None);
        let after = new_lease(&b, &b.after_lease(), Role::After, at(0));
        assert_eq!(after_taken(&[after]), Some("host/b"));
    }

    #[test]
    fn a_long_hook_failure_is_stored_as_a_bounded_summary() {
        let lease = new_before_lease(&run("a"), &Scope::BeforeSuite("hooks".into()), at(0));
        let failure = HookFailure {
            log: "é line of output\n".repeat(20_000),
            ..HookFailure::not_started("hooks::beforeSuite", "commands", "exit status 1")
        };

        let failed = with_outcome(lease, &Err(failure.clone()), at(5));

        let stored = annotation(&failed, ERROR).unwrap();
        assert!(stored.len() <= 3 * STORED_PART, "{}", stored.len());
        let BeforeSeen::Done {
            outcome: Err(read), ..
        } = before_seen(&failed, false)
        else {
            panic!("a failed outcome");
        };
        assert_eq!(read, failure.bounded(STORED_PART));
        assert!(read.log.ends_with("é line of output\n"), "{}", read.log);
    }

    #[test]
    fn a_lease_whose_failure_does_not_read_still_tells_a_failure() {
        let mut lease = new_before_lease(&run("a"), &Scope::BeforeSuite("hooks".into()), at(0));
        annotate(&mut lease, OUTCOME, "failed");
        annotate(&mut lease, ERROR, "not json");

        let BeforeSeen::Done {
            outcome: Err(read), ..
        } = before_seen(&lease, false)
        else {
            panic!("a failed outcome");
        };
        assert_eq!(read.scope, "hooks::beforeSuite");
        assert!(read.summary.contains("not json"), "{}", read.summary);
    }
}
