//! The run's Rust fixtures: their definitions (from `Harness::fixture`), their values while their
//! scope is open, and running their set-ups and teardowns with hook records, so that reports show
//! them as they show hooks.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use futures::future::BoxFuture;

use super::records::Records;
use crate::fixture::{Fixture, FixtureContext, FixtureError, FixtureScope};
use crate::run::{HookFailure, HookOutcome, HookRecord};

/// A fixture's value, type-erased, with its type's name.
type Value = Arc<dyn Any + Send + Sync>;

/// A fixture as registered: its scope, its name, and its set-up.
#[derive(Clone)]
pub(crate) struct Definition {
    pub scope: FixtureScope,
    pub name: String,
    /// `file:line` of the `Harness::fixture` call.
    pub source: String,
    pub set_up:
        Arc<dyn Fn(FixtureContext) -> BoxFuture<'static, Result<SetUp, String>> + Send + Sync>,
}

/// What a set-up gave: the value, its type, and its teardown.
pub(crate) struct SetUp {
    value: Value,
    type_id: TypeId,
    teardown: Option<BoxFuture<'static, Result<(), String>>>,
}

impl SetUp {
    pub(crate) fn new<T: Send + Sync + 'static>(fixture: Fixture<T>) -> Self {
        Self {
            value: Arc::new(fixture.value),
            type_id: TypeId::of::<T>(),
            teardown: fixture.teardown,
        }
    }
}

/// A fixture whose scope is open.
struct Live {
    name: String,
    source: String,
    value: Value,
    type_id: TypeId,
    teardown: Option<BoxFuture<'static, Result<(), String>>>,
}

/// The run's fixtures.
#[derive(Default)]
pub(crate) struct Fixtures {
    defined: Vec<Definition>,
    live: Mutex<HashMap<FixtureScope, Vec<Live>>>,
}

impl Fixtures {
    pub(crate) fn new(defined: Vec<Definition>) -> Self {
        Self {
            defined,
            live: Mutex::default(),
        }
    }

    /// Whether `scope` has fixtures.
    pub(crate) fn any_in(&self, scope: &FixtureScope) -> bool {
        self.defined.iter().any(|d| &d.scope == scope)
    }

    /// Sets up the fixtures of `scope`, in the order they were registered; the first that fails
    /// ends the set-up with its failure (those already set up stay, for the teardown).
    pub(crate) async fn set_up(
        &self,
        scope: &FixtureScope,
        client: &kube::Client,
        records: &Records,
    ) -> HookOutcome {
        for definition in self.defined.iter().filter(|d| &d.scope == scope) {
            let name = record_name(scope, &definition.name);
            let started = SystemTime::now();
            let clock = Instant::now();
            let context = FixtureContext::new(client.clone(), scope.clone());
            let outcome = (definition.set_up)(context)
                .await
                .map_err(|err| failure(&name, &definition.source, "set-up", err));
            records.hook(HookRecord {
                name: name.clone(),
                suite: suite_of(scope),
                source: definition.source.clone(),
                started,
                duration: clock.elapsed(),
                failure: outcome.as_ref().err().cloned(),
                requests: Vec::new(),
            });
            let set_up = outcome?;
            self.lock().entry(scope.clone()).or_default().push(Live {
                name: definition.name.clone(),
                source: definition.source.clone(),
                value: set_up.value,
                type_id: set_up.type_id,
                teardown: set_up.teardown,
            });
        }
        Ok(())
    }

    /// Tears down the fixtures of `scope` that were set up, the last set up first; all of them,
    /// whatever fails. The first failure is the outcome.
    pub(crate) async fn tear_down(&self, scope: &FixtureScope, records: &Records) -> HookOutcome {
        let live = self.lock().remove(scope).unwrap_or_default();
        let mut outcome = Ok(());
        for fixture in live.into_iter().rev() {
            let Some(teardown) = fixture.teardown else {
                continue;
            };
            let name = format!("{} teardown", record_name(scope, &fixture.name));
            let started = SystemTime::now();
            let clock = Instant::now();
            let result = teardown
                .await
                .map_err(|err| failure(&name, &fixture.source, "teardown", err));
            records.hook(HookRecord {
                name,
                suite: suite_of(scope),
                source: fixture.source.clone(),
                started,
                duration: clock.elapsed(),
                failure: result.as_ref().err().cloned(),
                requests: Vec::new(),
            });
            if outcome.is_ok() {
                outcome = result;
            }
        }
        outcome
    }

    /// The value of type `T` a trial of `suite` sees: its suite's fixture, else the collection's.
    pub(crate) fn value<T: Send + Sync + 'static>(
        &self,
        suite: &str,
    ) -> Result<Arc<T>, FixtureError> {
        let live = self.lock();
        let scopes = [FixtureScope::suite(suite), FixtureScope::Collection];
        scopes
            .iter()
            .filter_map(|scope| live.get(scope))
            .flatten()
            .find(|fixture| fixture.type_id == TypeId::of::<T>())
            .and_then(|fixture| Arc::clone(&fixture.value).downcast::<T>().ok())
            .ok_or_else(|| FixtureError::new(std::any::type_name::<T>(), suite))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<FixtureScope, Vec<Live>>> {
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The name a fixture is reported under: `greetings::fixture controller`.
fn record_name(scope: &FixtureScope, name: &str) -> String {
    match scope {
        FixtureScope::Suite(suite) => format!("{suite}::fixture {name}"),
        _ => format!("fixture {name}"),
    }
}

fn suite_of(scope: &FixtureScope) -> Option<String> {
    match scope {
        FixtureScope::Suite(suite) => Some(suite.clone()),
        _ => None,
    }
}

fn failure(name: &str, source: &str, activity: &str, summary: String) -> HookFailure {
    HookFailure {
        source: Some(source.to_string()),
        ..HookFailure::not_started(name, activity, summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    /// A client of an address nothing listens on: the fixtures here send no request.
    fn client() -> kube::Client {
        let config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
        kube::Client::try_from(config).unwrap()
    }

    /// A fixture `name` of `scope` whose value is `value`; its teardown logs to `torn_down`, and
    /// fails when `value` is 0.
    fn defined(
        scope: FixtureScope,
        name: &str,
        value: u32,
        torn_down: &Arc<Mutex<Vec<String>>>,
    ) -> Definition {
        let (name, torn_down) = (name.to_string(), Arc::clone(torn_down));
        Definition {
            scope,
            name: name.clone(),
            source: "tests/e2e.rs:7".into(),
            set_up: Arc::new(move |_ctx| {
                let (name, torn_down) = (name.clone(), Arc::clone(&torn_down));
                Box::pin(async move {
                    if value == 99 {
                        return Err("no controller".to_string());
                    }
                    Ok(SetUp::new(Fixture::new(value).with_teardown(async move {
                        torn_down.lock().unwrap().push(name);
                        match value {
                            0 => Err("still running"),
                            _ => Ok(()),
                        }
                    })))
                })
            }),
        }
    }

    #[tokio::test]
    async fn a_trial_sees_its_suites_fixture_first_then_the_collections() {
        let torn_down = Arc::default();
        let fixtures = Fixtures::new(vec![
            defined(FixtureScope::Collection, "shared", 1, &torn_down),
            defined(FixtureScope::suite("apps"), "controller", 2, &torn_down),
        ]);
        let records = Records::new();
        fixtures
            .set_up(&FixtureScope::Collection, &client(), &records)
            .await
            .unwrap();
        fixtures
            .set_up(&FixtureScope::suite("apps"), &client(), &records)
            .await
            .unwrap();

        assert_eq!(*fixtures.value::<u32>("apps").unwrap(), 2);
        assert_eq!(*fixtures.value::<u32>("core").unwrap(), 1);
        let missing = fixtures.value::<String>("apps").unwrap_err();
        assert!(
            missing.to_string().contains("alloc::string::String"),
            "{missing}"
        );

        fixtures
            .tear_down(&FixtureScope::suite("apps"), &records)
            .await
            .unwrap();
        assert_eq!(
            *fixtures.value::<u32>("apps").unwrap(),
            1,
            "the suite's is gone"
        );
        let names: Vec<String> = records.all().1.into_iter().map(|h| h.name).collect();
        assert_eq!(
            names,
            [
                "fixture shared",
                "apps::fixture controller",
                "apps::fixture controller teardown"
            ]
        );
    }

    #[tokio::test]
    async fn every_fixture_is_torn_down_last_first_and_the_first_failure_is_the_outcome() {
        let torn_down = Arc::default();
        let apps = FixtureScope::suite("apps");
        let fixtures = Fixtures::new(vec![
            defined(apps.clone(), "database", 3, &torn_down),
            defined(apps.clone(), "controller", 0, &torn_down),
            defined(apps.clone(), "webhook", 99, &torn_down),
        ]);
        let records = Records::new();

        let set_up = fixtures
            .set_up(&apps, &client(), &records)
            .await
            .unwrap_err();
        let torn = fixtures.tear_down(&apps, &records).await.unwrap_err();

        assert_eq!(
            (set_up.scope.as_str(), set_up.summary.as_str()),
            ("apps::fixture webhook", "no controller")
        );
        assert_eq!(torn.summary, "still running");
        assert_eq!(*torn_down.lock().unwrap(), ["controller", "database"]);
        let failed: Vec<bool> = records
            .all()
            .1
            .iter()
            .map(|h| h.failure.is_some())
            .collect();
        assert_eq!(
            failed,
            [false, false, true, true, false],
            "set-ups, then teardowns"
        );
    }
}
