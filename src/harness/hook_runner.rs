//! Running a run's hooks: each hook's record, and what its activities left running (background
//! commands) kept until the after hook of its scope, or the end of the run, stops it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use super::records::Records;
use crate::cluster::Cluster;
use crate::load::{LoadedHook, Masks};
use crate::run::{self, HookOutcome, HookRecord, HookRun};

/// The hooks that ran, by suite (`None`: the collection).
#[derive(Default)]
pub(crate) struct HookRunner {
    running: Mutex<HashMap<Option<String>, Vec<HookRun>>>,
}

impl HookRunner {
    /// Runs `hook` of the scope `suite` (`None`: the collection) on `cluster` with `timeout`
    /// seconds and the collection's `masks`, and records it.
    pub(crate) async fn run(
        &self,
        hook: &LoadedHook,
        suite: Option<&str>,
        cluster: Arc<Cluster>,
        (timeout, masks): (i64, Arc<Masks>),
        records: &Records,
    ) -> HookOutcome {
        let point = hook.hook.point.field();
        let name = suite.map_or_else(|| point.to_string(), |suite| format!("{suite}::{point}"));
        let started = SystemTime::now();
        let clock = Instant::now();
        let (result, run) = run::run_hook(cluster, hook, &name, timeout, masks).await;
        run::note(|| match &result {
            Ok(()) => format!("ran {name}"),
            Err(_) => format!("{name} failed (its failure is in the report)"),
        });
        records.hook(HookRecord {
            name,
            suite: suite.map(str::to_string),
            source: hook.hook.source.to_string(),
            started,
            duration: clock.elapsed(),
            failure: result.as_ref().err().cloned(),
            requests: run.as_ref().map(HookRun::requests).unwrap_or_default(),
        });
        self.lock()
            .entry(suite.map(str::to_string))
            .or_default()
            .extend(run);
        result
    }

    /// A scope has ended: stops the background commands its hooks started.
    pub(crate) async fn end_scope(&self, suite: Option<&str>) {
        let ended = self
            .lock()
            .remove(&suite.map(str::to_string))
            .unwrap_or_default();
        for run in ended {
            run.stop().await;
        }
    }

    /// The run has ended: stops whatever hooks left running (a before hook without an after hook).
    pub(crate) async fn end_all(&self) {
        let runs: Vec<HookRun> = self.lock().drain().flat_map(|(_, runs)| runs).collect();
        for run in runs {
            run.stop().await;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Option<String>, Vec<HookRun>>> {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
