//! The same operations written as KUTTL tests and as Chainsaw tests, run on one cluster by the same
//! engine: what a suite pays for its format (Chainsaw's assertions poll every 50 ms where KUTTL's
//! watch).
//!
//! `KUBECONFIG=... cargo bench --bench chainsaw_format` (`BENCH_TESTS`, default 40).
//!
//! Each test creates a ConfigMap and asserts it, then updates it and asserts the update, at
//! `parallel: 8`, with `skipDelete` so namespace deletion (the namespace controller's pace, the
//! same for both) stays out of the figures; before each figure the namespaces are deleted and
//! waited for until gone. The formats take turns, three runs each; the medians are compared.

mod common;

use std::path::Path;
use std::time::Duration;

const PARALLEL: usize = 8;
const RUNS: usize = 3;

fn main() {
    let tests = common::setting("BENCH_TESTS", 40);
    let root = tempfile::tempdir().expect("a temporary folder");
    generate(root.path(), tests);
    let run = |format: &str| {
        common::clear_namespaces();
        let run = common::run_collection(
            &root.path().join(format!("{format}.yaml")),
            &root.path().join("run.log"),
        );
        println!("{format}: {} (exit {:?})", run.summary, run.code);
        run.wall
    };
    let (mut kuttl, mut chainsaw): (Vec<Duration>, Vec<Duration>) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        kuttl.push(run("kuttl"));
        chainsaw.push(run("chainsaw"));
    }
    common::clear_namespaces();
    kuttl.sort();
    chainsaw.sort();
    let (kuttl, chainsaw) = (kuttl[RUNS / 2], chainsaw[RUNS / 2]);
    println!(
        "{tests} tests x 2 steps, parallel {PARALLEL}, median wall time of {RUNS} runs: KUTTL format {:.2} s, Chainsaw format {:.2} s, ratio {:.2}",
        kuttl.as_secs_f64(),
        chainsaw.as_secs_f64(),
        chainsaw.as_secs_f64() / kuttl.as_secs_f64()
    );
}

/// Writes `kuttl.yaml` over the folder `kuttl` and `chainsaw.yaml` over the folder `chainsaw`,
/// each with `tests` tests of the same operations.
fn generate(root: &Path, tests: usize) {
    for format in ["kuttl", "chainsaw"] {
        std::fs::write(
            root.join(format!("{format}.yaml")),
            format!(
                "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [{format}]\nparallel: {PARALLEL}\nskipDelete: true\n"
            ),
        )
        .expect("collection");
    }
    let configmap = |value: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  v: \"{value}\"\n")
    };
    // A document under an operation's `resource:` (10 spaces in).
    let indented = |text: &str| {
        text.lines()
            .map(|line| format!("          {line}\n"))
            .collect::<String>()
    };
    for test in 0..tests {
        let name = format!("t-{test:03}");
        let kuttl = root.join("kuttl").join(&name);
        std::fs::create_dir_all(&kuttl).expect("test folder");
        for (file, text) in [
            ("00-create.yaml", configmap("0")),
            ("00-assert.yaml", configmap("0")),
            ("01-update.yaml", configmap("1")),
            ("01-assert.yaml", configmap("1")),
        ] {
            std::fs::write(kuttl.join(file), text).expect("step file");
        }
        let chainsaw = root.join("chainsaw").join(&name);
        std::fs::create_dir_all(&chainsaw).expect("test folder");
        let step = |value: &str| {
            format!(
                "  - try:\n    - apply:\n        resource:\n{0}    - assert:\n        resource:\n{0}",
                indented(&configmap(value))
            )
        };
        std::fs::write(
            chainsaw.join("chainsaw-test.yaml"),
            format!(
                "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: {name}\nspec:\n  steps:\n{}{}",
                step("0"),
                step("1")
            ),
        )
        .expect("test file");
    }
}
