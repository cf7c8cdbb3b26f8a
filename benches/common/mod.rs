//! Running the harness in a bench as `cargo test -- --include-ignored` would, with libtest's
//! output in a log file.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

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
