//! One test from namespace to cleanup (spec §5.3), and its failure message.

use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::SystemTime;

use futures::FutureExt;
use kube::api::DeleteParams;
use tokio::time::Instant;

use super::api_error::{api_message, is_not_found};
use super::error::SetupError;
use super::outcome::{StepRecord, TestRecord};
use super::step::{self, StepFailure};
use super::step_clusters::{self, StepClusters};
use super::test_state::{Session, TestState};
use super::timeout::seconds;
use super::window::WindowFailure;
use super::{command, created, events, interrupt, namespace};
use crate::cluster::Cluster;
use crate::load::{Step, TestCase};
use crate::mask::Masks;

/// What a test run takes from its suite and collection.
#[derive(Debug, Clone)]
pub(crate) struct TestSettings {
    /// Seconds (already defaulted).
    pub step_timeout: i64,
    /// Keep the namespace and created objects.
    pub skip_delete: bool,
    /// The run's shared namespace (created and deleted by the run), instead of one of its own.
    pub shared_namespace: Option<Arc<str>>,
    /// The test's namespace (the shared one, or a new name chosen before the test was loaded).
    pub namespace: String,
    /// Add the namespace's events to a failure message (off with `suppress: [events]`).
    pub show_events: bool,
    /// Where values are masked when objects are shown.
    pub masks: Arc<Masks>,
}

/// What a test does once its namespace exists.
pub(crate) enum Body<'a> {
    /// A KUTTL test's steps.
    Steps(&'a TestCase),
    /// A typed Rust test, with the time limit it was registered with (else the step timeout).
    Typed(TypedFn, Option<std::time::Duration>),
}

/// A typed test's function, its error already formatted.
pub(crate) type TypedFn = Arc<
    dyn Fn(crate::TestContext) -> futures::future::BoxFuture<'static, Result<(), String>>
        + Send
        + Sync,
>;

/// Which test runs, and where its commands run.
pub(crate) struct TestId<'a> {
    pub suite: &'a str,
    pub name: &'a str,
    pub dir: std::path::PathBuf,
}

/// A test's outcome: `Err` is the whole failure message. The record holds the per-step outcome
/// and timing, the log, the requests and, on failure, the namespace's events.
pub(crate) type Finished = (Result<(), String>, TestRecord);

/// A test whose work (namespace creation and steps, or the typed test's body) has ended and whose
/// cleanup has not: it holds the test's namespace and background commands until
/// [`Worked::clean_up`].
pub(crate) struct Worked {
    ctx: Arc<TestState>,
    clusters: StepClusters,
    settings: TestSettings,
    outcome: Result<(), String>,
    /// The failure message so far (with the namespace's events).
    message: String,
    record: TestRecord,
    clock: Instant,
    trial_name: String,
}

/// Runs a test's work against the cluster; `Err` when it could not start at all.
pub(crate) async fn work(
    cluster: Arc<Cluster>,
    test: TestId<'_>,
    body: Body<'_>,
    settings: TestSettings,
    trial_name: &str,
) -> Result<Worked, Finished> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let shared = settings.shared_namespace.is_some();
    let namespace = settings.namespace.clone();
    // Typed tests always record their requests: they may assert which endpoints they called.
    let record_requests = cluster.records_requests() || matches!(body, Body::Typed(..));
    let ctx = match TestState::new(
        cluster,
        trial_name,
        namespace,
        !shared,
        test.dir,
        settings.step_timeout,
        record_requests,
    ) {
        Ok(ctx) => Arc::new(ctx.with_masks(Arc::clone(&settings.masks))),
        Err(err) => {
            let message = err.to_string();
            return Err((
                Err(message.clone()),
                TestRecord::not_started(test.suite, test.name, started, message),
            ));
        }
    };
    let mut record = TestRecord::not_started(test.suite, test.name, started, String::new());
    record.setup_failure = None;
    let clusters = StepClusters::default();
    let body =
        AssertUnwindSafe(run_body(&ctx, &clusters, body, shared, &mut record)).catch_unwind();
    // An interruption drops the body where it is: its commands are killed (kill on drop), its
    // watches end, and the test goes on to its cleanup.
    let outcome = tokio::select! {
        outcome = body => outcome.unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("test panicked: {message}"))
        }),
        () = interrupt::until_interrupted() => {
            ctx.log.line("interrupted", "the run was interrupted: steps stopped");
            interrupt::note(|| format!("stopped {trial_name}"));
            Err(INTERRUPTED.to_string())
        }
    };
    // A test stopped mid-step has no record of that step: the reports show where it stopped.
    if interrupt::interrupted() && outcome.is_err() && !record.failed() {
        record.steps.push(StepRecord {
            label: "interrupted".into(),
            started: SystemTime::now(),
            duration: std::time::Duration::ZERO,
            assertions: 0,
            failure: Some(INTERRUPTED.to_string()),
            last_error: Some(INTERRUPTED.to_string()),
        });
    }
    let message = match &outcome {
        Ok(()) => String::new(),
        // The namespace's events would only delay the teardown.
        Err(failure) if interrupt::interrupted() => failure.clone(),
        Err(failure) if !settings.show_events => failure.clone(),
        Err(failure) => {
            let events =
                ctx.scrubbed(&events::describe(&ctx.connection.client, &ctx.namespace).await);
            let message = format!(
                "{failure}\nevents in namespace {}:\n{events}",
                ctx.namespace
            );
            record.events = Some(events);
            message
        }
    };
    Ok(Worked {
        ctx,
        clusters,
        settings,
        outcome,
        message,
        record,
        clock,
        trial_name: trial_name.to_string(),
    })
}

impl Worked {
    /// Stops background commands, deletes what the test created and its namespace (waiting until
    /// it is gone), and gives the test's outcome.
    pub(crate) async fn clean_up(self) -> Finished {
        let Worked {
            ctx,
            clusters,
            settings,
            outcome,
            mut message,
            mut record,
            clock,
            trial_name,
        } = self;
        let cleanup = cleanup(&ctx, &clusters, &settings).await;
        if let Err(err) = &cleanup {
            let _ = writeln!(message, "cleanup failed: {err}");
            record.cleanup_failure = Some(err.clone());
        }
        record.log = ctx.log.text();
        record.requests = ctx.sent_requests();
        record.duration = clock.elapsed();
        if outcome.is_ok() && cleanup.is_ok() {
            return (Ok(()), record);
        }
        let _ = write!(message, "\nlog of {trial_name}:\n{}", record.log);
        (Err(message), record)
    }
}

async fn run_body(
    ctx: &Arc<TestState>,
    clusters: &StepClusters,
    body: Body<'_>,
    shared: bool,
    record: &mut TestRecord,
) -> Result<(), String> {
    if let Err(err) = setup(ctx, clusters, &body, shared).await {
        let message = err.to_string();
        record.setup_failure = Some(message.clone());
        return Err(message);
    }
    match body {
        Body::Steps(case) => {
            for step in &case.steps {
                let started = SystemTime::now();
                let clock = Instant::now();
                let result = run_step(ctx, clusters, step, shared).await;
                let last_error = result.as_ref().err().and_then(StepFailure::last_error);
                let result = result.map_err(|failure| describe_failure(&step.label(), failure));
                record.steps.push(StepRecord {
                    label: step.label(),
                    started,
                    duration: clock.elapsed(),
                    assertions: step.asserts.len() + step.errors.len(),
                    failure: result.as_ref().err().cloned(),
                    last_error,
                });
                result?;
            }
            Ok(())
        }
        Body::Typed(test, timeout) => {
            let started = SystemTime::now();
            let clock = Instant::now();
            let limit =
                timeout.or_else(|| (ctx.step_timeout > 0).then(|| seconds(ctx.step_timeout)));
            let run = test(crate::TestContext::new(Arc::clone(ctx)));
            let result = match limit {
                None => run.await,
                Some(limit) => tokio::time::timeout(limit, run)
                    .await
                    .unwrap_or_else(|_| Err(typed_timed_out(ctx, limit, timeout.is_some()))),
            };
            record.steps.push(StepRecord {
                label: "0-typed".into(),
                started,
                duration: clock.elapsed(),
                assertions: 0,
                failure: result.as_ref().err().cloned(),
                last_error: result.as_ref().err().cloned(),
            });
            result
        }
    }
}

/// The failure of a typed test that ran out of time, with the wait it was in, if any.
fn typed_timed_out(ctx: &TestState, limit: std::time::Duration, own_limit: bool) -> String {
    let whose = if own_limit {
        "its own timeout"
    } else {
        "the suite's timeout; typed_test_with_timeout sets another"
    };
    let mut message = format!(
        "the typed test did not finish within {}s ({whose})",
        limit.as_secs_f64()
    );
    if let Some(waiting) = ctx.waiting_for() {
        message.push_str(&format!(", while waiting for {waiting}"));
    }
    message
}

/// Creates the test's namespace in the run's cluster (unless it is the shared one) and in the
/// cluster of every eager step (spec §5.3 setup).
async fn setup(
    ctx: &TestState,
    clusters: &StepClusters,
    body: &Body<'_>,
    shared: bool,
) -> Result<(), SetupError> {
    if !shared {
        namespace::create(&ctx.connection.client, &ctx.namespace, &ctx.log).await?;
    }
    match body {
        Body::Steps(case) => Ok(step_clusters::open_eager(ctx, clusters, case, shared).await?),
        Body::Typed(..) => Ok(()),
    }
}

/// Runs a step on its cluster: the run's, or the one its kubeconfig names (opened now if lazy).
async fn run_step(
    ctx: &TestState,
    clusters: &StepClusters,
    step: &Step,
    shared: bool,
) -> Result<(), StepFailure> {
    let connection = step_clusters::connection_for(ctx, clusters, step, shared)
        .await
        .map_err(|err| StepFailure::Actions(vec![err.into()]))?;
    let session = Session {
        test: ctx,
        connection: connection.as_deref().unwrap_or(&ctx.connection),
    };
    step::run(&session, step).await
}

/// Why a test stopped or did not start when the run was interrupted.
pub(crate) const INTERRUPTED: &str = "interrupted: the run was stopped (Ctrl-C or SIGTERM)";

/// Kills background commands, deletes created objects (newest first, no wait; cluster-scoped
/// ones are named in the log) and then the test's own namespace (waiting until it is gone, unless
/// the run was interrupted), unless skipDelete. A shared namespace is the run's to delete.
async fn cleanup(
    ctx: &TestState,
    clusters: &StepClusters,
    settings: &TestSettings,
) -> Result<(), String> {
    let stopped = command::stop_background(ctx).await;
    if stopped > 0 {
        interrupt::note(|| {
            format!(
                "killed {stopped} background command(s) of {}",
                ctx.trial_name
            )
        });
    }
    if settings.skip_delete {
        ctx.log.line(
            "cleanup",
            &format!("skipDelete: keeping namespace {:?}", ctx.namespace),
        );
        return Ok(());
    }
    for object in created::take(&ctx.created).iter().rev() {
        match object
            .api
            .delete(&object.name, &DeleteParams::default())
            .await
        {
            Ok(_) if object.cluster_scoped => {
                ctx.log.line(
                    "cleanup",
                    &format!("{} deleted (cluster-scoped)", object.id),
                );
                interrupt::note(|| {
                    format!("deleted {} (created by {})", object.id, ctx.trial_name)
                });
            }
            Ok(_) => {}
            Err(err) if is_not_found(&err) => {}
            Err(err) => ctx.log.line(
                "cleanup",
                &format!("deleting {} failed: {}", object.id, api_message(&err)),
            ),
        }
    }
    if settings.shared_namespace.is_some() {
        return Ok(());
    }
    let own = namespace::delete(
        &ctx.connection.client,
        &ctx.namespace,
        ctx.cluster.deletes_namespaces() && !interrupt::interrupted(),
        Instant::now() + seconds(ctx.step_timeout),
        &ctx.log,
    )
    .await;
    if own.is_ok() {
        interrupt::note(|| {
            format!(
                "deleted namespace {:?} of {}",
                ctx.namespace, ctx.trial_name
            )
        });
    }
    let elsewhere = step_clusters::delete_namespaces(ctx, clusters).await;
    match (own, elsewhere) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(own), Ok(())) => Err(own.to_string()),
        (Ok(()), Err(elsewhere)) => Err(elsewhere),
        (Err(own), Err(elsewhere)) => Err(format!("{own}\n{elsewhere}")),
    }
}

/// The message of a failed step: what failed where, the diff against the closest object, and the
/// distinct states each failing expectation went through.
pub(crate) fn describe_failure(label: &str, failure: StepFailure) -> String {
    let mut out = String::new();
    match failure {
        StepFailure::Actions(errors) => {
            let _ = writeln!(out, "failed in step {label}");
            for error in errors {
                let _ = writeln!(out, "  {error}");
            }
        }
        StepFailure::Window(
            WindowFailure {
                failures,
                timeline,
                window,
                checks,
            },
            collected,
        ) => {
            let _ = writeln!(
                out,
                "failed in step {label}: checks still failing after {:.1}s ({checks} checks)",
                window.as_secs_f64()
            );
            for failure in &failures {
                let _ = write!(
                    out,
                    "\n  {}\n{}",
                    failure.what,
                    indent(&failure.message, "    ")
                );
                if let Some(diff) = &failure.diff {
                    let _ = write!(out, "{}", indent(diff, "    "));
                }
                if let Some(states) = timeline
                    .get(&failure.what)
                    .filter(|states| states.len() > 1)
                {
                    let _ = writeln!(out, "  states seen during the window ({}):", states.len());
                    for (at, state) in states {
                        let _ = write!(
                            out,
                            "    +{:.3}s {}",
                            at.as_secs_f64(),
                            indent(state, "      ").trim_start()
                        );
                    }
                }
            }
            if let Some(collected) = collected {
                let _ = write!(out, "\n  collected:\n{}", indent(&collected, "    "));
            }
        }
    }
    out
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}\n"))
        .collect::<String>()
        .trim_end_matches('\n')
        .to_string()
        + "\n"
}
