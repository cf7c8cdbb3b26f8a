//! One step, in KUTTL's order (spec §5.4): delete and wait, commands, apply, then the assert
//! window. A command failure does not stop the apply, but any failure before the window fails the
//! step without checking.
//!
//! The order is decided by [`run_with`] over [`Actions`]; the engine's actions are [`Live`], and
//! the tests drive the same order with recorded ones.

use std::time::Duration;

use tokio::time::Instant;

use super::error::ActionError;
use super::test_state::Session;
use super::timeout::seconds;
use super::window::{self, WindowFailure};
use super::{apply, collect, command, delete};
use crate::config::{Command, ObjectReference, TestCollector};
use crate::load::{Object, Step};

/// Why a step failed.
pub(crate) enum StepFailure {
    /// Deleting, a command or an apply failed.
    Actions(Vec<ActionError>),
    /// The checks did not pass within the window; with the collectors' output, if any.
    Window(WindowFailure, Option<String>),
}

impl StepFailure {
    /// The last error alone: the last failed action, or the last expectation still failing.
    pub(crate) fn last_error(&self) -> Option<String> {
        match self {
            Self::Actions(errors) => errors.last().map(ToString::to_string),
            Self::Window(failure, _) => failure.failures.last().map(|f| f.message.clone()),
        }
    }
}

/// What a step does, one activity at a time.
pub(crate) trait Actions {
    fn log(&self, scope: &str, line: &str);
    async fn delete(
        &self,
        references: &[ObjectReference],
        scope: &str,
        deadline: Instant,
    ) -> Result<(), ActionError>;
    async fn commands(
        &self,
        commands: &[Command],
        timeout: i64,
        scope: &str,
    ) -> Result<(), ActionError>;
    async fn apply(
        &self,
        object: &Object,
        scope: &str,
        deadline: Instant,
    ) -> Result<(), ActionError>;
    async fn window(&self, step: &Step, window: Duration, scope: &str)
    -> Result<(), WindowFailure>;
    async fn collect(&self, collectors: &[TestCollector], scope: &str) -> Option<String>;
}

/// The engine's actions, on the session's cluster.
pub(crate) struct Live<'a, 'b>(pub &'a Session<'b>);

impl Actions for Live<'_, '_> {
    fn log(&self, scope: &str, line: &str) {
        self.0.test.log.line(scope, line);
    }

    async fn delete(
        &self,
        references: &[ObjectReference],
        scope: &str,
        deadline: Instant,
    ) -> Result<(), ActionError> {
        delete::delete_all(self.0, references, scope, deadline).await
    }

    async fn commands(
        &self,
        commands: &[Command],
        timeout: i64,
        scope: &str,
    ) -> Result<(), ActionError> {
        Ok(command::run_all(self.0, commands, timeout, scope).await?)
    }

    async fn apply(
        &self,
        object: &Object,
        scope: &str,
        deadline: Instant,
    ) -> Result<(), ActionError> {
        apply::apply(self.0, object, scope, deadline).await
    }

    async fn window(
        &self,
        step: &Step,
        window: Duration,
        scope: &str,
    ) -> Result<(), WindowFailure> {
        window::run(self.0, step, window, scope).await
    }

    async fn collect(&self, collectors: &[TestCollector], scope: &str) -> Option<String> {
        collect::collect(self.0, collectors, scope).await
    }
}

/// Runs one step on the session's cluster.
pub(crate) async fn run(ctx: &Session<'_>, step: &Step) -> Result<(), StepFailure> {
    run_with(&Live(ctx), step, ctx.test.step_timeout).await
}

/// Runs one step with `actions`; `step_timeout` is in seconds.
pub(crate) async fn run_with(
    actions: &impl Actions,
    step: &Step,
    step_timeout: i64,
) -> Result<(), StepFailure> {
    let scope = step.label();
    actions.log(&scope, &format!("starting test step {scope}"));
    let window = seconds(window_seconds(step, step_timeout));
    let mut errors = Vec::new();
    if let Some(settings) = &step.test_step {
        actions
            .delete(&settings.value.delete, &scope, Instant::now() + window)
            .await
            .map_err(|err| StepFailure::Actions(vec![err]))?;
        if let Err(err) = actions
            .commands(&settings.value.commands, step_timeout, &scope)
            .await
        {
            errors.push(err);
        }
    }
    let apply_deadline = Instant::now() + seconds(step_timeout);
    for object in &step.apply {
        if let Err(err) = actions.apply(object, &scope, apply_deadline).await {
            errors.push(err);
        }
    }
    if !errors.is_empty() {
        actions.log(&scope, &format!("test step failed {scope}"));
        return Err(StepFailure::Actions(errors));
    }
    match actions.window(step, window, &scope).await {
        Ok(()) => {
            actions.log(&scope, &format!("test step completed {scope}"));
            Ok(())
        }
        Err(failure) => {
            actions.log(&scope, &format!("test step failed {scope}"));
            let collectors = step
                .test_assert
                .as_ref()
                .map_or(&[][..], |settings| &settings.value.collectors);
            let collected = actions.collect(collectors, &scope).await;
            Err(StepFailure::Window(failure, collected))
        }
    }
}

/// The assert window in seconds: the step's `TestAssert` timeout, else the step timeout.
fn window_seconds(step: &Step, step_timeout: i64) -> i64 {
    match step
        .test_assert
        .as_ref()
        .map_or(0, |settings| settings.value.timeout)
    {
        0 => step_timeout,
        seconds => seconds,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde_json::json;

    use super::*;
    use crate::config::{TestAssert, TestStep};
    use crate::load::{Located, Source};
    use crate::run::error::{CommandError, WriteError};

    /// Records each action and fails those whose name is in `failing`.
    #[derive(Default)]
    struct Recorded {
        calls: Mutex<Vec<String>>,
        failing: Vec<&'static str>,
    }

    impl Recorded {
        fn failing(failing: &[&'static str]) -> Self {
            Self {
                failing: failing.to_vec(),
                ..Self::default()
            }
        }

        /// Records `call`; `Err(call)` when it is to fail.
        fn call(&self, call: String) -> Result<(), String> {
            let failed = self.failing.iter().any(|f| call.starts_with(f));
            self.calls.lock().unwrap().push(call.clone());
            match failed {
                true => Err(call),
                false => Ok(()),
            }
        }

        fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }
    }

    impl Actions for Recorded {
        fn log(&self, _scope: &str, line: &str) {
            self.calls.lock().unwrap().push(format!("log {line}"));
        }

        async fn delete(
            &self,
            references: &[ObjectReference],
            _scope: &str,
            _deadline: Instant,
        ) -> Result<(), ActionError> {
            self.call(format!("delete {}", references.len()))
                .map_err(|last| ActionError::DeleteTimeout { last })
        }

        async fn commands(
            &self,
            commands: &[Command],
            timeout: i64,
            _scope: &str,
        ) -> Result<(), ActionError> {
            self.call(format!("commands {} in {timeout}s", commands.len()))
                .map_err(command_failed)
        }

        async fn apply(
            &self,
            object: &Object,
            _scope: &str,
            _deadline: Instant,
        ) -> Result<(), ActionError> {
            self.call(format!("apply {}", object.value["metadata"]["name"]))
                .map_err(apply_failed)
        }

        async fn window(
            &self,
            _step: &Step,
            window: Duration,
            _scope: &str,
        ) -> Result<(), WindowFailure> {
            self.call(format!("window {}s", window.as_secs()))
                .map_err(|_| WindowFailure {
                    failures: Vec::new(),
                    timeline: Default::default(),
                    window,
                    checks: 1,
                })
        }

        async fn collect(&self, collectors: &[TestCollector], _scope: &str) -> Option<String> {
            self.call(format!("collect {}", collectors.len())).ok();
            Some("collected".into())
        }
    }

    fn command_failed(summary: String) -> ActionError {
        CommandError::Failed {
            summary,
            status: "exit status 1".into(),
        }
        .into()
    }

    fn apply_failed(name: String) -> ActionError {
        ActionError::Apply {
            gvk: "/v1, Kind=ConfigMap".into(),
            name,
            file: "00-step.yaml:1".into(),
            reason: WriteError::Rejected("invalid".into()),
        }
    }

    fn located<T>(value: T) -> Located<T> {
        Located {
            value,
            source: Source {
                path: "00-step.yaml".into(),
                line: 1,
            },
        }
    }

    /// A step with a TestStep (one delete, two commands), two objects to apply, and a TestAssert
    /// with `assert_timeout` and one collector.
    fn step(assert_timeout: i64) -> Step {
        Step {
            index: 0,
            name: "step".into(),
            test_step: Some(located(TestStep {
                delete: vec![ObjectReference::default()],
                commands: vec![Command::default(), Command::default()],
                ..TestStep::default()
            })),
            test_assert: Some(located(TestAssert {
                timeout: assert_timeout,
                collectors: vec![TestCollector::default()],
                ..TestAssert::default()
            })),
            apply: ["a", "b"]
                .map(|name| located(json!({"metadata": {"name": name}})))
                .to_vec(),
            ..Step::default()
        }
    }

    fn actions_of(recorded: &Recorded) -> Vec<String> {
        recorded
            .calls()
            .into_iter()
            .filter(|call| !call.starts_with("log "))
            .collect()
    }

    #[tokio::test]
    async fn delete_then_commands_then_apply_then_the_window() {
        let recorded = Recorded::default();
        assert!(run_with(&recorded, &step(0), 30).await.is_ok());
        assert_eq!(
            recorded.calls(),
            [
                "log starting test step 0-step",
                "delete 1",
                "commands 2 in 30s",
                "apply \"a\"",
                "apply \"b\"",
                "window 30s",
                "log test step completed 0-step",
            ]
        );
    }

    #[tokio::test]
    async fn the_assert_timeout_sets_the_window_when_not_zero() {
        let recorded = Recorded::default();
        assert!(run_with(&recorded, &step(5), 30).await.is_ok());
        assert!(recorded.calls().contains(&"window 5s".to_string()));
    }

    #[tokio::test]
    async fn a_failed_delete_stops_the_step_at_once() {
        let recorded = Recorded::failing(&["delete"]);
        let Err(StepFailure::Actions(errors)) = run_with(&recorded, &step(0), 30).await else {
            panic!("the step must fail in its actions");
        };
        assert_eq!(
            errors,
            [ActionError::DeleteTimeout {
                last: "delete 1".into()
            }]
        );
        assert_eq!(actions_of(&recorded), ["delete 1"]);
    }

    #[tokio::test]
    async fn a_failed_command_still_applies_then_fails_without_checking() {
        let recorded = Recorded::failing(&["commands", "apply \"a\""]);
        let Err(StepFailure::Actions(errors)) = run_with(&recorded, &step(0), 30).await else {
            panic!("the step must fail in its actions");
        };
        assert_eq!(
            errors,
            [
                command_failed("commands 2 in 30s".into()),
                apply_failed("apply \"a\"".into())
            ]
        );
        assert_eq!(
            actions_of(&recorded),
            [
                "delete 1",
                "commands 2 in 30s",
                "apply \"a\"",
                "apply \"b\""
            ]
        );
        assert!(
            recorded
                .calls()
                .contains(&"log test step failed 0-step".to_string())
        );
    }

    #[tokio::test]
    async fn a_failed_window_runs_the_collectors() {
        let recorded = Recorded::failing(&["window"]);
        let Err(StepFailure::Window(failure, collected)) = run_with(&recorded, &step(0), 30).await
        else {
            panic!("the step must fail in its window");
        };
        assert_eq!(failure.window, Duration::from_secs(30));
        assert_eq!(collected.as_deref(), Some("collected"));
        assert_eq!(actions_of(&recorded).last().unwrap(), "collect 1");
    }

    #[tokio::test]
    async fn a_step_of_only_asserts_goes_straight_to_the_window() {
        let recorded = Recorded::default();
        let step = Step {
            index: 1,
            name: "check".into(),
            ..Step::default()
        };
        assert!(run_with(&recorded, &step, 10).await.is_ok());
        assert_eq!(actions_of(&recorded), ["window 10s"]);
    }
}
