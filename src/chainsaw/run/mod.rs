//! Running a Chainsaw test on kuttl-rs's engine, with Chainsaw's control flow
//! (`pkg/runner/runner.go`):
//!
//! - a step's `try` operations run in order; the first failure without `continueOnError` ends the
//!   step and the test;
//! - then, if the test has failed so far, the `catch` operations (the test's, then the step's);
//!   then, always, the step's `finally` operations;
//! - when the test ends, each step's cleanup runs, last step first: the objects the step created
//!   are deleted (newest first), then its `cleanup` operations run;
//! - failures of catch, finally and cleanup fail the test too.
//!
//! The namespace, the objects left over, masking, the log and the record are the engine's.

mod bindings;
mod check;
mod clusters;
mod exec;
mod kubectl;
mod namespace;
mod resource;
mod scope;

pub(crate) use namespace::exists as namespace_exists;
pub(crate) use scope::{Scope, Settings};

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::expression::Bindings;
use super::model::{Action, Operation, Step, Test};
use crate::run::{OperationRecord, StepRecord, TestRecord, TestState};

/// Runs the test's steps and cleanup; `Err` is the failure message.
pub(crate) async fn run(
    ctx: &Arc<TestState>,
    test: &Test,
    settings: &Settings,
    record: &mut TestRecord,
) -> Result<(), String> {
    let mut failures: Vec<String> = Vec::new();
    let opened = clusters::Opened::default();
    let expressions = super::functions::with_cluster(&settings.expressions, ctx, &opened.clients())
        .with_default(settings.config.compiler)
        .with_default(test.spec.compiler);
    let declared = clusters::Declared::default()
        .with(std::path::Path::new(""), &settings.config.clusters)
        .with(&test.dir, &test.spec.clusters);
    let globals = bindings::for_test(ctx, test, settings, &expressions)
        .map_err(|err| format!("test bindings: {err}"))?;
    let chosen = bindings::cluster_name(&expressions, test.spec.cluster.as_deref(), &globals);
    let test_cluster = match chosen {
        Ok(chosen) => {
            opened
                .select(ctx, chosen, &declared, &clusters::Current::default())
                .await
        }
        Err(err) => Err(err),
    }
    .map_err(|err| format!("test cluster: {err}"))?;
    clusters::create_namespace(ctx, &test_cluster).await?;
    let base = bindings::with_test_bindings(
        &expressions,
        clusters::client_bindings(globals, &test_cluster),
        test,
    )
    .map_err(|err| format!("test bindings: {err}"))?;
    if let Some(description) = &test.spec.description {
        ctx.log.line("test", description);
    }
    let template = match &test.spec.namespace_template {
        Some(template) => Some((template, test.spec.namespace_template_compiler)),
        None => settings
            .config
            .namespace_template
            .as_ref()
            .map(|template| (template, settings.config.namespace_template_compiler)),
    };
    if let Some((template, compiler)) = template {
        let template = namespace::Template { template, compiler };
        namespace::apply(ctx, template, &expressions, &base).await?;
    }
    let test_timeouts = test.timeouts.over(settings.config.timeouts);
    let skip_delete = test.spec.skip_delete.unwrap_or(settings.skip_delete);
    // The objects each step created: a range of the test's created objects.
    let mut cleanups: Vec<(usize, &Step, Bindings, Scope<'_>)> = Vec::new();
    for (index, step) in test.steps.iter().enumerate() {
        let started = SystemTime::now();
        let clock = Instant::now();
        let step_expressions = expressions.with_default(step.compiler);
        let declared = declared.with(&test.dir, &step.clusters);
        let step_cluster =
            match bindings::cluster_name(&step_expressions, step.cluster.as_deref(), &base) {
                Ok(chosen) => opened.select(ctx, chosen, &declared, &test_cluster).await,
                Err(err) => Err(err),
            };
        let scope = Scope {
            test: ctx,
            chainsaw: test,
            settings,
            timeouts: step.timeouts.over(test_timeouts),
            template: step
                .template
                .or(test.spec.template)
                .unwrap_or(settings.config.template),
            expressions: step_expressions,
            step: index + 1,
            declared,
            cluster: step_cluster
                .clone()
                .unwrap_or_else(|_| test_cluster.clone()),
            opened: &opened,
            operations: Arc::default(),
        };
        let created_before = ctx.created_count();
        let label = format!("{}-{}", index + 1, step.name);
        if let Some(description) = &step.description {
            ctx.log.line(&label, description);
        }
        let step_bindings = step_cluster
            .and_then(|cluster| {
                let bindings = clusters::client_bindings(base.clone(), &cluster);
                bindings::for_step(&scope, &bindings, step)
            })
            .map_err(|err| format!("{label}: {err}"));
        let (result, step_bindings) = match step_bindings {
            Ok(step_bindings) => {
                let result = run_operations(&scope, &label, &step.r#try, &step_bindings).await;
                (result, step_bindings)
            }
            Err(err) => (Err(err), base.clone()),
        };
        let failed = result.is_err();
        let mut step_failures: Vec<String> = result.err().into_iter().collect();
        if failed || !failures.is_empty() {
            let catch = settings.config.catch.iter().chain(&test.catch);
            for op in catch.chain(&step.catch) {
                if let Err(err) = run_one(&scope, &label, op, &step_bindings).await {
                    step_failures.push(err);
                }
            }
        }
        for op in &step.finally {
            if let Err(err) = run_one(&scope, &label, op, &step_bindings).await {
                step_failures.push(err);
            }
        }
        let failure = (!step_failures.is_empty()).then(|| step_failures.join("\n"));
        record.steps.push(StepRecord {
            label: label.clone(),
            started,
            duration: clock.elapsed(),
            assertions: step
                .r#try
                .iter()
                .filter(|op| matches!(op.action, Action::Assert(_) | Action::Error(_)))
                .count(),
            failure: failure.clone(),
            last_error: failure.clone(),
            operations: std::mem::take(
                &mut scope
                    .operations
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()),
            ),
        });
        let step_skips_delete = step.skip_delete.unwrap_or(skip_delete);
        if !step_skips_delete {
            cleanups.push((created_before, step, step_bindings, scope));
        }
        if let Some(failure) = failure {
            failures.push(failure);
            break;
        }
    }
    // The engine reads the Secrets of the test's namespace on the run's cluster as the test ends;
    // the other clusters the test named are read here, before the cleanups below delete anything.
    let run_cluster = ctx.connection.endpoint.url();
    for connection in opened.connections() {
        if connection.endpoint.url() != run_cluster {
            crate::run::learn_namespace_secrets(ctx, &connection).await;
        }
    }
    let delay_before_cleanup = test
        .spec
        .delay_before_cleanup
        .as_deref()
        .and_then(|text| super::load::duration(text).ok())
        .or(settings.config.delay_before_cleanup);
    for (created_before, step, step_bindings, scope) in cleanups.into_iter().rev() {
        let label = format!("{}-{} cleanup", scope.step, step.name);
        let objects = ctx.take_created_from(created_before);
        if let Some(delay) = delay_before_cleanup.filter(|_| !objects.is_empty()) {
            ctx.log
                .line(&label, &format!("waiting {delay:?} (delayBeforeCleanup)"));
            tokio::time::sleep(delay).await;
        }
        let deadline = Instant::now() + scope.timeout(|t| t.cleanup, None);
        if let Err(err) =
            crate::run::delete_created(objects, deadline, &ctx.log, &ctx.trial_name).await
        {
            failures.push(format!("{label}: {err}"));
        }
        for op in &step.cleanup {
            if let Err(err) = run_one(&scope, &label, op, &step_bindings).await {
                failures.push(err);
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// Runs operations in order: outputs of one are bindings of the next; the first failure without
/// `continueOnError` stops them. `Err` holds every failure.
async fn run_operations(
    scope: &Scope<'_>,
    label: &str,
    operations: &[Operation],
    step_bindings: &Bindings,
) -> Result<(), String> {
    let mut bindings = step_bindings.clone();
    let mut failures = Vec::new();
    for (index, op) in operations.iter().enumerate() {
        let op_bindings = bindings.with("$operation", json!({"id": index + 1}));
        match run_action(scope, label, op, &op_bindings).await {
            Ok(outputs) => {
                for (name, value) in outputs {
                    bindings = bindings.with(&name, value);
                }
            }
            Err(err) if op.continue_on_error => failures.push(err),
            Err(err) => {
                failures.push(err);
                break;
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

async fn run_one(
    scope: &Scope<'_>,
    label: &str,
    op: &Operation,
    bindings: &Bindings,
) -> Result<(), String> {
    run_action(scope, label, op, bindings).await.map(drop)
}

/// Runs one operation and records it in its step's; `Ok` holds its outputs (`$name`, value).
async fn run_action(
    scope: &Scope<'_>,
    label: &str,
    op: &Operation,
    bindings: &Bindings,
) -> Result<Vec<(String, Value)>, String> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let result = act(scope, label, op, bindings).await;
    scope
        .operations
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .push(OperationRecord {
            label: op.label(),
            kind: op.action.kind().to_string(),
            started,
            duration: clock.elapsed(),
            failure: result.as_ref().err().cloned(),
        });
    result
}

/// Runs one operation on the cluster it names, with its compiler; `Ok` holds its outputs.
async fn act(
    scope: &Scope<'_>,
    label: &str,
    op: &Operation,
    bindings: &Bindings,
) -> Result<Vec<(String, Value)>, String> {
    let where_ = format!("{label} {}", op.label());
    let expressions = scope.expressions.with_default(op.compiler);
    let (written, clusters) = op.action.on_cluster();
    let declared = match clusters {
        Some(clusters) => scope.declared.with(&scope.chainsaw.dir, clusters),
        None => scope.declared.clone(),
    };
    let chosen = bindings::cluster_name(&expressions, written, bindings)
        .map_err(|err| format!("{where_}: {err}"))?;
    let cluster = scope
        .opened
        .select(scope.test, chosen, &declared, &scope.cluster)
        .await
        .map_err(|err| format!("{where_}: {err}"))?;
    let rebound;
    let bindings = match written {
        Some(_) => {
            rebound = clusters::client_bindings(bindings.clone(), &cluster);
            &rebound
        }
        None => bindings,
    };
    let scope = &Scope {
        expressions,
        declared,
        cluster,
        ..scope.clone()
    };
    let running = match &op.description {
        Some(description) => format!("{} running: {description}", op.label()),
        None => format!("{} running", op.label()),
    };
    scope.test.log.line(label, &running);
    let result = match &op.action {
        Action::Apply(action)
        | Action::Create(action)
        | Action::Patch(action)
        | Action::Update(action) => resource::write(scope, op, action, bindings).await,
        Action::Delete(delete) => resource::delete(scope, delete, bindings)
            .await
            .map(|()| Vec::new()),
        Action::Assert(tree) => check::run(scope, tree, bindings, check::Expect::Match)
            .await
            .map(|()| Vec::new()),
        Action::Error(tree) => check::run(scope, tree, bindings, check::Expect::NoMatch)
            .await
            .map(|()| Vec::new()),
        Action::Command(command) => exec::command(scope, op, command, bindings).await,
        Action::Script(script) => exec::script(scope, op, script, bindings).await,
        Action::Sleep(duration) => {
            tokio::time::sleep(*duration).await;
            Ok(Vec::new())
        }
        Action::Wait(_)
        | Action::Get(_)
        | Action::Describe(_)
        | Action::Events(_)
        | Action::PodLogs(_)
        | Action::Proxy(_) => kubectl::run(scope, op, bindings).await,
    };
    match &result {
        Ok(_) => scope.test.log.line(label, &format!("{} done", op.label())),
        Err(err) => scope
            .test
            .log
            .line(label, &format!("{} failed: {err}", op.label())),
    }
    result.map_err(|err| format!("{where_}: {err}"))
}
