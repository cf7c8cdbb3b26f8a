//! How the machines of a shared run take their turns, through the run's Leases.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::jiff::Timestamp;

use super::super::lifecycle::Scope;
use super::leases::{LeaseError, LeaseStore};
use super::seen::{self, BeforeSeen, Machines, Role};
use super::settings::SharedRun;

/// How often a waiting machine reads the Leases again.
const POLL: Duration = Duration::from_secs(1);

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

/// This machine's side of a shared run.
pub(crate) struct Coordinator<S> {
    store: S,
    run: SharedRun,
    clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
    poll: Duration,
}

impl<S: LeaseStore> Coordinator<S> {
    pub(crate) fn new(store: S, run: SharedRun) -> Self {
        Self {
            store,
            run,
            clock: Arc::new(Timestamp::now),
            poll: POLL,
        }
    }

    /// Runs `hook`, the before hook of `scope`, if no machine of the run has: the first to
    /// create its Lease runs it and writes the outcome there; the others wait for that outcome
    /// and return it. A holder that stops renewing the Lease before the hook ends is replaced.
    pub(crate) async fn before_once(
        &self,
        scope: &Scope,
        hook: impl Future<Output = Result<(), String>>,
    ) -> Result<(), String> {
        let name = self.run.before_lease(scope);
        let fail =
            |err: LeaseError| format!("sharing {} with the run's machines: {err}", scope.name());
        loop {
            let now = (self.clock)();
            let taken = match self.store.get(&name).await.map_err(fail)? {
                None => self
                    .store
                    .create(&seen::new_before_lease(&self.run, scope, now))
                    .await
                    .map_err(fail)?,
                Some(lease) => match seen::before_seen(&lease, now) {
                    BeforeSeen::Done { holder, result } if holder == self.run.machine => {
                        return result;
                    }
                    BeforeSeen::Done { holder, result } => {
                        return result
                            .map_err(|err| format!("{err}\n(it ran on machine {holder})"));
                    }
                    BeforeSeen::Running { .. } => false,
                    BeforeSeen::Abandoned { .. } => self
                        .store
                        .replace(&seen::taken_over(lease, &self.run, now))
                        .await
                        .map_err(fail)?,
                },
            };
            if taken {
                return self.hold(&name, hook).await.map_err(|err| match err {
                    Held::Hook(err) => err,
                    Held::Lease(result, err) => match result {
                        Ok(()) => fail(err),
                        Err(hook) => format!("{hook}\n{}", fail(err)),
                    },
                });
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Runs `hook` while renewing the Lease `name`, then writes its outcome there.
    async fn hold(
        &self,
        name: &str,
        hook: impl Future<Output = Result<(), String>>,
    ) -> Result<(), Held> {
        let (ended, mut ending) = tokio::sync::oneshot::channel::<()>();
        let every = self.run.lease_duration() / 3;
        let renewing = async {
            loop {
                tokio::select! {
                    _ = &mut ending => break,
                    () = tokio::time::sleep(every) => {
                        // A failed renewal is retried at the next one; the Lease outlives two.
                        let _ = self.renew(name).await;
                    }
                }
            }
        };
        let running = async {
            let result = hook.await;
            let _ = ended.send(());
            result
        };
        let (result, ()) = tokio::join!(running, renewing);
        let now = (self.clock)();
        match self
            .update(name, |lease| Some(seen::with_outcome(lease, &result, now)))
            .await
        {
            Ok(_) => result.map_err(Held::Hook),
            Err(err) => Err(Held::Lease(result, err)),
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
            let Some(lease) = self.store.get(name).await? else {
                return Ok(false);
            };
            let Some(changed) = change(lease) else {
                return Ok(false);
            };
            if self.store.replace(&changed).await? {
                return Ok(true);
            }
        }
    }

    /// Joins the run: this machine's Lease, renewed while it runs ([`Coordinator::renew_machine`]).
    pub(crate) async fn join(&self) -> Result<(), LeaseError> {
        let name = self.run.machine_lease();
        let now = (self.clock)();
        if self
            .store
            .create(&seen::new_lease(&self.run, &name, Role::Machine, now))
            .await?
        {
            return Ok(());
        }
        self.update(&name, |lease| Some(seen::renewed(lease, now)))
            .await
            .map(|_| ())
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

    /// Waits until no machine of the run is running, then decides who runs the after hooks: the
    /// first machine to create the run's `after` Lease. When the run says how many machines take
    /// part, it also waits for them to join, at most one Lease duration after every machine
    /// that joined has ended. A machine whose own Lease is gone finds the run already ended.
    /// `say` gets each new state of the wait.
    pub(crate) async fn after_turn(
        &self,
        suite_order: &[&str],
        mut say: impl FnMut(String),
    ) -> Result<AfterTurn, LeaseError> {
        let selector = self.run.selector();
        let mut missing_since: Option<tokio::time::Instant> = None;
        let mut said = String::new();
        loop {
            let leases = self.store.list(&selector).await?;
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
            let machines = Machines::read(&leases, (self.clock)());
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
                if self.store.create(&after).await? {
                    let leases = self.store.list(&selector).await?;
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

    /// Deletes every Lease of the run (after its after hooks).
    pub(crate) async fn clean_up(&self) -> Result<usize, LeaseError> {
        let leases = self.store.list(&self.run.selector()).await?;
        for lease in &leases {
            self.store
                .delete(lease.metadata.name.as_deref().unwrap_or_default())
                .await?;
        }
        Ok(leases.len())
    }
}

/// Why [`Coordinator::hold`] failed.
enum Held {
    /// The hook failed (its outcome is in the Lease).
    Hook(String),
    /// The outcome could not be written: the hook's result, and why.
    Lease(Result<(), String>, LeaseError),
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
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::super::leases::memory::MemoryLeases;
    use super::*;

    /// A clock the test moves.
    #[derive(Clone)]
    struct Clock(Arc<Mutex<Timestamp>>);

    impl Clock {
        fn new() -> Self {
            Self(Arc::new(Mutex::new(
                Timestamp::from_second(1_800_000_000).unwrap(),
            )))
        }

        fn advance(&self, seconds: i64) {
            let mut now = self.0.lock().unwrap();
            *now = now
                .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(seconds))
                .unwrap();
        }
    }

    fn machine<'s>(
        store: &'s MemoryLeases,
        name: &str,
        clock: &Clock,
        expected: Option<&str>,
    ) -> Coordinator<&'s MemoryLeases> {
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
        Coordinator {
            store,
            run,
            clock: Arc::new(move || *now.lock().unwrap()),
            poll: Duration::from_millis(100),
        }
    }

    /// Machines `a` and `b` of one run.
    fn pair<'s>(
        store: &'s MemoryLeases,
        clock: &Clock,
        expected: Option<&str>,
    ) -> (Coordinator<&'s MemoryLeases>, Coordinator<&'s MemoryLeases>) {
        (
            machine(store, "a", clock, expected),
            machine(store, "b", clock, expected),
        )
    }

    impl<S: LeaseStore> LeaseStore for &S {
        fn get(
            &self,
            name: &str,
        ) -> impl Future<Output = Result<Option<Lease>, LeaseError>> + Send {
            (*self).get(name)
        }
        fn create(&self, lease: &Lease) -> impl Future<Output = Result<bool, LeaseError>> + Send {
            (*self).create(lease)
        }
        fn replace(&self, lease: &Lease) -> impl Future<Output = Result<bool, LeaseError>> + Send {
            (*self).replace(lease)
        }
        fn list(
            &self,
            selector: &str,
        ) -> impl Future<Output = Result<Vec<Lease>, LeaseError>> + Send {
            (*self).list(selector)
        }
        fn delete(&self, name: &str) -> impl Future<Output = Result<(), LeaseError>> + Send {
            (*self).delete(name)
        }
    }

    /// A hook that counts its runs and takes `seconds` of (paused) time.
    async fn hook(
        runs: &AtomicUsize,
        seconds: u64,
        result: Result<(), String>,
    ) -> Result<(), String> {
        runs.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        result
    }

    #[tokio::test(start_paused = true)]
    async fn a_before_hook_runs_once_across_machines_and_all_get_its_outcome() {
        let (store, clock) = (MemoryLeases::default(), Clock::new());
        let (a, b) = pair(&store, &clock, None);
        let runs = AtomicUsize::new(0);
        let scope = Scope::BeforeSuite("hooks".into());
        let (ra, rb) = tokio::join!(
            a.before_once(&scope, hook(&runs, 5, Ok(()))),
            b.before_once(&scope, hook(&runs, 5, Ok(())))
        );
        assert_eq!((ra, rb, runs.load(Ordering::SeqCst)), (Ok(()), Ok(()), 1));

        let failing = Scope::BeforeCollection;
        let ra = a
            .before_once(&failing, hook(&runs, 1, Err("exit status 3".into())))
            .await;
        let rb = b.before_once(&failing, hook(&runs, 1, Ok(()))).await;
        assert_eq!(ra, Err("exit status 3".into()));
        assert_eq!(rb, Err("exit status 3\n(it ran on machine host/a)".into()));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn the_holder_renews_a_long_hook_so_nobody_takes_it_over() {
        let (store, clock) = (MemoryLeases::default(), Clock::new());
        let (a, b) = pair(&store, &clock, None);
        let runs = AtomicUsize::new(0);
        let scope = Scope::BeforeCollection;
        // The hook takes 100 s, the Lease 30 s: the wall clock moves with tokio's paused time.
        let moving = async {
            for _ in 0..110 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                clock.advance(1);
            }
        };
        let (ra, rb, ()) = tokio::join!(
            a.before_once(&scope, hook(&runs, 100, Ok(()))),
            async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                b.before_once(&scope, hook(&runs, 1, Ok(()))).await
            },
            moving
        );
        assert_eq!((ra, rb, runs.load(Ordering::SeqCst)), (Ok(()), Ok(()), 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_before_hook_whose_holder_died_is_taken_over_after_the_lease_expires() {
        let (store, clock) = (MemoryLeases::default(), Clock::new());
        let (a, b) = pair(&store, &clock, None);
        let scope = Scope::BeforeSuite("hooks".into());
        // a took the Lease and died: it is never renewed.
        assert!(
            store
                .create(&seen::new_before_lease(&a.run, &scope, (a.clock)()))
                .await
                .unwrap()
        );
        let runs = AtomicUsize::new(0);
        let waiting = b.before_once(&scope, hook(&runs, 1, Ok(())));
        let expiring = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            assert_eq!(runs.load(Ordering::SeqCst), 0, "taken over before expiry");
            clock.advance(31);
        };
        let (result, ()) = tokio::join!(waiting, expiring);
        assert_eq!((result, runs.load(Ordering::SeqCst)), (Ok(()), 1));
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
        let (store, clock) = (MemoryLeases::default(), Clock::new());
        let (a, b) = pair(&store, &clock, None);
        a.join().await.unwrap();
        b.join().await.unwrap();
        let runs = AtomicUsize::new(0);
        a.before_once(&Scope::BeforeCollection, hook(&runs, 0, Ok(())))
            .await
            .unwrap();
        b.before_once(&Scope::BeforeSuite("hooks".into()), hook(&runs, 0, Ok(())))
            .await
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
        let (store, clock) = (MemoryLeases::default(), Clock::new());
        let (a, b) = pair(&store, &clock, Some("2"));
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
        let (store, clock) = (MemoryLeases::default(), Clock::new());
        let (a, b) = pair(&store, &clock, None);
        a.join().await.unwrap();
        b.join().await.unwrap();
        a.finish_machine().await.unwrap();
        let expiring = async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            clock.advance(31);
        };
        let (turn, ()) = tokio::join!(a.after_turn(&[], |_| {}), expiring);
        let AfterTurn::Mine { machines, .. } = turn.unwrap() else {
            panic!("a should run the after hooks");
        };
        assert_eq!(
            (machines.finished, machines.gone),
            (vec!["host/a".into()], vec!["host/b".into()])
        );
    }

    #[tokio::test(start_paused = true)]
    async fn with_a_machine_count_the_after_hooks_wait_for_late_machines_one_lease_duration() {
        let (store, clock) = (MemoryLeases::default(), Clock::new());
        let a = machine(&store, "a", &clock, Some("2"));
        a.join().await.unwrap();
        a.finish_machine().await.unwrap();
        // b joins 10 s later and ends 20 s after that: a waits for it.
        let late = async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            let b = machine(&store, "b", &clock, Some("2"));
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
        let a = machine(&store, "a", &clock, Some("3"));
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
}
