//! Runs the kuttl-rs harness in-process on a fixture collection, with libtest's output sent to a
//! file (`--logfile`) so each test can read exactly what a user would see.
//!
//! Each test crate that includes this module uses part of it.
#![allow(dead_code)]

use std::process::ExitCode;

/// The harness's exit code and its output.
pub struct Run {
    pub code: ExitCode,
    pub output: String,
}

impl Run {
    /// The `name: test` lines of `--list`, in order.
    pub fn listed(&self) -> Vec<&str> {
        self.output
            .lines()
            .filter_map(|line| line.strip_suffix(": test"))
            .collect()
    }

    /// The outcome libtest printed for a trial (`ok`, `FAILED`, `ignored`), if it ran.
    pub fn outcome(&self, name: &str) -> Option<&str> {
        self.output.lines().find_map(|line| {
            let rest = line.strip_prefix("test ")?.strip_prefix(name)?;
            rest.trim_start().strip_prefix("... ")
        })
    }

    /// The message of a failed trial, from the `failures:` section.
    pub fn failure_of(&self, name: &str) -> &str {
        let header = format!("---- {name} ----\n");
        let start = self
            .output
            .find(&header)
            .unwrap_or_else(|| panic!("no failure for {name}:\n{}", self.output));
        let rest = &self.output[start + header.len()..];
        let end = rest
            .find("\n---- ")
            .or_else(|| rest.find("\nfailures:"))
            .unwrap_or(rest.len());
        &rest[..end]
    }

    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.code == ExitCode::SUCCESS
    }
}

/// Runs the harness for `collection` with libtest arguments.
pub fn run(collection: &str, args: &[&str]) -> Run {
    run_harness(kuttl::Harness::from_collection(collection), args)
}

/// Runs `harness` with libtest arguments.
pub fn run_harness(harness: kuttl::Harness, args: &[&str]) -> Run {
    let log = tempfile::NamedTempFile::new().expect("a temporary file");
    let log_path = log.path().display().to_string();
    let argv = ["kuttl", "--logfile", &log_path]
        .into_iter()
        .chain(args.iter().copied())
        .map(str::to_string);
    let code = harness.run_with_args(argv);
    let output = std::fs::read_to_string(log.path()).expect("the log file");
    Run { code, output }
}
