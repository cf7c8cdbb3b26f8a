//! How long `--list` takes over a generated tree of 10,000 KUTTL tests (target: under 300 ms), and
//! how long `--exact` takes to find one of them. Prints figures; asserts nothing about time.
//!
//! `cargo bench --bench list`

use std::path::Path;
use std::time::{Duration, Instant};

const SUITES: usize = 10;
const TESTS_PER_SUITE: usize = 1_000;
const RUNS: usize = 7;

fn main() {
    let root = tempfile::tempdir().expect("a temporary folder");
    generate(root.path());
    let collection = root.path().join("kuttl.yaml");
    let log = root.path().join("list.log");

    let (listed, list_times) = time_runs(&collection, &log, &["--list"]);
    let (_, exact_times) = time_runs(
        &collection,
        &log,
        &["--list", "--exact", "suite-07::test-0500"],
    );
    println!(
        "--list: {listed} trials for {} tests; median {:.1} ms, min {:.1} ms over {RUNS} runs",
        SUITES * TESTS_PER_SUITE,
        ms(median(&list_times)),
        ms(list_times[0])
    );
    println!(
        "--list --exact one test: median {:.2} ms, min {:.2} ms over {RUNS} runs",
        ms(median(&exact_times)),
        ms(exact_times[0])
    );
}

fn generate(root: &Path) {
    let suites: Vec<String> = (0..SUITES).map(|s| format!("suite-{s:02}")).collect();
    let collection = format!(
        "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs:\n{}",
        suites
            .iter()
            .map(|s| format!("  - {s}\n"))
            .collect::<String>()
    );
    std::fs::write(root.join("kuttl.yaml"), collection).expect("collection written");
    for suite in &suites {
        for test in 0..TESTS_PER_SUITE {
            let dir = root.join(suite).join(format!("test-{test:04}"));
            std::fs::create_dir_all(&dir).expect("test folder");
            std::fs::write(
                dir.join("00-configmap.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
            )
            .expect("step file");
        }
    }
}

/// Runs the harness `RUNS` times; returns the listed count and the sorted durations.
fn time_runs(collection: &Path, log: &Path, args: &[&str]) -> (usize, Vec<Duration>) {
    let mut times = Vec::new();
    let mut listed = 0;
    for _ in 0..RUNS {
        let argv = ["kuttl", "--logfile", &log.display().to_string()]
            .into_iter()
            .chain(args.iter().copied())
            .map(str::to_string)
            .collect::<Vec<_>>();
        let start = Instant::now();
        let _ = kuttl::Harness::from_collection(collection).run_with_args(argv);
        times.push(start.elapsed());
        listed = std::fs::read_to_string(log)
            .expect("list output")
            .lines()
            .filter(|line| line.ends_with(": test"))
            .count();
    }
    times.sort();
    (listed, times)
}

fn median(times: &[Duration]) -> Duration {
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
