//! How the machines of a shared run take their turns, through the run's Leases.
//!
//! Every request has a deadline and transient errors (no answer in time, 429, 5xx, a reset
//! connection) are sent again with backoff, for up to [`PATIENCE`] Lease durations: only real
//! hook outcomes end a wait. A holder renews its Lease from a task of its own, checks that it
//! still holds the Lease before writing an outcome, and stops its hook when it has lost it.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::jiff::Timestamp;

use super::super::hook_scope::Scope;
use super::super::run_once::{CoordinationError, RunOnce, Shared, Start};
use super::leases::{LeaseError, LeaseStore};
use super::observed::Observed;
use super::seen::{self, Attempt, BeforeSeen, Machines, Role};
use super::settings::SharedRun;
use crate::run::{HookFailure, HookOutcome};

/// How often a waiting machine reads the Leases again.
const POLL: Duration = Duration::from_secs(1);

/// For how many Lease durations a request is sent again while the API server cannot answer it.
const PATIENCE: u32 = 5;

/// Who runs the after hooks, once no machine of the run is running.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum AfterTurn {
    /// This machine: the after hooks owed, and how the machines ended.
    Mine {
        owed: Vec<Scope>,
        machines: Machines,
    },
    /// The machine that holds the run's `after` Lease.
    Theirs { holder: String },
    /// Another machine has already run the after hooks and deleted the run's Leases, this
    /// machine's with them.
    Ended,
}

/// This machine's side of a shared run, in one attempt of it (`run.epoch`).
pub(crate) struct Coordinator<S> {
    store: Arc<S>,
    run: SharedRun,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
    poll: Duration,
    observed: Arc<Mutex<Observed>>,
}

impl<S> Clone for Coordinator<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            run: self.run.clone(),
            clock: Arc::clone(&self.clock),
            poll: self.poll,
            observed: Arc::clone(&self.observed),
        }
    }
}

impl<S: LeaseStore + Send + Sync + 'static> Coordinator<S> {
    /// Opens the run: joins its latest attempt, or starts the next when that one is over: closed,
    /// or silent ([`seen::latest_attempt`]) for as long as this machine watches it.
    pub(crate) async fn open(store: S, run: SharedRun) -> Result<Self, LeaseError> {
        Self::open_with(Arc::new(store), run, Arc::new(Timestamp::now), POLL).await
    }

    async fn open_with(
        store: Arc<S>,
        run: SharedRun,
        clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
        poll: Duration,
    ) -> Result<Self, LeaseError> {
        let gap = run.lease_duration() / 2;
        let mut coordinator = Self {
            store,
            run,
            clock,
            poll,
            observed: Arc::new(Mutex::new(Observed::new(gap))),
        };
        let leases = coordinator.list_all().await?;
        let epoch = match seen::latest_attempt(&leases, (coordinator.clock)()) {
            Attempt::Open(epoch) => epoch,
            Attempt::Closed(epoch) => epoch + 1,
            Attempt::Silent(epoch) if coordinator.stays_silent(epoch).await? => epoch + 1,
            Attempt::Silent(epoch) => epoch,
        };
        coordinator.run = coordinator.run.in_epoch(epoch);
        Ok(coordinator)
    }

    /// Whether no machine of attempt `epoch` renews its Lease while this machine watches for a
    /// Lease duration: the attempt was cancelled. A renewal seen means a live attempt whose clock
    /// differs from this machine's.
    async fn stays_silent(&self, epoch: u32) -> Result<bool, LeaseError> {
        let versions = |leases: Vec<Lease>| -> Vec<(Option<String>, Option<String>)> {
            leases
                .into_iter()
                .filter(|lease| seen::epoch(lease) == epoch && seen::is_machine(lease))
                .map(|lease| (lease.metadata.name, lease.metadata.resource_version))
                .collect()
        };
        let first = versions(self.list_all().await?);
        let watching = tokio::time::Instant::now();
        while watching.elapsed() <= self.run.lease_duration() {
            tokio::time::sleep(self.poll).await;
            if versions(self.list_all().await?) != first {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Sends `request` until it is answered, again after transient errors with backoff; each
    /// try has a deadline of a quarter Lease, so a stalled request cannot outlive a renewal.
    async fn call<T, Fut>(&self, name: &str, request: impl Fn() -> Fut) -> Result<T, LeaseError>
    where
        Fut: Future<Output = Result<T, LeaseError>>,
    {
        let lease = self.run.lease_duration();
        let deadline = (lease / 4).max(Duration::from_secs(1));
        let once = || async {
            tokio::time::timeout(deadline, request())
                .await
                .unwrap_or_else(|_| {
                    Err(LeaseError {
                        action: "requesting",
                        namespace: self.run.namespace.clone(),
                        name: name.to_string(),
                        message: format!("no answer within {deadline:?}"),
                        transient: true,
                    })
                })
        };
        once.retry(
            ExponentialBuilder::default()
                .with_min_delay(Duration::from_millis(200))
                .with_max_delay(Duration::from_secs(5))
                .with_jitter()
                .without_max_times()
                .with_total_delay(Some(lease * PATIENCE)),
        )
        .when(|err: &LeaseError| err.transient)
        .await
    }

    async fn get(&self, name: &str) -> Result<Option<Lease>, LeaseError> {
        let lease = self.call(name, || self.store.get(name)).await?;
        self.observe(lease.iter().collect());
        Ok(lease)
    }

    async fn create(&self, lease: &Lease) -> Result<bool, LeaseError> {
        let name = lease.metadata.name.as_deref().unwrap_or_default();
        self.call(name, || self.store.create(lease)).await
    }

    async fn replace(&self, lease: &Lease) -> Result<bool, LeaseError> {
        let name = lease.metadata.name.as_deref().unwrap_or_default();
        self.call(name, || self.store.replace(lease)).await
    }

    /// Every Lease of the run, of every attempt.
    async fn list_all(&self) -> Result<Vec<Lease>, LeaseError> {
        let selector = self.run.selector();
        self.call(&selector, || self.store.list(&selector)).await
    }

    /// The Leases of this attempt.
    async fn list(&self) -> Result<Vec<Lease>, LeaseError> {
        let mut leases = self.list_all().await?;
        leases.retain(|lease| seen::epoch(lease) == self.run.epoch);
        self.observe(leases.iter().collect());
        Ok(leases)
    }

    fn observe(&self, leases: Vec<&Lease>) {
        self.observed().read(&leases);
    }

    fn expired(&self, lease: &Lease) -> bool {
        self.observed().expired(lease)
    }

    fn observed(&self) -> std::sync::MutexGuard<'_, Observed> {
        self.observed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs the before hook of `scope` (`hook` starts it) if no machine of the run has: the
    /// first to create its Lease runs it and writes the outcome there; the others wait for that
    /// outcome and return it. A holder that stops renewing the Lease before the hook ends is
    /// replaced; a holder that finds itself replaced stops its hook and waits like the others.
    pub(crate) async fn before_once<Fut>(
        &self,
        scope: &Scope,
        hook: impl Fn() -> Fut,
    ) -> Result<HookOutcome, CoordinationError>
    where
        Fut: Future<Output = Result<HookOutcome, CoordinationError>>,
    {
        let name = self.run.before_lease(scope);
        let sharing =
            |err: LeaseError| format!("sharing {} with the run's machines: {err}", scope.name());
        let fail = |err: LeaseError| CoordinationError(sharing(err));
        loop {
            let now = (self.clock)();
            let taken = match self.get(&name).await.map_err(fail)? {
                None => self
                    .create(&seen::new_before_lease(&self.run, scope, now))
                    .await
                    .map_err(fail)?,
                Some(lease) => match seen::before_seen(&lease, self.expired(&lease)) {
                    BeforeSeen::Done { holder, outcome } if holder == self.run.machine => {
                        return Ok(outcome);
                    }
                    BeforeSeen::Done { holder, outcome } => {
                        return Ok(outcome.map_err(|failure| HookFailure {
                            machine: Some(holder),
                            ..failure
                        }));
                    }
                    BeforeSeen::Running { .. } => false,
                    BeforeSeen::Abandoned { .. } => self
                        .replace(&seen::taken_over(lease, &self.run, now))
                        .await
                        .map_err(fail)?,
                },
            };
            if taken {
                match self.hold(&name, hook()).await {
                    Held::Ended(outcome) => return Ok(outcome),
                    Held::Lost => {}
                    Held::NoOutcome(err) => return Err(err),
                    Held::Unwritten(Ok(()), err) => return Err(fail(err)),
                    // The failure is the outcome here; other machines will not learn it.
                    Held::Unwritten(Err(failure), err) => {
                        return Ok(Err(HookFailure {
                            summary: format!("{}\n{}", failure.summary, sharing(err)),
                            ..failure
                        }));
                    }
                }
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Runs `hook` while a task of its own renews the Lease `name`, then writes the outcome
    /// there if this machine still holds it. The hook is stopped (dropped) when the Lease is
    /// lost; a hook that gives no outcome leaves the Lease to expire.
    async fn hold(
        &self,
        name: &str,
        hook: impl Future<Output = Result<HookOutcome, CoordinationError>>,
    ) -> Held {
        let (lost, mut losing) = tokio::sync::oneshot::channel::<()>();
        let renewer = {
            let this = self.clone();
            let name = name.to_string();
            tokio::spawn(async move {
                let every = this.run.lease_duration() / 3;
                loop {
                    tokio::time::sleep(every).await;
                    // Errors the retries did not overcome leave the Lease to expire: lost.
                    if !this.renew(&name).await.unwrap_or(false) {
                        let _ = lost.send(());
                        return;
                    }
                }
            })
        };
        let result = tokio::select! {
            result = hook => Some(result),
            _ = &mut losing => None,
        };
        renewer.abort();
        let outcome = match result {
            None => return Held::Lost,
            Some(Err(err)) => return Held::NoOutcome(err),
            Some(Ok(outcome)) => outcome,
        };
        let now = (self.clock)();
        let me = self.run.machine.as_str();
        let written = self
            .update(name, |lease| {
                (seen::holder(&lease) == me).then(|| seen::with_outcome(lease, &outcome, now))
            })
            .await;
        match written {
            Ok(true) => Held::Ended(outcome),
            Ok(false) => Held::Lost,
            Err(err) => Held::Unwritten(outcome, err),
        }
    }

    /// Renews the Lease `name` if this machine still holds it.
    async fn renew(&self, name: &str) -> Result<bool, LeaseError> {
        let now = (self.clock)();
        let me = self.run.machine.as_str();
        self.update(name, |lease| {
            (seen::holder(&lease) == me).then(|| seen::renewed(lease, now))
        })
        .await
    }

    /// Reads the Lease `name`, changes it with `change` (`None`: leave it) and writes it back,
    /// again while another writer gets there first. `false` when it is gone or left.
    async fn update(
        &self,
        name: &str,
        change: impl Fn(Lease) -> Option<Lease>,
    ) -> Result<bool, LeaseError> {
        loop {
            let Some(lease) = self.get(name).await? else {
                return Ok(false);
            };
            let Some(changed) = change(lease) else {
                return Ok(false);
            };
            if self.replace(&changed).await? {
                return Ok(true);
            }
        }
    }

    /// Joins the run: this machine's Lease, renewed while it runs ([`Coordinator::renew_machine`]).
    /// A machine that finds its attempt closed just after it joined (the after hooks started
    /// meanwhile) leaves it and joins the next.
    pub(crate) async fn join(&mut self) -> Result<(), LeaseError> {
        loop {
            let name = self.run.machine_lease();
            let now = (self.clock)();
            if !self
                .create(&seen::new_lease(&self.run, &name, Role::Machine, now))
                .await?
            {
                self.update(&name, |lease| Some(seen::renewed(lease, now)))
                    .await?;
            }
            if self.get(&self.run.after_lease()).await?.is_none() {
                return Ok(());
            }
            self.call(&name, || self.store.delete(&name)).await?;
            self.run = self.run.in_epoch(self.run.epoch + 1);
        }
    }

    /// Which attempt of the run this machine takes part in.
    pub(crate) fn epoch(&self) -> u32 {
        self.run.epoch
    }

    /// Tells the run this machine still runs; `false` when its Lease is gone (another machine
    /// counted it as gone and ended the run).
    pub(crate) async fn renew_machine(&self) -> Result<bool, LeaseError> {
        self.renew(&self.run.machine_lease()).await
    }

    /// Tells the run this machine's tests have ended.
    pub(crate) async fn finish_machine(&self) -> Result<(), LeaseError> {
        let now = (self.clock)();
        self.update(&self.run.machine_lease(), |lease| {
            Some(seen::finished(lease, now))
        })
        .await
        .map(|_| ())
    }

    /// Waits until no machine of the attempt is running, then decides who runs the after hooks:
    /// the first machine to create the attempt's `after` Lease. When the run says how many
    /// machines take part, it also waits for them to join, at most one Lease duration after
    /// every machine that joined has ended. A machine whose own Lease is gone finds the run
    /// already ended. `say` gets each new state of the wait.
    pub(crate) async fn after_turn(
        &self,
        suite_order: &[&str],
        mut say: impl FnMut(String),
    ) -> Result<AfterTurn, LeaseError> {
        let mut missing_since: Option<tokio::time::Instant> = None;
        let mut said = String::new();
        loop {
            let leases = self.list().await?;
            let mine = self.run.machine_lease();
            if !leases
                .iter()
                .any(|l| l.metadata.name.as_ref() == Some(&mine))
            {
                return Ok(AfterTurn::Ended);
            }
            if let Some(holder) = seen::after_taken(&leases) {
                return Ok(AfterTurn::Theirs {
                    holder: holder.to_string(),
                });
            }
            let machines = Machines::read(&leases, |lease| self.expired(lease));
            let ready = if machines.all_ended(self.run.machines) {
                true
            } else if machines.all_ended(None) {
                let since = missing_since.get_or_insert_with(tokio::time::Instant::now);
                since.elapsed() >= self.run.lease_duration()
            } else {
                missing_since = None;
                false
            };
            if ready {
                let name = self.run.after_lease();
                let after = seen::new_lease(&self.run, &name, Role::After, (self.clock)());
                if self.create(&after).await? {
                    let leases = self.list().await?;
                    return Ok(AfterTurn::Mine {
                        owed: seen::owed(&leases, suite_order),
                        machines,
                    });
                }
                continue;
            }
            let state = waiting_for(&machines, self.run.machines);
            if state != said {
                say(state.clone());
                said = state;
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Deletes the Leases of this attempt and of earlier ones (after its after hooks), the
    /// `after` Leases, which close their attempts, last: a machine still waiting sees its own
    /// Lease gone, never an attempt open again. When a Lease cannot be deleted, the others still
    /// are, but the `after` Leases stay: their attempts stay closed, and the next attempt's
    /// clean-up deletes what is left.
    pub(crate) async fn clean_up(&self) -> Result<usize, LeaseError> {
        let mut leases = self.list_all().await?;
        leases.retain(|lease| seen::epoch(lease) <= self.run.epoch);
        // Stable: `after` Leases last, the latest attempt's the very last.
        leases.sort_by_key(|lease| (seen::is_after(lease), seen::epoch(lease)));
        let mut failed = None;
        for lease in &leases {
            if failed.is_some() && seen::is_after(lease) {
                break;
            }
            let name = lease.metadata.name.as_deref().unwrap_or_default();
            if let Err(err) = self.call(name, || self.store.delete(name)).await {
                failed.get_or_insert(err);
            }
        }
        failed.map_or(Ok(leases.len()), Err)
    }
}

/// How [`Coordinator::hold`] ended.
enum Held {
    /// The hook ended with this outcome, written into the Lease.
    Ended(HookOutcome),
    /// Another machine took the Lease over: the hook was stopped, or its outcome not written.
    Lost,
    /// The hook gave no outcome, for this reason.
    NoOutcome(CoordinationError),
    /// The outcome could not be written: the hook's outcome, and why.
    Unwritten(HookOutcome, LeaseError),
}

impl<S: LeaseStore + Send + Sync + 'static> RunOnce for Coordinator<S> {
    fn run_once<'a>(&'a self, scope: &'a Scope, start: Start<'a>) -> Shared<'a> {
        Box::pin(self.before_once(scope, start))
    }
}

/// What a machine waiting for the end of the run waits for.
fn waiting_for(machines: &Machines, expected: Option<usize>) -> String {
    if !machines.running.is_empty() {
        return format!(
            "waiting for {} machine(s) still running: {}",
            machines.running.len(),
            machines.running.join(", ")
        );
    }
    format!(
        "{} of {} machine(s) have joined; waiting for the others one Lease duration",
        machines.joined(),
        expected.unwrap_or(0)
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::super::leases::memory::MemoryLeases;
    use super::*;

    /// A machine's wall clock, which the test sets (skew); expiry never reads it.
    #[derive(Clone)]
    struct Clock(Arc<Mutex<Timestamp>>);

    impl Clock {
        fn new() -> Self {
            Self::skewed(0)
        }

        fn skewed(seconds: i64) -> Self {
            Self(Arc::new(Mutex::new(
                Timestamp::from_second(1_800_000_000 + seconds).unwrap(),
            )))
        }
    }

    type Machine = Coordinator<MemoryLeases>;

    async fn machine(
        store: &Arc<MemoryLeases>,
        name: &str,
        clock: &Clock,
        expected: Option<&str>,
    ) -> Machine {
        let run = SharedRun::from_env(
            |var| match var {
                "KUTTL_RUN_ID" => Some("r1".into()),
                "KUTTL_LEASE_SECONDS" => Some("30".into()),
                "KUTTL_RUN_MACHINES" => expected.map(str::to_string),
                _ => None,
            },
            "suites",
            name,
            "host",
        )
        .unwrap()
        .unwrap();
        let now = clock.0.clone();
        let clock = Arc::new(move || *now.lock().unwrap());
        Coordinator::open_with(Arc::clone(store), run, clock, Duration::from_millis(100))
            .await
            .unwrap()
    }

    /// Machines `a` and `b` of one run.
    async fn pair(store: &Arc<MemoryLeases>, expected: Option<&str>) -> (Machine, Machine) {
        let clock = Clock::new();
        (
            machine(store, "a", &clock, expected).await,
            machine(store, "b", &clock, expected).await,
        )
    }

    /// A hook that counts its runs, takes `seconds` of (paused) time and ends with `result`.
    async fn hook(
        runs: &AtomicUsize,
        seconds: u64,
        result: Result<(), &str>,
    ) -> Result<HookOutcome, CoordinationError> {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        Ok(result.map_err(failure))
    }

    /// A hook's failure in its commands: `summary`.
    fn failure(summary: &str) -> HookFailure {
        HookFailure::not_started("beforeCollection", "commands", summary)
    }

    #[tokio::test(start_paused = true)]
    async fn a_before_hook_runs_once_across_machines_and_all_get_its_outcome() {
        let store = Arc::new(MemoryLeases::default());
        let (a, b) = pair(&store, None).await;
        let runs = AtomicUsize::new(0);
        let scope = Scope::BeforeSuite("hooks".into());
        let (ra, rb) = tokio::join!(
            a.before_once(&scope, || hook(&runs, 5, Ok(()))),
            b.before_once(&scope, || hook(&runs, 5, Ok(())))
        );
        assert_eq!(
            (ra, rb, runs.load(Ordering::SeqCst)),
            (Ok(Ok(())), Ok(Ok(())), 1)
        );

        let failing = Scope::BeforeCollection;
        let ra = a
            .before_once(&failing, || hook(&runs, 1, Err("exit status 3")))
            .await;
        let rb = b.before_once(&failing, || hook(&runs, 1, Ok(()))).await;
        assert_eq!(ra, Ok(Err(failure("exit status 3"))));
        assert_eq!(
            rb,
            Ok(Err(HookFailure {
                machine: Some("host/a".into()),
                ..failure("exit status 3")
            }))
        );
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_holder_renews_a_long_hook_so_nobody_takes_it_over() {
        let store = Arc::new(MemoryLeases::default());
        let (a, b) = pair(&store, None).await;
        let runs = AtomicUsize::new(0);
        let scope = Scope::BeforeCollection;
        // The hook takes 100 s, the Lease 30 s.
        let (ra, rb) = tokio::join!(a.before_once(&scope, || hook(&runs, 100, Ok(()))), async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            b.before_once(&scope, || hook(&runs, 1, Ok(()))).await
        },);
        assert_eq!(
            (ra, rb, runs.load(Ordering::SeqCst)),
            (Ok(Ok(())), Ok(Ok(())), 1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_before_hook_whose_holder_died_is_taken_over_after_the_lease_expires() {
        let store = Arc::new(MemoryLeases::default());
        let (a, b) = pair(&store, None).await;
        let scope = Scope::BeforeSuite("hooks".into());
        // a took the Lease and died: it is never renewed.
        let now = (a.clock)();
        assert!(
            store
                .create(&seen::new_before_lease(&a.run, &scope, now))
                .await
                .unwrap()
        );
        let runs = AtomicUsize::new(0);
        let started = tokio::time::Instant::now();
        let result = b.before_once(&scope, || hook(&runs, 1, Ok(()))).await;
        assert_eq!((result, runs.load(Ordering::SeqCst)), (Ok(Ok(())), 1));
        assert!(
            started.elapsed() >= Duration::from_secs(30),
            "taken over before expiry"
        );
        let lease = store
            .get(&a.run.before_lease(&scope))
            .await
            .unwrap()
            .unwrap();
        let spec = lease.spec.unwrap();
        assert_eq!(spec.holder_identity.as_deref(), Some("host/b"));
        assert_eq!(spec.lease_transitions, Some(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_last_machine_to_end_runs_the_after_hooks_once_and_cleans_up() {
        let store = Arc::new(MemoryLeases::default());
        let (mut a, mut b) = pair(&store, None).await;
        a.join().await.unwrap();
        b.join().await.unwrap();
        let runs = AtomicUsize::new(0);
        a.before_once(&Scope::BeforeCollection, || hook(&runs, 0, Ok(())))
            .await
            .unwrap()
            .unwrap();
        b.before_once(&Scope::BeforeSuite("hooks".into()), || {
            hook(&runs, 0, Ok(()))
        })
        .await
        .unwrap()
        .unwrap();
        a.finish_machine().await.unwrap();
        let said = Mutex::new(Vec::new());
        let order = ["core", "hooks"];
        let a_turn = a.after_turn(&order, |line| said.lock().unwrap().push(line));
        let b_ends = async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            assert!(b.renew_machine().await.unwrap());
            b.finish_machine().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            b.after_turn(&order, |_| {}).await.unwrap()
        };
        let (a_turn, b_turn) = tokio::join!(a_turn, b_ends);
        assert_eq!(
            a_turn.unwrap(),
            AfterTurn::Mine {
                owed: vec![Scope::AfterSuite("hooks".into()), Scope::AfterCollection],
                machines: Machines {
                    finished: vec!["host/a".into(), "host/b".into()],
                    ..Machines::default()
                }
            }
        );
        assert_eq!(
            b_turn,
            AfterTurn::Theirs {
                holder: "host/a".into()
            }
        );
        assert_eq!(
            said.into_inner().unwrap(),
            ["waiting for 1 machine(s) still running: host/b"]
        );
        assert_eq!(a.clean_up().await.unwrap(), 5);
        assert!(store.names().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_machine_that_finds_the_run_already_ended_runs_no_after_hook() {
        let store = Arc::new(MemoryLeases::default());
        let (mut a, mut b) = pair(&store, Some("2")).await;
        a.join().await.unwrap();
        b.join().await.unwrap();
        a.finish_machine().await.unwrap();
        // b ends, runs the after hooks and deletes the Leases between two of a's reads.
        let b_ends = async {
            tokio::time::sleep(Duration::from_millis(150)).await;
            b.finish_machine().await.unwrap();
            let turn = b.after_turn(&[], |_| {}).await.unwrap();
            b.clean_up().await.unwrap();
            turn
        };
        let (a_turn, b_turn) = tokio::join!(a.after_turn(&[], |_| {}), b_ends);
        assert!(matches!(b_turn, AfterTurn::Mine { .. }), "{b_turn:?}");
        assert_eq!(a_turn.unwrap(), AfterTurn::Ended);
        assert!(store.names().is_empty(), "{:?}", store.names());
    }

    #[tokio::test(start_paused = true)]
    async fn a_machine_that_stops_renewing_counts_as_gone_after_the_lease_duration() {
        let store = Arc::new(MemoryLeases::default());
        let (mut a, mut b) = pair(&store, None).await;
        a.join().await.unwrap();
        b.join().await.unwrap();
        a.finish_machine().await.unwrap();
        let started = tokio::time::Instant::now();
        let AfterTurn::Mine { machines, .. } = a.after_turn(&[], |_| {}).await.unwrap() else {
            panic!("a should run the after hooks");
        };
        assert!(started.elapsed() >= Duration::from_secs(30));
        assert_eq!(
            (machines.finished, machines.gone),
            (vec!["host/a".into()], vec!["host/b".into()])
        );
    }

    #[tokio::test(start_paused = true)]
    async fn with_a_machine_count_the_after_hooks_wait_for_late_machines_one_lease_duration() {
        let store = Arc::new(MemoryLeases::default());
        let clock = Clock::new();
        let mut a = machine(&store, "a", &clock, Some("2")).await;
        a.join().await.unwrap();
        a.finish_machine().await.unwrap();
        // b joins 10 s later and ends 20 s after that: a waits for it.
        let late = async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            let mut b = machine(&store, "b", &clock, Some("2")).await;
            b.join().await.unwrap();
            tokio::time::sleep(Duration::from_secs(20)).await;
            b.finish_machine().await.unwrap();
        };
        let started = tokio::time::Instant::now();
        let (turn, ()) = tokio::join!(a.after_turn(&[], |_| {}), late);
        assert!(
            matches!(turn.unwrap(), AfterTurn::Mine { machines, .. } if machines.finished.len() == 2)
        );
        assert!(started.elapsed() >= Duration::from_secs(30));
        a.clean_up().await.unwrap();

        // Nobody else joins: a gives up waiting after one Lease duration (30 s).
        let mut a = machine(&store, "a", &clock, Some("3")).await;
        a.join().await.unwrap();
        a.finish_machine().await.unwrap();
        let said = Mutex::new(Vec::new());
        let started = tokio::time::Instant::now();
        let turn = a
            .after_turn(&[], |line| said.lock().unwrap().push(line))
            .await;
        assert!(matches!(turn.unwrap(), AfterTurn::Mine { .. }));
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_secs(30) && waited < Duration::from_secs(32),
            "{waited:?}"
        );
        assert_eq!(
            said.into_inner().unwrap(),
            ["1 of 3 machine(s) have joined; waiting for the others one Lease duration"]
        );
    }

    // Faults: the cases a shared run must survive.

    #[tokio::test(start_paused = true)]
    async fn transient_errors_while_waiting_for_a_hook_are_retried_not_taken_as_its_outcome() {
        let store = Arc::new(MemoryLeases::default());
        let (a, b) = pair(&store, None).await;
        let runs = AtomicUsize::new(0);
        let scope = Scope::BeforeCollection;
        let (ra, rb) = tokio::join!(a.before_once(&scope, || hook(&runs, 10, Ok(()))), async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            store.fail_next(5, true);
            b.before_once(&scope, || hook(&runs, 1, Ok(()))).await
        });
        assert_eq!(
            (ra, rb, runs.load(Ordering::SeqCst)),
            (Ok(Ok(())), Ok(Ok(())), 1)
        );

        // An error that is not transient is a coordination error, not the hook's outcome.
        store.fail_next(1, false);
        let rb = b
            .before_once(&Scope::BeforeSuite("s".into()), || hook(&runs, 1, Ok(())))
            .await;
        assert!(matches!(rb, Err(CoordinationError(_))), "{rb:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_api_server_makes_no_live_holder_look_gone() {
        let store = Arc::new(MemoryLeases::default());
        let (a, b) = pair(&store, None).await;
        let runs = AtomicUsize::new(0);
        let scope = Scope::BeforeCollection;
        // The API server answers nothing for 90 s (three Lease durations) while a runs a 100 s hook.
        let (ra, rb) = tokio::join!(a.before_once(&scope, || hook(&runs, 100, Ok(()))), async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            let waiting = b.before_once(&scope, || hook(&runs, 1, Ok(())));
            let stalling = async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                store.stall_for(Duration::from_secs(90));
            };
            tokio::join!(waiting, stalling).0
        });
        assert_eq!(
            (ra, rb, runs.load(Ordering::SeqCst)),
            (Ok(Ok(())), Ok(Ok(())), 1)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_skewed_clock_makes_no_running_machine_look_gone() {
        let store = Arc::new(MemoryLeases::default());
        // a's clock runs 90 s (three Lease durations) ahead of b's.
        let mut a = machine(&store, "a", &Clock::skewed(90), None).await;
        let mut b = machine(&store, "b", &Clock::new(), None).await;
        a.join().await.unwrap();
        b.join().await.unwrap();
        a.finish_machine().await.unwrap();
        let b_runs_60_s = async {
            for _ in 0..6 {
                tokio::time::sleep(Duration::from_secs(10)).await;
                assert!(b.renew_machine().await.unwrap());
            }
            b.finish_machine().await.unwrap();
            tokio::time::Instant::now()
        };
        let (turn, b_finished) = tokio::join!(
            async {
                let turn = a.after_turn(&[], |_| {}).await.unwrap();
                (turn, tokio::time::Instant::now())
            },
            b_runs_60_s
        );
        let (turn, decided) = turn;
        assert!(decided >= b_finished, "the after hooks started while b ran");
        assert!(matches!(turn, AfterTurn::Mine { machines, .. } if machines.finished.len() == 2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_holder_that_lost_its_lease_stops_its_hook_and_takes_the_new_holders_outcome() {
        let store = Arc::new(MemoryLeases::default());
        let (a, b) = pair(&store, None).await;
        let scope = Scope::BeforeCollection;
        let finished = AtomicBool::new(false);
        let long_hook = || async {
            tokio::time::sleep(Duration::from_secs(100)).await;
            finished.store(true, Ordering::SeqCst);
            Ok(Ok(()))
        };
        let name = a.run.before_lease(&scope);
        let take_over = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            // b takes the Lease (as after a partition) and runs the hook to its end.
            let lease = store.get(&name).await.unwrap().unwrap();
            let now = (b.clock)();
            assert!(
                store
                    .replace(&seen::taken_over(lease, &b.run, now))
                    .await
                    .unwrap()
            );
            tokio::time::sleep(Duration::from_secs(30)).await;
            let lease = store.get(&name).await.unwrap().unwrap();
            let failed = Err(failure("exit status 4"));
            assert!(
                store
                    .replace(&seen::with_outcome(lease, &failed, now))
                    .await
                    .unwrap()
            );
        };
        let (result, ()) = tokio::join!(a.before_once(&scope, long_hook), take_over);
        assert!(!finished.load(Ordering::SeqCst), "a's hook ran on");
        assert_eq!(
            result,
            Ok(Err(HookFailure {
                machine: Some("host/b".into()),
                ..failure("exit status 4")
            }))
        );
    }

    /// Attempt 1 of two machines ran its before hooks; `kill_in_after_hooks`: it was cancelled
    /// once its after hooks had started, else in the middle of its tests.
    async fn cancelled_attempt(store: &Arc<MemoryLeases>, kill_in_after_hooks: bool) {
        let (mut a, mut b) = pair(store, None).await;
        a.join().await.unwrap();
        b.join().await.unwrap();
        let runs = AtomicUsize::new(0);
        a.before_once(&Scope::BeforeCollection, || hook(&runs, 1, Ok(())))
            .await
            .unwrap()
            .unwrap();
        if kill_in_after_hooks {
            a.finish_machine().await.unwrap();
            b.finish_machine().await.unwrap();
            let turn = a.after_turn(&[], |_| {}).await.unwrap();
            assert!(matches!(turn, AfterTurn::Mine { .. }));
        }
    }

    /// Attempt 2 of the run on machines `a2` and `b2`: whether its before hook ran, and whether
    /// exactly one of them ran the after hooks owed.
    async fn retried_attempt(store: &Arc<MemoryLeases>) -> (bool, bool) {
        let clock = Clock::new();
        let mut a = machine(store, "a2", &clock, None).await;
        let mut b = machine(store, "b2", &clock, None).await;
        a.join().await.unwrap();
        b.join().await.unwrap();
        let runs = AtomicUsize::new(0);
        let (ra, rb) = tokio::join!(
            a.before_once(&Scope::BeforeCollection, || hook(&runs, 1, Ok(()))),
            b.before_once(&Scope::BeforeCollection, || hook(&runs, 1, Ok(())))
        );
        assert_eq!((ra, rb), (Ok(Ok(())), Ok(Ok(()))));
        a.finish_machine().await.unwrap();
        b.finish_machine().await.unwrap();
        let (ta, tb) = tokio::join!(a.after_turn(&[], |_| {}), b.after_turn(&[], |_| {}));
        let mine: Vec<AfterTurn> = [ta.unwrap(), tb.unwrap()]
            .into_iter()
            .filter(|turn| matches!(turn, AfterTurn::Mine { owed, .. } if owed == &[Scope::AfterCollection]))
            .collect();
        a.clean_up().await.unwrap();
        b.clean_up().await.unwrap();
        (runs.load(Ordering::SeqCst) == 1, mine.len() == 1)
    }

    #[tokio::test(start_paused = true)]
    async fn a_retried_job_after_one_cancelled_in_its_after_hooks_runs_its_hooks_and_ends_clean() {
        let store = Arc::new(MemoryLeases::default());
        cancelled_attempt(&store, true).await;
        assert_eq!(retried_attempt(&store).await, (true, true));
        assert!(store.names().is_empty(), "{:?}", store.names());
    }

    #[tokio::test(start_paused = true)]
    async fn a_retried_job_after_one_cancelled_mid_run_reuses_its_hooks_and_ends_clean() {
        let store = Arc::new(MemoryLeases::default());
        cancelled_attempt(&store, false).await;
        // The first attempt's before hook ran and was never torn down: the retry reuses it (no
        // run of its own) and owes its after hook, once its dead machines count as gone.
        assert_eq!(retried_attempt(&store).await, (false, true));
        assert!(store.names().is_empty(), "{:?}", store.names());
    }

    #[tokio::test(start_paused = true)]
    async fn a_machine_joining_an_attempt_that_closed_meanwhile_joins_the_next() {
        let store = Arc::new(MemoryLeases::default());
        let (mut a, _) = pair(&store, None).await;
        // c opened the run before a's after hooks started, and joins after.
        let clock = Clock::new();
        let mut c = machine(&store, "c", &clock, None).await;
        a.join().await.unwrap();
        a.finish_machine().await.unwrap();
        assert!(matches!(
            a.after_turn(&[], |_| {}).await.unwrap(),
            AfterTurn::Mine { .. }
        ));
        c.join().await.unwrap();
        assert_eq!((a.epoch(), c.epoch()), (1, 2));
        a.clean_up().await.unwrap();
        assert_eq!(store.names(), [c.run.machine_lease()]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_machine_whose_lease_was_lost_is_told_and_runs_no_after_hook() {
        let store = Arc::new(MemoryLeases::default());
        let (mut a, _) = pair(&store, None).await;
        a.join().await.unwrap();
        store.lose(&a.run.machine_lease());
        assert!(!a.renew_machine().await.unwrap());
        assert_eq!(a.after_turn(&[], |_| {}).await.unwrap(), AfterTurn::Ended);
    }

    #[tokio::test(start_paused = true)]
    async fn a_machine_whose_clock_is_ahead_joins_the_live_attempt_not_a_new_one() {
        let store = Arc::new(MemoryLeases::default());
        let mut b = machine(&store, "b", &Clock::new(), None).await;
        b.join().await.unwrap();
        let renewing = async {
            for _ in 0..4 {
                tokio::time::sleep(Duration::from_secs(10)).await;
                assert!(b.renew_machine().await.unwrap());
            }
        };
        // a's clock is 120 s (four Lease durations) ahead: b's Lease looks silent to it.
        let ahead = Clock::skewed(120);
        let (a, ()) = tokio::join!(machine(&store, "a", &ahead, None), renewing);
        assert_eq!(a.epoch(), 1);
        // Nobody renews: a cancelled attempt, and a machine opening the run starts the next.
        let c = machine(&store, "c", &ahead, None).await;
        assert_eq!(c.epoch(), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lease_that_cannot_be_deleted_keeps_the_attempt_closed_until_the_next_cleans_up() {
        let store = Arc::new(MemoryLeases::default());
        let (mut a, mut b) = pair(&store, None).await;
        a.join().await.unwrap();
        b.join().await.unwrap();
        a.finish_machine().await.unwrap();
        b.finish_machine().await.unwrap();
        assert!(matches!(
            a.after_turn(&[], |_| {}).await.unwrap(),
            AfterTurn::Mine { .. }
        ));
        store.fail_next_of("deleting", 1, false);
        assert!(a.clean_up().await.is_err());
        // The other machine Lease went; the `after` Lease stayed, closing attempt 1.
        assert_eq!(store.names().len(), 2, "{:?}", store.names());
        let mut retry = machine(&store, "c", &Clock::new(), None).await;
        retry.join().await.unwrap();
        assert_eq!(retry.epoch(), 2);
        assert_eq!(retry.clean_up().await.unwrap(), 3);
        assert!(store.names().is_empty(), "{:?}", store.names());
    }
}
