//! One test from namespace to cleanup (spec §5.3), and its failure message.

use std::fmt::Write as _;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::SystemTime;

use futures::FutureExt;
use tokio::time::Instant;

use super::error::SetupError;
use super::outcome::{StepRecord, TestRecord};
use super::step::{self, StepFailure};
use super::step_clusters::{self, StepClusters};
use super::test_state::{Session, TestState};
use super::timeout::seconds;
use super::window::WindowFailure;
use super::{command, created, events, namespace, secret_sweep, signals};
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
    /// A Chainsaw test, with what it takes from the run.
    Chainsaw(
        &'a crate::chainsaw::model::Test,
        &'a crate::chainsaw::run::Settings,
    ),
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
        Ok(ctx) => {
            let ctx = Arc::new(ctx.with_masks(Arc::clone(&settings.masks)));
            // Until its state is dropped, after its cleanup.
            super::controller_log::attach(&ctx);
            ctx
        }
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
    // An interruption drops the body where it is: its commands are killed with what they started
    // (on drop), its watches end, and the test goes on to its cleanup.
    let outcome = tokio::select! {
        outcome = body => outcome.unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("test panicked: {message}"))
        }),
        () = signals::until_interrupted() => {
            ctx.log.line("interrupted", "the run was interrupted: steps stopped");
            signals::note(|| format!("stopped {trial_name}"));
            Err(INTERRUPTED.to_string())
        }
    };
    // A test stopped mid-step has no record of that step: the reports show where it stopped.
    if signals::interrupted() && outcome.is_err() && !record.failed() {
        record.steps.push(StepRecord {
            label: "interrupted".into(),
            started: SystemTime::now(),
            duration: std::time::Duration::ZERO,
            assertions: 0,
            failure: Some(INTERRUPTED.to_string()),
            last_error: Some(INTERRUPTED.to_string()),
            operations: Vec::new(),
        });
    }
    let message = match &outcome {
        Ok(()) => String::new(),
        // The namespace's events would only delay the teardown.
        Err(failure) if signals::interrupted() => failure.clone(),
        Err(failure) if !settings.show_events => failure.clone(),
        Err(failure) => {
            // Scrubbed with the rest of the message and record on the way out.
            let events = events::describe(&ctx.connection.client, &ctx.namespace).await;
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
    /// Cleans up around the test's `slot`, which it gives away in between. While holding it: kills
    /// the background commands and deletes what the test created, waiting until everything other
    /// tests can see is gone. After: deletes the test's own namespace (in every cluster its steps
    /// used) and waits until it is gone. Then gives the test's outcome.
    pub(crate) async fn clean_up<Slot>(self, slot: Slot) -> Finished {
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
        secret_sweep::learn_namespace_secrets(&ctx, &clusters).await;
        let shared = withdraw(&ctx, &settings).await;
        drop(slot);
        let own = finalize(&ctx, &clusters, &settings).await;
        let cleanup = match (shared, own) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(failure), Ok(())) | (Ok(()), Err(failure)) => Err(failure),
            (Err(shared), Err(own)) => Err(format!("{shared}\n{own}")),
        };
        if let Err(err) = &cleanup {
            let _ = writeln!(message, "cleanup failed: {err}");
            record.cleanup_failure = Some(err.clone());
        }
        record.log = ctx.log.text();
        record.requests = ctx.sent_requests();
        record.duration = clock.elapsed();
        // The one way out of a test: every masked value it saw is scrubbed from what it reports.
        let record = record.scrubbed(|text| ctx.scrubbed(text));
        if outcome.is_ok() && cleanup.is_ok() {
            return (Ok(()), record);
        }
        let _ = write!(message, "\nlog of {trial_name}:\n{}", record.log);
        (Err(ctx.scrubbed(&message)), record)
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
                    operations: Vec::new(),
                });
                result?;
            }
            Ok(())
        }
        Body::Chainsaw(test, settings) => {
            crate::chainsaw::run::run(ctx, test, settings, record).await
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
                operations: Vec::new(),
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
        Body::Typed(..) | Body::Chainsaw(..) => Ok(()),
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

/// What a test does before it gives its slot away: kills its background commands and, unless
/// skipDelete, deletes what it created (newest first), waiting until every object other tests can
/// see is gone (within the step timeout).
async fn withdraw(ctx: &TestState, settings: &TestSettings) -> Result<(), String> {
    let stopped = command::stop_background(ctx).await;
    if stopped > 0 {
        signals::note(|| {
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
    let deadline = Instant::now() + seconds(ctx.step_timeout);
    created::delete(
        created::take(&ctx.created),
        deadline,
        &ctx.log,
        &ctx.trial_name,
    )
    .await
}

/// What a test does after it gave its slot away: deletes its own namespace and waits until it is
/// gone (unless the run was interrupted), in the run's cluster and every cluster its steps used.
/// Nothing to do under skipDelete or in a shared namespace, which is the run's to delete.
async fn finalize(
    ctx: &TestState,
    clusters: &StepClusters,
    settings: &TestSettings,
) -> Result<(), String> {
    if settings.skip_delete || settings.shared_namespace.is_some() {
        return Ok(());
    }
    let own = namespace::delete(
        &ctx.connection.client,
        &ctx.namespace,
        ctx.cluster.deletes_namespaces() && !signals::interrupted(),
        Instant::now() + seconds(ctx.step_timeout),
        &ctx.log,
    )
    .await;
    if own.is_ok() {
        signals::note(|| {
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use kube::Api;
    use kube::api::{ApiResource, DynamicObject, GroupVersionKind};

    use super::*;
    use crate::run::created::{Created, Reach};
    use crate::run::fake_api::{Answer, FakeApi, Journal, not_found, object};
    use crate::run::interrupt::Children;
    use crate::run::process::Process;
    use crate::run::target::Target;

    const OWN: &str = "kuttl-test-own";
    /// Read before anything is deleted, so the test's output can be scrubbed of their values.
    const OWN_SECRETS: &str = "/api/v1/namespaces/kuttl-test-own/secrets";
    const DEPLOYMENT: &str = "/apis/apps/v1/namespaces/kube-system/deployments/coredns";
    const POD: &str = "/api/v1/namespaces/kube-system/pods/metrics-server";
    const CONFIGMAP: &str = "/api/v1/namespaces/kuttl-test-own/configmaps/settings";
    const CRD: &str = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com";
    const NAMESPACE: &str = "/api/v1/namespaces/kuttl-test-own";
    const OTHER_NAMESPACE: &str = "/api/v1/namespaces/extra";

    /// The test's slot: dropping it writes into the journal how many background commands of the
    /// test still run.
    struct Slot {
        journal: Journal,
        background: Children,
    }

    impl Drop for Slot {
        fn drop(&mut self) {
            let running = self.background.lock().unwrap().len();
            self.journal.mark(format!(
                "slot given away, {running} background commands running"
            ));
        }
    }

    fn settings(step_timeout: i64) -> TestSettings {
        TestSettings {
            step_timeout,
            skip_delete: false,
            shared_namespace: None,
            namespace: OWN.into(),
            show_events: false,
            masks: Arc::default(),
        }
    }

    fn context(api: &FakeApi, embedded: bool, settings: &TestSettings) -> Arc<TestState> {
        let owns_namespace = settings.shared_namespace.is_none();
        Arc::new(api.test_state(
            &settings.namespace,
            owns_namespace,
            embedded,
            settings.step_timeout,
        ))
    }

    /// Where an object of `gvk` and `plural` named in `namespace` (`None`: cluster-scoped) lives.
    fn target(
        ctx: &TestState,
        gvk: (&str, &str, &str),
        plural: &str,
        namespace: Option<&str>,
    ) -> Target {
        let (group, version, kind) = gvk;
        let resource =
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
        let client = ctx.connection.client.clone();
        let api = match namespace {
            Some(namespace) => Api::<DynamicObject>::namespaced_with(client, namespace, &resource),
            None => Api::all_with(client, &resource),
        };
        Target {
            api,
            api_version: resource.api_version.clone(),
            kind: kind.into(),
            namespace: namespace.map(str::to_string),
            resource,
        }
    }

    /// Registers what the test created through the run's cluster, as `apply` does.
    fn create(ctx: &TestState, target: Target, name: &str) {
        let reach = ctx.session().reach(&target);
        let id = target.id(name);
        ctx.register_created(Created {
            api: target.api,
            name: name.into(),
            id,
            reach,
            propagation: None,
        });
    }

    /// The deployment and pod in `kube-system` and a configmap in the test's namespace, created in
    /// that order.
    fn create_shared_and_own(ctx: &TestState) {
        let deployment = target(
            ctx,
            ("apps", "v1", "Deployment"),
            "deployments",
            Some("kube-system"),
        );
        create(ctx, deployment, "coredns");
        let pod = target(ctx, ("", "v1", "Pod"), "pods", Some("kube-system"));
        create(ctx, pod, "metrics-server");
        let configmap = target(ctx, ("", "v1", "ConfigMap"), "configmaps", Some(OWN));
        create(ctx, configmap, "settings");
    }

    /// A background command of the test, as a step's `background: true` command leaves it.
    fn start_background_command(ctx: &TestState) {
        let sleeper = Process::spawn(tokio::process::Command::new("sleep").arg("30"));
        ctx.background.lock().unwrap().push(sleeper.unwrap());
    }

    fn worked(ctx: Arc<TestState>, settings: TestSettings) -> Worked {
        Worked {
            ctx,
            clusters: StepClusters::default(),
            settings,
            outcome: Ok(()),
            message: String::new(),
            record: TestRecord::not_started("suite", "test", SystemTime::now(), String::new()),
            clock: Instant::now(),
            trial_name: "suite::test".into(),
        }
    }

    /// Runs the cleanup with a slot that marks the journal when given away.
    async fn clean_up(api: &FakeApi, ctx: Arc<TestState>, settings: TestSettings) -> Finished {
        let slot = Slot {
            journal: api.journal().clone(),
            background: Arc::clone(&ctx.background),
        };
        worked(ctx, settings).clean_up(slot).await
    }

    /// A server on which every object is there until deleted, and then still there for `reads`
    /// GETs (finalizing), except those `never_gone` answers for.
    fn server(reads: usize, never_gone: &'static [&'static str]) -> impl Fn(&str, &str) -> Answer {
        let reads_after_delete = Arc::new(std::sync::Mutex::new(std::collections::HashMap::new()));
        move |method, path| {
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            let mut seen = reads_after_delete.lock().unwrap();
            match method {
                "DELETE" => {
                    seen.insert(path.to_string(), AtomicUsize::new(0));
                    object("v1", "Status", &name)
                }
                _ if never_gone.contains(&path) => object("v1", "Object", &name),
                _ => match seen.get(path) {
                    Some(count) if count.fetch_add(1, Ordering::SeqCst) >= reads => not_found(),
                    _ => object("v1", "Object", &name),
                },
            }
        }
    }

    fn position(journal: &[String], entry: &str) -> usize {
        journal
            .iter()
            .position(|seen| seen == entry)
            .unwrap_or_else(|| panic!("{entry:?} is not in {journal:#?}"))
    }

    fn count(journal: &[String], entry: &str) -> usize {
        journal.iter().filter(|seen| *seen == entry).count()
    }

    #[tokio::test]
    async fn what_other_tests_can_see_is_gone_before_the_slot_is_given_away() {
        let api = FakeApi::start(server(2, &[])).await;
        let settings = settings(5);
        let ctx = context(&api, false, &settings);
        create_shared_and_own(&ctx);
        start_background_command(&ctx);

        let (outcome, _) = clean_up(&api, ctx, settings).await;

        let journal = api.journal().entries();
        assert_eq!(outcome, Ok(()), "{journal:#?}");
        // Newest first, as KUTTL deletes them.
        let deletes: Vec<&String> = journal.iter().filter(|e| e.starts_with("DELETE")).collect();
        assert_eq!(
            deletes,
            [
                &format!("DELETE {CONFIGMAP}"),
                &format!("DELETE {POD}"),
                &format!("DELETE {DEPLOYMENT}"),
                &format!("DELETE {NAMESPACE}"),
            ]
        );
        let slot = position(&journal, "slot given away, 0 background commands running");
        // Both shared objects were read until gone (2 reads still there, then NotFound), all before
        // the slot went; the configmap goes with the namespace, which finalizes after.
        for shared in [POD, DEPLOYMENT] {
            assert_eq!(
                count(&journal[..slot], &format!("GET {shared}")),
                3,
                "{journal:#?}"
            );
            assert_eq!(
                count(&journal[slot..], &format!("GET {shared}")),
                0,
                "{journal:#?}"
            );
        }
        assert_eq!(
            count(&journal, &format!("GET {CONFIGMAP}")),
            0,
            "{journal:#?}"
        );
        assert!(position(&journal, &format!("DELETE {NAMESPACE}")) > slot);
        assert_eq!(
            count(&journal[slot..], &format!("GET {NAMESPACE}")),
            3,
            "{journal:#?}"
        );
    }

    #[tokio::test]
    async fn a_shared_object_not_gone_within_the_step_timeout_fails_the_test() {
        let api = FakeApi::start(server(0, &[DEPLOYMENT])).await;
        let settings = settings(1);
        let ctx = context(&api, false, &settings);
        create_shared_and_own(&ctx);

        let (outcome, record) = clean_up(&api, ctx, settings).await;

        let failure = outcome.unwrap_err();
        assert!(
            failure.contains(
                "cleanup failed: waiting for Deployment:kube-system/coredns to be deleted timed out"
            ),
            "{failure}"
        );
        assert!(
            !failure.contains("Pod:kube-system/metrics-server to be"),
            "{failure}"
        );
        assert!(record.cleanup_failure.is_some());
        // The slot still goes, and the namespace is still deleted, after the wait ended.
        let journal = api.journal().entries();
        let slot = position(&journal, "slot given away, 0 background commands running");
        assert_eq!(count(&journal[slot..], &format!("GET {DEPLOYMENT}")), 0);
        assert!(position(&journal, &format!("DELETE {NAMESPACE}")) > slot);
    }

    #[tokio::test]
    async fn skip_delete_deletes_nothing_and_still_kills_background_commands_first() {
        let api = FakeApi::start(server(0, &[])).await;
        let settings = TestSettings {
            skip_delete: true,
            ..settings(5)
        };
        let ctx = context(&api, false, &settings);
        create_shared_and_own(&ctx);
        start_background_command(&ctx);

        let (outcome, _) = clean_up(&api, ctx, settings).await;

        assert_eq!(outcome, Ok(()));
        assert_eq!(
            api.journal().entries(),
            [
                format!("GET {OWN_SECRETS}"),
                "slot given away, 0 background commands running".into()
            ]
        );
    }

    #[tokio::test]
    async fn in_a_shared_namespace_every_object_is_waited_for_and_the_namespace_is_kept() {
        let api = FakeApi::start(server(1, &[])).await;
        let settings = TestSettings {
            shared_namespace: Some(OWN.into()),
            ..settings(5)
        };
        let ctx = context(&api, false, &settings);
        create_shared_and_own(&ctx);

        let (outcome, _) = clean_up(&api, ctx, settings).await;

        let journal = api.journal().entries();
        assert_eq!(outcome, Ok(()), "{journal:#?}");
        let slot = position(&journal, "slot given away, 0 background commands running");
        assert_eq!(
            count(&journal[..slot], &format!("GET {CONFIGMAP}")),
            2,
            "{journal:#?}"
        );
        assert_eq!(
            slot,
            journal.len() - 1,
            "nothing after the slot: {journal:#?}"
        );
    }

    #[tokio::test]
    async fn a_crd_is_gone_before_the_slot_is_given_away() {
        // Its custom resources go first (the API server removes them before the definition), so
        // a later test that applies one sees either the old definition or none, never one going.
        let api = FakeApi::start(server(3, &[])).await;
        let settings = settings(5);
        let ctx = context(&api, false, &settings);
        let crd = target(
            &ctx,
            ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "customresourcedefinitions",
            None,
        );
        create(&ctx, crd, "widgets.example.com");

        let (outcome, _) = clean_up(&api, ctx, settings).await;

        let journal = api.journal().entries();
        assert_eq!(outcome, Ok(()), "{journal:#?}");
        let slot = position(&journal, "slot given away, 0 background commands running");
        assert_eq!(
            count(&journal[..slot], &format!("GET {CRD}")),
            4,
            "{journal:#?}"
        );
    }

    #[tokio::test]
    async fn a_namespace_created_on_an_api_server_alone_is_deleted_without_waiting() {
        let api = FakeApi::start(server(usize::MAX, &[])).await;
        let settings = settings(5);
        let ctx = context(&api, true, &settings);
        let namespace = target(&ctx, ("", "v1", "Namespace"), "namespaces", None);
        create(&ctx, namespace, "extra");

        let (outcome, _) = clean_up(&api, ctx, settings).await;

        let journal = api.journal().entries();
        assert_eq!(outcome, Ok(()), "{journal:#?}");
        assert_eq!(
            journal,
            [
                format!("GET {OWN_SECRETS}"),
                format!("DELETE {OTHER_NAMESPACE}"),
                "slot given away, 0 background commands running".into(),
                format!("DELETE {NAMESPACE}"),
            ]
        );
    }

    #[tokio::test]
    async fn reach_says_who_can_see_an_object() {
        let api = FakeApi::start(server(0, &[])).await;
        let own = context(&api, false, &settings(5));
        let shared_run = context(
            &api,
            true,
            &TestSettings {
                shared_namespace: Some(OWN.into()),
                ..settings(5)
            },
        );
        let configmap = |ctx: &TestState, namespace| {
            target(ctx, ("", "v1", "ConfigMap"), "configmaps", Some(namespace))
        };
        let namespace = |ctx: &TestState| target(ctx, ("", "v1", "Namespace"), "namespaces", None);
        let role = |ctx: &TestState| {
            target(
                ctx,
                ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
                "clusterroles",
                None,
            )
        };
        let reach = |ctx: &TestState, target: Target| ctx.session().reach(&target);
        assert_eq!(reach(&own, configmap(&own, OWN)), Reach::OwnNamespace);
        assert_eq!(reach(&own, configmap(&own, "kube-system")), Reach::Shared);
        assert_eq!(reach(&own, role(&own)), Reach::Shared);
        assert_eq!(reach(&own, namespace(&own)), Reach::Shared);
        assert_eq!(
            reach(&shared_run, configmap(&shared_run, OWN)),
            Reach::Shared
        );
        assert_eq!(
            reach(&shared_run, namespace(&shared_run)),
            Reach::SharedNeverFinalized
        );
    }

    #[tokio::test]
    async fn a_masked_value_the_test_saw_leaves_in_no_message_and_no_record() {
        const VALUE: &str = "sup3r-s3cret-Qx9";
        let encoded = "c3VwM3ItczNjcmV0LVF4OQ==";
        let api = FakeApi::start(server(0, &[])).await;
        let settings = settings(5);
        let ctx = context(&api, false, &settings);
        let secret = serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "creds"}, "data": {"password": encoded}});
        ctx.remember_masked(&secret);
        ctx.log.line("step", &format!("a command printed {VALUE}"));
        let mut worked = worked(Arc::clone(&ctx), settings);
        worked.outcome = Err(format!("step failed: saw {encoded}"));
        worked.message = format!("step failed: saw {encoded}");
        worked.record.steps.push(StepRecord {
            label: "0-apply".into(),
            started: SystemTime::now(),
            duration: std::time::Duration::ZERO,
            assertions: 1,
            failure: Some(format!("diff: {VALUE}")),
            last_error: Some(encoded.into()),
            operations: vec![crate::run::OperationRecord {
                label: "try[0] (assert)".into(),
                kind: "assert".into(),
                started: SystemTime::now(),
                duration: std::time::Duration::ZERO,
                failure: Some(format!("diff: {VALUE} {encoded}")),
            }],
        });

        let (outcome, record) = worked.clean_up(()).await;

        let message = outcome.unwrap_err();
        let record = format!("{record:?}");
        for text in [&message, &record] {
            assert!(!text.contains(VALUE) && !text.contains(encoded), "{text}");
            assert!(text.contains("<secret 16 bytes hmac:"), "{text}");
        }
    }

    /// A server on which the test's namespace holds one Secret, which the test never applied.
    fn namespace_with_a_secret(encoded: &'static str) -> impl Fn(&str, &str) -> Answer {
        let rest = server(0, &[]);
        move |method, path| match (method, path) {
            ("GET", OWN_SECRETS) => (
                200,
                serde_json::json!({"apiVersion": "v1", "kind": "SecretList", "metadata": {},
                    "items": [{"metadata": {"name": "made-by-a-controller"},
                        "data": {"token": encoded}}]}),
            ),
            _ => rest(method, path),
        }
    }

    #[tokio::test]
    async fn a_secret_the_test_never_read_is_scrubbed_when_a_command_printed_it() {
        const VALUE: &str = "t0ken-fr0m-a-c0ntroller";
        let encoded = "dDBrZW4tZnIwbS1hLWMwbnRyb2xsZXI=";
        let api = FakeApi::start(namespace_with_a_secret(encoded)).await;
        let settings = settings(5);
        let ctx = context(&api, false, &settings);
        assert_eq!(ctx.namespace, OWN);
        ctx.log.line(
            "step",
            &format!("kubectl printed token: {encoded} ({VALUE})"),
        );
        let mut worked = worked(Arc::clone(&ctx), settings);
        worked.outcome = Err(format!("step failed: {VALUE}"));
        worked.message = format!("step failed: {VALUE}");

        let (outcome, record) = worked.clean_up(()).await;

        let message = outcome.unwrap_err();
        for text in [&message, &record.log] {
            assert!(!text.contains(VALUE) && !text.contains(encoded), "{text}");
            assert!(text.contains("<secret 23 bytes hmac:"), "{text}");
        }
        let journal = api.journal().entries();
        assert!(
            position(&journal, &format!("GET {OWN_SECRETS}"))
                < position(&journal, "DELETE /api/v1/namespaces/kuttl-test-own"),
            "{journal:#?}"
        );
    }

    #[tokio::test]
    async fn a_namespace_whose_secrets_cannot_be_read_says_so_in_the_log() {
        let rest = server(0, &[]);
        let api = FakeApi::start(move |method, path| match path {
            OWN_SECRETS => (
                403,
                serde_json::json!({"apiVersion": "v1", "kind": "Status", "status": "Failure",
                    "message": "secrets is forbidden", "reason": "Forbidden", "code": 403}),
            ),
            _ => rest(method, path),
        })
        .await;
        let settings = settings(5);
        let ctx = context(&api, false, &settings);

        let (_, record) = worked(Arc::clone(&ctx), settings).clean_up(()).await;

        assert!(
            record.log.contains(
                "could not read the Secrets of namespace \"kuttl-test-own\" on http://127.0.0.1:"
            ) && record.log.contains("secrets is forbidden"),
            "{}",
            record.log
        );
    }
}
