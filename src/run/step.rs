//! One step, in KUTTL's order (spec §5.4): delete and wait, commands, apply, then the assert
//! window. A command failure does not stop the apply, but any failure before the window fails the
//! step without checking.

use std::time::Duration;

use tokio::time::Instant;

use super::test_state::Session;
use super::window::{self, WindowFailure};
use super::{apply, collect, command, delete};
use crate::load::Step;

/// Why a step failed.
pub(crate) enum StepFailure {
    /// Deleting, a command or an apply failed.
    Actions(Vec<String>),
    /// The checks did not pass within the window; with the collectors' output, if any.
    Window(WindowFailure, Option<String>),
}

/// Runs one step.
pub(crate) async fn run(ctx: &Session<'_>, step: &Step) -> Result<(), StepFailure> {
    let scope = step.label();
    ctx.test
        .log
        .line(&scope, &format!("starting test step {scope}"));
    let step_timeout = Duration::from_secs(u64::try_from(ctx.test.step_timeout).unwrap_or(0));
    let window = match step
        .test_assert
        .as_ref()
        .map_or(0, |settings| settings.value.timeout)
    {
        0 => ctx.test.step_timeout,
        seconds => seconds,
    };
    let window = Duration::from_secs(u64::try_from(window).unwrap_or(0));
    let mut errors = Vec::new();
    if let Some(settings) = &step.test_step {
        delete::delete_all(ctx, &settings.value.delete, &scope, Instant::now() + window)
            .await
            .map_err(|err| StepFailure::Actions(vec![err]))?;
        if let Err(err) =
            command::run_all(ctx, &settings.value.commands, ctx.test.step_timeout, &scope).await
        {
            errors.push(err);
        }
    }
    let apply_deadline = Instant::now() + step_timeout;
    for object in &step.apply {
        if let Err(err) = apply::apply(ctx, object, &scope, apply_deadline).await {
            errors.push(err);
        }
    }
    if !errors.is_empty() {
        ctx.test
            .log
            .line(&scope, &format!("test step failed {scope}"));
        return Err(StepFailure::Actions(errors));
    }
    match window::run(ctx, step, window, &scope).await {
        Ok(()) => {
            ctx.test
                .log
                .line(&scope, &format!("test step completed {scope}"));
            Ok(())
        }
        Err(failure) => {
            ctx.test
                .log
                .line(&scope, &format!("test step failed {scope}"));
            let collectors = step
                .test_assert
                .as_ref()
                .map_or(&[][..], |settings| &settings.value.collectors);
            let collected = collect::collect(ctx, collectors, &scope).await;
            Err(StepFailure::Window(failure, collected))
        }
    }
}
