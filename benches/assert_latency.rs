//! Time from another actor's update to the step that waits for it passing, against a real cluster
//! (target: p95 under 50 ms).
//!
//! `KUBECONFIG=... cargo bench --bench assert_latency`
//!
//! A generated suite of `RUNS` tests; each creates a ConfigMap (step 0), waits for `v: "1"` (step 1)
//! and then creates a marker ConfigMap (step 2). This program is the other actor: it watches every
//! namespace, patches `v: "1"` 200 ms after the ConfigMap appears (so step 1's window is open and has
//! checked once), and notes when the marker appears. Measured: patch response → marker seen, an upper
//! bound of update → step passed (it includes the marker's create request and its watch event).
//! The suite keeps its namespaces (skipDelete) so tests run back to back; they are deleted at the end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};

const RUNS: usize = 60;
const ACTOR_DELAY: Duration = Duration::from_millis(200);

#[derive(Default)]
struct Times {
    updated: Option<Instant>,
    passed: Option<Instant>,
}

type Seen = Arc<Mutex<HashMap<String, Times>>>;

fn main() {
    let root = tempfile::tempdir().expect("a temporary folder");
    generate(root.path());
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let seen: Seen = Arc::default();
    let client = runtime
        .block_on(Client::try_default())
        .expect("a cluster in KUBECONFIG");
    let actor = runtime.spawn(act(client.clone(), Arc::clone(&seen)));
    // Let the actor's watch start before the first test.
    std::thread::sleep(Duration::from_millis(500));

    let collection = root.path().join("kuttl.yaml");
    let log = root.path().join("run.log");
    let threads = std::env::var("BENCH_PARALLEL").unwrap_or_else(|_| "1".into());
    let argv = [
        "kuttl",
        "--include-ignored",
        "--test-threads",
        &threads,
        "--logfile",
        &log.display().to_string(),
        "--skip",
        "::load",
    ]
    .map(str::to_string);
    let harness =
        std::thread::spawn(move || kuttl::Harness::from_collection(collection).run_with_args(argv));
    let code = harness.join().expect("the harness thread");
    actor.abort();
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    let summary = output
        .lines()
        .find(|line| line.starts_with("test result"))
        .unwrap_or("no summary");

    let seen = std::mem::take(&mut *seen.lock().expect("the actor's times"));
    let mut latencies: Vec<Duration> = seen
        .values()
        .filter_map(|t| Some(t.passed?.saturating_duration_since(t.updated?)))
        .collect();
    latencies.sort();
    runtime.block_on(delete_namespaces(client, seen.keys()));

    println!("harness: {summary} (exit {code:?})");
    if latencies.is_empty() {
        println!("no measurement: {output}");
        return;
    }
    let pick = |q: f64| {
        latencies[((latencies.len() as f64 * q).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    println!(
        "update -> step passed, {} runs at --test-threads {threads}: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        latencies.len(),
        ms(pick(0.50)),
        ms(pick(0.95)),
        ms(pick(1.0))
    );
}

fn generate(root: &std::path::Path) {
    std::fs::write(
        root.join("kuttl.yaml"),
        "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [latency]\nskipDelete: true\n",
    )
    .expect("collection");
    let configmap = |name: &str, role: &str, value: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels:\n    kuttl-bench: {role}\ndata:\n  v: \"{value}\"\n"
        )
    };
    for run in 0..RUNS {
        let dir = root.join("latency").join(format!("run-{run:03}"));
        std::fs::create_dir_all(&dir).expect("test folder");
        let files = [
            ("00-target.yaml", configmap("target", "target", "0")),
            ("00-assert.yaml", configmap("target", "target", "0")),
            (
                "01-assert.yaml",
                format!(
                    "{}---\napiVersion: kuttl.dev/v1beta1\nkind: TestAssert\ntimeout: 20\n",
                    configmap("target", "target", "1")
                ),
            ),
            ("02-marker.yaml", configmap("passed", "passed", "1")),
        ];
        for (name, text) in files {
            std::fs::write(dir.join(name), text).expect("step file");
        }
    }
}

/// Watches the benchmark's ConfigMaps in every namespace: updates each target once, and notes when
/// each marker appears.
async fn act(client: Client, seen: Seen) {
    let api: Api<ConfigMap> = Api::all(client.clone());
    let mut events = watcher(api, watcher::Config::default().labels("kuttl-bench"))
        .applied_objects()
        .boxed();
    while let Some(Ok(configmap)) = events.next().await {
        let now = Instant::now();
        let namespace = configmap.metadata.namespace.clone().unwrap_or_default();
        let role = configmap
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("kuttl-bench"))
            .cloned();
        let mut seen_now = seen.lock().expect("times");
        let times = seen_now.entry(namespace.clone()).or_default();
        match role.as_deref() {
            Some("passed") if times.passed.is_none() => times.passed = Some(now),
            Some("target")
                if times.updated.is_none()
                    && configmap
                        .data
                        .as_ref()
                        .and_then(|d| d.get("v"))
                        .map(String::as_str)
                        == Some("0") =>
            {
                // Mark as claimed so later events for the same object do not patch again.
                times.updated = Some(now + Duration::from_secs(3600));
                let (client, seen) = (client.clone(), Arc::clone(&seen));
                tokio::spawn(async move {
                    tokio::time::sleep(ACTOR_DELAY).await;
                    let api: Api<ConfigMap> = Api::namespaced(client, &namespace);
                    let patch = serde_json::json!({"data": {"v": "1"}});
                    if api
                        .patch("target", &PatchParams::default(), &Patch::Merge(&patch))
                        .await
                        .is_ok()
                    {
                        seen.lock()
                            .expect("times")
                            .entry(namespace)
                            .or_default()
                            .updated = Some(Instant::now());
                    }
                });
            }
            _ => {}
        }
    }
}

async fn delete_namespaces(client: Client, names: impl Iterator<Item = &String>) {
    let api: Api<Namespace> = Api::all(client);
    for name in names {
        let _ = api.delete(name, &DeleteParams::background()).await;
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
