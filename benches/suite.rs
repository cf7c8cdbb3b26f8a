//! A generated suite against a real cluster, and the floor it is measured against (target: at most
//! 1.05 × the floor).
//!
//! `KUBECONFIG=... cargo bench --bench suite` (`BENCH_TESTS`, default 100).
//!
//! The corpus: each test creates a ConfigMap (step 0), asserts it (step 1), updates it and asserts
//! the update (step 2), at `parallel: 8`, with `skipDelete` so namespace deletion (the namespace
//! controller's pace, not ours) stays out of the figures; before each figure and at the end, the
//! namespaces are deleted and waited for until gone.
//! The timed run has coverage off; a second run with coverage on gives each test's requests by
//! operation (they are the same requests). The floor replays, with one bare
//! kube client and the same parallelism, each test's requests operation by operation (a watch is
//! replayed as a plain list, which costs the server less), in fresh namespaces.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use kube::{Api, Client};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

const PARALLEL: usize = 8;
const RUNS: usize = 3;

fn main() {
    let tests = common::setting("BENCH_TESTS", 100);
    let root = tempfile::tempdir().expect("a temporary folder");
    generate(root.path(), tests);
    let out = root.path().join("out");
    let run = |collection: &str| {
        common::clear_namespaces();
        let run =
            common::run_collection(&root.path().join(collection), &root.path().join("run.log"));
        println!(
            "kuttl-rs ({collection}): {} (exit {:?})",
            run.summary, run.code
        );
        run.wall
    };
    // Timed without coverage (recording requests and fetching /openapi/v2 are not test work);
    // the same run with coverage gives the requests per test.
    let mut kuttl_times: Vec<Duration> = (0..RUNS).map(|_| run("kuttl.yaml")).collect();
    run("kuttl-coverage.yaml");

    let coverage: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("coverage.json")).expect("coverage.json"),
    )
    .expect("JSON");
    let per_test: Vec<BTreeMap<String, usize>> = coverage["tests"]
        .as_object()
        .expect("tests")
        .iter()
        .filter(|(name, _)| name.starts_with("bench::"))
        .map(|(_, ops)| serde_json::from_value(ops.clone()).expect("counts"))
        .collect();
    let requests: usize = per_test.iter().flat_map(|ops| ops.values()).sum();
    let steps = per_test.len() * 3;
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    for ops in &per_test {
        for (op, count) in ops {
            *totals.entry(op.clone()).or_default() += count;
        }
    }

    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let client = runtime
        .block_on(Client::try_default())
        .expect("a cluster in KUBECONFIG");
    let mut floor_times: Vec<Duration> = (0..RUNS)
        .map(|round| {
            common::clear_namespaces();
            runtime.block_on(replay(client.clone(), &per_test, round))
        })
        .collect();
    kuttl_times.sort();
    floor_times.sort();
    let (kuttl_time, floor_time) = (kuttl_times[RUNS / 2], floor_times[RUNS / 2]);
    common::clear_namespaces();

    println!(
        "{} tests x 3 steps, parallel {PARALLEL}: {requests} requests, {:.1} requests per step",
        per_test.len(),
        requests as f64 / steps as f64
    );
    println!("requests by operation: {totals:?}");
    println!(
        "median wall time of {RUNS} runs: kuttl-rs {:.2} s, floor (same requests, bare client) {:.2} s, ratio {:.2}",
        kuttl_time.as_secs_f64(),
        floor_time.as_secs_f64(),
        kuttl_time.as_secs_f64() / floor_time.as_secs_f64()
    );
}

fn generate(root: &std::path::Path, tests: usize) {
    let collection = format!(
        "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [bench]\nparallel: {PARALLEL}\nskipDelete: true\n"
    );
    std::fs::write(root.join("kuttl.yaml"), &collection).expect("collection");
    std::fs::write(
        root.join("kuttl-coverage.yaml"),
        format!("{collection}coverage: true\nartifactsDir: out\n"),
    )
    .expect("collection");
    let configmap = |value: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    kuttl-bench: suite\ndata:\n  v: \"{value}\"\n"
        )
    };
    for test in 0..tests {
        let dir = root.join("bench").join(format!("t-{test:03}"));
        std::fs::create_dir_all(&dir).expect("test folder");
        for (name, text) in [
            ("00-create.yaml", configmap("0")),
            ("01-assert.yaml", configmap("0")),
            ("02-update.yaml", configmap("1")),
            ("02-assert.yaml", configmap("1")),
        ] {
            std::fs::write(dir.join(name), text).expect("step file");
        }
    }
}

/// Replays each test's operations with one client, `PARALLEL` tests at a time; returns the wall time.
async fn replay(client: Client, per_test: &[BTreeMap<String, usize>], round: usize) -> Duration {
    let permits = Arc::new(Semaphore::new(PARALLEL));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (index, ops) in per_test.iter().enumerate() {
        let (client, ops, permits) = (client.clone(), ops.clone(), Arc::clone(&permits));
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire().await.expect("semaphore");
            replay_test(
                client,
                &format!("kuttl-bench-floor-{round}-{index:03}"),
                &ops,
            )
            .await;
        }));
    }
    for task in tasks {
        task.await.expect("replay task");
    }
    start.elapsed()
}

async fn replay_test(client: Client, namespace: &str, ops: &BTreeMap<String, usize>) {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let count = |op: &str| ops.get(op).copied().unwrap_or(0);
    let body = |value: &str| -> ConfigMap {
        serde_json::from_value(json!({"metadata": {"name": "c"}, "data": {"v": value}}))
            .expect("ConfigMap")
    };
    for _ in 0..count("createCoreV1Namespace") {
        let ns: Namespace =
            serde_json::from_value(json!({"metadata": {"name": namespace}})).expect("Namespace");
        namespaces
            .create(&PostParams::default(), &ns)
            .await
            .expect("namespace created");
    }
    for _ in 0..count("getCoreV1APIResources") {
        let request = http::Request::get("/api/v1")
            .body(Vec::new())
            .expect("request");
        client.request_text(request).await.expect("discovery");
    }
    for _ in 0..count("createCoreV1NamespacedConfigMap") {
        configmaps
            .create(&PostParams::default(), &body("0"))
            .await
            .expect("created");
    }
    for _ in 0..count("patchCoreV1NamespacedConfigMap") {
        configmaps
            .patch(
                "c",
                &PatchParams::default(),
                &Patch::Merge(json!({"data": {"v": "1"}})),
            )
            .await
            .expect("patched");
    }
    for _ in 0..count("readCoreV1NamespacedConfigMap") {
        let _ = configmaps.get_opt("c").await.expect("read");
    }
    for _ in 0..count("listCoreV1NamespacedConfigMap") {
        configmaps
            .list(&ListParams::default())
            .await
            .expect("listed");
    }
    for _ in 0..count("readCoreV1Namespace") {
        let _ = namespaces.get_opt(namespace).await.expect("namespace read");
    }
}
