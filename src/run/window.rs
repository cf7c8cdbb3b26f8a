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

/// Runs the checks of `step` until they pass or `window` has passed. A window of zero (or less)
/// still checks once.
pub(crate) async fn run(
    ctx: &Session<'_>,
    step: &Step,
    window: Duration,
    scope: &str,
) -> Result<(), WindowFailure> {
    let start = Instant::now();
    let deadline = start + window;
    let changed = Arc::new(Notify::new());
    // Watches start only once a check has failed: a step whose state is already there passes
    // without them. A change made before a watch starts is still seen: its initial list wakes
    // the window.
    let mut watches: Option<JoinSet<()>> = None;
    let mut timeline = Timeline::new();
    let mut last_state: BTreeMap<String, String> = BTreeMap::new();
    let mut checks = 0;
    loop {
        let failures = check_once(ctx, step, scope, deadline).await;
        checks += 1;
        if failures.is_empty() {
            return Ok(());
        }
        let elapsed = start.elapsed();
        for failure in &failures {
            let state = failure.state.as_deref().unwrap_or(&failure.message);
            if last_state
                .get(&failure.what)
                .is_none_or(|last| last != state)
            {
                last_state.insert(failure.what.clone(), state.to_string());
                timeline
                    .entry(failure.what.clone())
                    .or_default()
                    .push((elapsed, failure.message.clone()));
            }
        }
        if watches.is_none() {
            watches = Some(watch_expected_kinds(ctx, step, &changed).await);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(WindowFailure {
                failures,
                timeline,
                window,
                checks,
            });
        }
        tokio::select! {
            () = changed.notified() => {}
            () = tokio::time::sleep(SAFETY_NET.min(deadline - now)) => {}
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
