//! Running the harness in a bench as `cargo test -- --include-ignored` would, with libtest's
//! output in a log file; and a cluster cleared of the namespaces benches leave before a figure is
//! taken.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, ListParams};
use kube::{Api, Client};

/// The namespaces benches make: tests' own, and the floor's.
const BENCH_NAMESPACES: [&str; 2] = ["kuttl-test-", "kuttl-bench-floor-"];
/// How long the namespace controller may take to finalize them.
const CLEAR_LIMIT: Duration = Duration::from_secs(600);

/// A count from the environment variable `name` (`BENCH_TESTS`), else `default`.
pub fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// One run of a collection's cluster trials.
pub struct Run {
    pub code: ExitCode,
    pub wall: Duration,
    /// libtest's `test result: …` line.
    pub summary: String,
}

/// Runs the cluster trials of the collection file `collection`, libtest's output going to `log`.
pub fn run_collection(collection: &Path, log: &Path) -> Run {
    let argv = [
        "kuttl",
        "--include-ignored",
        "--skip",
        "::load",
        "--logfile",
        &log.display().to_string(),
    ]
    .map(str::to_string);
    let start = Instant::now();
    let code = kuttl::Harness::from_collection(collection).run_with_args(argv);
    let wall = start.elapsed();
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let summary = text
        .lines()
        .find(|line| line.starts_with("test result"))
        .unwrap_or("no summary")
        .to_string();
    Run {
        code,
        wall,
        summary,
    }
}

/// Deletes every namespace a bench may have made (`kuttl-test-*`, `kuttl-bench-floor-*`) and
/// waits until all are gone, then prints how long that took. Called before each figure and before
/// a bench exits: namespaces still finalizing slow down the namespace controller's next ones, and
/// so the next figure, of this bench or another.
pub fn clear_namespaces() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    runtime.block_on(async {
        let client = Client::try_default()
            .await
            .expect("a cluster in KUBECONFIG");
        let api: Api<Namespace> = Api::all(client);
        let start = Instant::now();
        let mut found = None;
        loop {
            let left: Vec<Namespace> = api
                .list(&ListParams::default())
                .await
                .expect("namespaces")
                .items
                .into_iter()
                .filter(|ns| {
                    let name = ns.metadata.name.as_deref().unwrap_or_default();
                    BENCH_NAMESPACES
                        .iter()
                        .any(|prefix| name.starts_with(prefix))
                })
                .collect();
            let found = *found.get_or_insert(left.len());
            if left.is_empty() {
                println!(
                    "namespaces: {found} deleted and gone in {:.2} s",
                    start.elapsed().as_secs_f64()
                );
                return;
            }
            assert!(
                start.elapsed() < CLEAR_LIMIT,
                "{} namespaces still there after {} s",
                left.len(),
                CLEAR_LIMIT.as_secs()
            );
            for ns in left
                .iter()
                .filter(|ns| ns.metadata.deletion_timestamp.is_none())
            {
                let name = ns.metadata.name.as_deref().unwrap_or_default();
                let _ = api.delete(name, &DeleteParams::background()).await;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
}
