//! The assert window (spec §3.6), driven by watches: the step's checks run once, then again each
//! time a watched object of a kind the step expects changes, with a re-check every second as a
//! safety net (and for TestAssert commands, which no watch can see). The step passes as soon as a
//! check finds nothing wrong; at the deadline the last check's failures are the step's.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::Api;
use kube::api::DynamicObject;
use kube::runtime::{WatchStreamExt, watcher};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::check::check_once;
use super::check_failure::CheckFailure;
use super::objects;
use super::test_state::Session;
use crate::load::Step;

const SAFETY_NET: Duration = Duration::from_secs(1);

/// The distinct states each failing expectation was seen in, with the time since the window opened.
pub(crate) type Timeline = BTreeMap<String, Vec<(Duration, String)>>;

/// Why a window closed without every check passing.
pub(crate) struct WindowFailure {
    /// The failures of the last check.
    pub failures: Vec<CheckFailure>,
    /// What each failing expectation looked like over the window.
    pub timeline: Timeline,
    /// How long the window was.
    pub window: Duration,
    /// How many times the checks ran.
    pub checks: usize,
}

/// What a window checks, and how it learns of changes.
pub(crate) trait Checks {
    /// Runs every check once.
    async fn check(&mut self, deadline: Instant) -> Vec<CheckFailure>;
    /// Starts what notifies `changed` when something the checks look at changes; called once,
    /// after the first check that failed.
    async fn watch(&mut self, changed: &Arc<Notify>);
}

/// A step's checks on the session's cluster, and watches on the kinds they expect.
struct StepChecks<'a, 'b> {
    ctx: &'a Session<'b>,
    step: &'a Step,
    scope: &'a str,
    /// Ends the watches when the window closes.
    watches: Option<JoinSet<()>>,
}

impl Checks for StepChecks<'_, '_> {
    async fn check(&mut self, deadline: Instant) -> Vec<CheckFailure> {
        check_once(self.ctx, self.step, self.scope, deadline).await
    }

    async fn watch(&mut self, changed: &Arc<Notify>) {
        self.watches = Some(watch_expected_kinds(self.ctx, self.step, changed).await);
    }
}

/// Runs the checks of `step` until they pass or `window` has passed. A window of zero (or less)
/// still checks once.
pub(crate) async fn run(
    ctx: &Session<'_>,
    step: &Step,
    window: Duration,
    scope: &str,
) -> Result<(), WindowFailure> {
    let mut checks = StepChecks {
        ctx,
        step,
        scope,
        watches: None,
    };
    drive(&mut checks, window).await
}

/// The window itself: check; on failure note the states seen, start the watches (once), and wait
/// for a change or the safety net, until a check passes or the deadline has passed.
async fn drive(checks: &mut impl Checks, window: Duration) -> Result<(), WindowFailure> {
    let start = Instant::now();
    let deadline = start + window;
    let changed = Arc::new(Notify::new());
    // Watches start only once a check has failed: a step whose state is already there passes
    // without them. A change made before a watch starts is still seen: its initial list wakes
    // the window.
    let mut watching = false;
    let mut states = States::default();
    let mut count = 0;
    loop {
        let failures = checks.check(deadline).await;
        count += 1;
        if failures.is_empty() {
            return Ok(());
        }
        states.observe(start.elapsed(), &failures);
        if !watching {
            checks.watch(&changed).await;
            watching = true;
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(WindowFailure {
                failures,
                timeline: states.timeline,
                window,
                checks: count,
            });
        }
        tokio::select! {
            () = changed.notified() => {}
            () = tokio::time::sleep(SAFETY_NET.min(deadline - now)) => {}
        }
    }
}

/// The distinct states each failing expectation went through.
#[derive(Default)]
struct States {
    timeline: Timeline,
    last: BTreeMap<String, String>,
}

impl States {
    /// Notes each failure whose state differs from the one last seen for its expectation.
    fn observe(&mut self, elapsed: Duration, failures: &[CheckFailure]) {
        for failure in failures {
            let state = failure.state.as_deref().unwrap_or(&failure.message);
            if self
                .last
                .get(&failure.what)
                .is_none_or(|last| last != state)
            {
                self.last.insert(failure.what.clone(), state.to_string());
                self.timeline
                    .entry(failure.what.clone())
                    .or_default()
                    .push((elapsed, failure.message.clone()));
            }
        }
    }
}

/// Starts one watch per kind and namespace the step expects; each event wakes the window. The
/// watches end when the returned set is dropped.
async fn watch_expected_kinds(
    ctx: &Session<'_>,
    step: &Step,
    changed: &Arc<Notify>,
) -> JoinSet<()> {
    let mut watches = JoinSet::new();
    let mut seen = HashSet::new();
    for object in step.asserts.iter().chain(&step.errors) {
        let mut value = object.value.clone();
        // A kind that cannot be resolved yet is reported by the check itself.
        let Ok(target) = objects::target(ctx, &mut value).await else {
            continue;
        };
        let key = (
            target.resource.api_version.clone(),
            target.resource.plural.clone(),
            target.namespace.clone(),
        );
        if !seen.insert(key) {
            continue;
        }
        // Without a watch client the safety net still re-checks.
        let Ok(client) = ctx.connection.watch_client() else {
            continue;
        };
        let api: Api<DynamicObject> = match &target.namespace {
            Some(namespace) => Api::namespaced_with(client, namespace, &target.resource),
            None => Api::all_with(client, &target.resource),
        };
        let changed = Arc::clone(changed);
        watches.spawn(async move {
            let mut events = watcher(api, watcher::Config::default())
                .default_backoff()
                .boxed();
            while events.next().await.is_some() {
                changed.notify_one();
            }
        });
    }
    watches
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Check outcomes in order (the last one repeats), and when the watches report changes.
    struct Scripted {
        outcomes: Vec<Vec<CheckFailure>>,
        changes_at: Vec<Duration>,
        start: Instant,
        checked_at: Vec<Duration>,
        watches_started: usize,
    }

    impl Scripted {
        fn new(outcomes: Vec<Vec<CheckFailure>>, changes_at: &[u64]) -> Self {
            Self {
                outcomes,
                changes_at: changes_at
                    .iter()
                    .map(|ms| Duration::from_millis(*ms))
                    .collect(),
                start: Instant::now(),
                checked_at: Vec::new(),
                watches_started: 0,
            }
        }

        fn checked_at_ms(&self) -> Vec<u128> {
            self.checked_at.iter().map(Duration::as_millis).collect()
        }
    }

    impl Checks for Scripted {
        async fn check(&mut self, _deadline: Instant) -> Vec<CheckFailure> {
            let index = self.checked_at.len().min(self.outcomes.len() - 1);
            self.checked_at.push(self.start.elapsed());
            self.outcomes[index].clone()
        }

        async fn watch(&mut self, changed: &Arc<Notify>) {
            self.watches_started += 1;
            for at in self.changes_at.clone() {
                let (changed, start) = (Arc::clone(changed), self.start);
                tokio::spawn(async move {
                    tokio::time::sleep_until(start + at).await;
                    changed.notify_one();
                });
            }
        }
    }

    fn failing(state: &str) -> Vec<CheckFailure> {
        vec![CheckFailure {
            what: "00-assert.yaml:1".into(),
            message: format!("value is {state}"),
            diff: None,
            state: Some(state.into()),
        }]
    }

    const PASS: Vec<CheckFailure> = Vec::new();

    #[tokio::test(start_paused = true)]
    async fn a_window_of_zero_still_checks_once() {
        let mut checks = Scripted::new(vec![failing("red")], &[]);
        let failure = drive(&mut checks, Duration::ZERO).await.unwrap_err();
        assert_eq!(failure.checks, 1);
        assert_eq!(checks.checked_at_ms(), [0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_step_already_there_passes_without_watching() {
        let mut checks = Scripted::new(vec![PASS], &[]);
        assert!(drive(&mut checks, Duration::from_secs(30)).await.is_ok());
        assert_eq!(checks.watches_started, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn without_changes_the_safety_net_checks_every_second_until_the_deadline() {
        let mut checks = Scripted::new(vec![failing("red")], &[]);
        let failure = drive(&mut checks, Duration::from_millis(3500))
            .await
            .unwrap_err();
        assert_eq!(checks.checked_at_ms(), [0, 1000, 2000, 3000, 3500]);
        assert_eq!(failure.checks, 5);
        assert_eq!(failure.window, Duration::from_millis(3500));
        assert_eq!(failure.failures[0].message, "value is red");
        assert_eq!(checks.watches_started, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_wakes_the_window_at_once() {
        let mut checks = Scripted::new(vec![failing("red"), PASS], &[250]);
        assert!(drive(&mut checks, Duration::from_secs(30)).await.is_ok());
        assert_eq!(checks.checked_at_ms(), [0, 250]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeline_keeps_each_distinct_state_once_in_order() {
        let outcomes = vec![
            failing("red"),
            failing("red"),
            failing("orange"),
            failing("red"),
        ];
        let mut checks = Scripted::new(outcomes, &[]);
        let failure = drive(&mut checks, Duration::from_millis(3200))
            .await
            .unwrap_err();
        let states: Vec<(u128, &str)> = failure.timeline["00-assert.yaml:1"]
            .iter()
            .map(|(at, message)| (at.as_millis(), message.as_str()))
            .collect();
        assert_eq!(
            states,
            [
                (0, "value is red"),
                (2000, "value is orange"),
                (3000, "value is red")
            ]
        );
    }
}
