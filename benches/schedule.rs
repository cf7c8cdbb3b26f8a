//! How close a multi-suite run comes to the schedule the cluster allows, against a real cluster
//! (target: wall time at most 1.2 × the ideal).
//!
//! `KUBECONFIG=... cargo bench --bench schedule` (`BENCH_SUITES`, default 3; `BENCH_TESTS` per
//! suite, default 12; `BENCH_PARALLEL`, default 4).
//!
//! The corpus: `BENCH_SUITES` suites of `BENCH_TESTS` tests, each test in a namespace of its own
//! (deleted at its end, as in any ordinary run) with two steps: create a ConfigMap, then assert it.
//! The second suite has `beforeSuite` and `afterSuite` hooks (a ConfigMap in `default`, created
//! and deleted). Each of `RUNS` runs writes a step-granularity JSON report, which gives every
//! test's work (namespace creation and steps) and its cleanup (namespace deletion until gone).
//!
//! Before each run and before it exits, the bench waits until the namespaces of earlier runs (its
//! own or another bench's) are gone, and prints how long that took.
//!
//! The ideal: ⌈tests / parallel⌉ × mean work + mean cleanup — every slot busy with test work, and
//! only the last tests' cleanup left at the end.

mod common;

use std::time::Duration;

use serde_json::Value;

const RUNS: usize = 3;
const HOOKED_SUITE: usize = 1;

struct Figures {
    wall: Duration,
    work: Vec<f64>,
    cleanup: Vec<f64>,
    failures: u64,
}

fn main() {
    let (suites, tests, parallel) = (
        common::setting("BENCH_SUITES", 3),
        common::setting("BENCH_TESTS", 12),
        common::setting("BENCH_PARALLEL", 4),
    );
    let root = tempfile::tempdir().expect("a temporary folder");
    generate(root.path(), suites, tests, parallel);
    let mut runs: Vec<Figures> = (0..RUNS)
        .map(|_| {
            common::clear_namespaces();
            run(root.path())
        })
        .collect();
    common::clear_namespaces();
    runs.sort_by_key(|figures| figures.wall);
    let median = &runs[RUNS / 2];
    let mean = |values: &[f64]| values.iter().sum::<f64>() / values.len().max(1) as f64;
    let (work, cleanup) = (mean(&median.work), mean(&median.cleanup));
    let total = suites * tests;
    let ideal = total.div_ceil(parallel) as f64 * work + cleanup;
    let wall = median.wall.as_secs_f64();
    println!(
        "{suites} suites x {tests} tests x 2 steps, parallel {parallel}, one suite with hooks; \
         median of {RUNS} runs (walls: {})",
        runs.iter()
            .map(|figures| format!("{:.2} s", figures.wall.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "wall {wall:.2} s; per test: work {work:.3} s, cleanup {cleanup:.3} s; \
         ideal {ideal:.2} s; wall / ideal {:.2}; failed tests {}",
        wall / ideal,
        median.failures
    );
}

/// Runs the corpus once with the harness, as `cargo test -- --include-ignored` would.
fn run(root: &std::path::Path) -> Figures {
    let run = common::run_collection(&root.join("kuttl.yaml"), &root.join("run.log"));
    let wall = run.wall;
    println!(
        "run: {} (exit {:?}) in {:.2} s",
        run.summary,
        run.code,
        wall.as_secs_f64()
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("out/kuttl-report.json")).expect("the JSON report"),
    )
    .expect("JSON");
    let mut figures = Figures {
        wall,
        work: Vec::new(),
        cleanup: Vec::new(),
        failures: report["failures"].as_u64().unwrap_or(0),
    };
    for suite in report["testsuite"].as_array().into_iter().flatten() {
        for test in suite["testsuite"].as_array().into_iter().flatten() {
            let (work, cleanup) = split_test_time(test);
            figures.work.push(work);
            figures.cleanup.push(cleanup);
        }
    }
    figures
}

/// A step-granularity test (`setup`, then a case per step): seconds from its start to the end of
/// its last step, and from there to its end.
fn split_test_time(test: &Value) -> (f64, f64) {
    let at = |value: &Value| {
        chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap_or_default())
            .map(|time| time.timestamp_nanos_opt().unwrap_or_default() as f64 / 1e9)
            .unwrap_or_default()
    };
    let secs = |value: &Value| {
        value
            .as_str()
            .and_then(|s| s.parse::<f64>().ok())
            .unwrap_or_default()
    };
    let started = at(&test["timestamp"]);
    let total = secs(&test["time"]);
    let work = test["testcase"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|case| at(&case["timestamp"]) + secs(&case["time"]) - started)
        .fold(0.0, f64::max);
    (work, (total - work).max(0.0))
}

fn generate(root: &std::path::Path, suites: usize, tests: usize, parallel: usize) {
    let names: Vec<String> = (0..suites).map(|s| format!("s{s}")).collect();
    std::fs::write(
        root.join("kuttl.yaml"),
        format!(
            "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [{}]\n\
             parallel: {parallel}\ntimeout: 60\nartifactsDir: out\nreportFormat: JSON\n\
             reportGranularity: step\n",
            names.join(", ")
        ),
    )
    .expect("collection");
    let configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  v: \"0\"\n";
    for (index, suite) in names.iter().enumerate() {
        let dir = root.join(suite);
        for test in 0..tests {
            let test_dir = dir.join(format!("t-{test:02}"));
            std::fs::create_dir_all(&test_dir).expect("test folder");
            std::fs::write(test_dir.join("00-create.yaml"), configmap).expect("step file");
            std::fs::write(test_dir.join("01-assert.yaml"), configmap).expect("step file");
        }
        if index == HOOKED_SUITE {
            write_hooks(&dir);
        }
    }
}

/// The hooked suite's `kuttl-testsuite.yaml`: a fixture ConfigMap made before and deleted after.
fn write_hooks(dir: &std::path::Path) {
    // Beside the suite folder: a folder inside it would be a test.
    let fixture = dir.with_extension("fixture");
    std::fs::create_dir_all(&fixture).expect("fixture folder");
    std::fs::write(
        fixture.join("configmap.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kuttl-bench-schedule\n  \
         namespace: default\n",
    )
    .expect("fixture");
    let fixture_name = fixture
        .file_name()
        .expect("a folder name")
        .to_string_lossy();
    std::fs::write(
        dir.join("kuttl-testsuite.yaml"),
        format!(
            "apiVersion: kuttl.dev/v1beta2\nkind: TestSuite\nbeforeSuite:\n  manifestDirs: [../{fixture_name}]\n\
         afterSuite:\n  delete:\n    - apiVersion: v1\n      kind: ConfigMap\n      \
         name: kuttl-bench-schedule\n      namespace: default\n"
        ),
    )
    .expect("suite file");
}
