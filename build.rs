//! Build provenance for the per-test User-Agent and the reports: the crate version, the git commit
//! this crate was built from (when it is built from a git checkout of kuttl-rs itself, with
//! `-dirty` for uncommitted changes), passed to the crate as a compile-time environment variable.

use std::path::Path;
use std::process::Command;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let git_dir = Path::new(&manifest_dir).join(".git");
    // Only a checkout of this crate has its own .git; from crates.io there is no commit to report,
    // and asking git there would find whatever repository encloses the registry.
    let commit = if git_dir.exists() {
        println!("cargo::rerun-if-changed=.git/HEAD");
        println!("cargo::rerun-if-changed=.git/refs/heads");
        git(&manifest_dir, &["rev-parse", "--short=12", "HEAD"])
    } else {
        None
    };
    let dirty = commit.is_some()
        && git(
            &manifest_dir,
            &["status", "--porcelain", "--untracked-files=no"],
        )
        .is_some_and(|s| !s.is_empty());
    let commit = match commit {
        Some(commit) if dirty => format!("{commit}-dirty"),
        Some(commit) => commit,
        None => "unknown".to_string(),
    };
    println!("cargo::rustc-env=KUTTL_RS_GIT_COMMIT={commit}");
    println!("cargo::rerun-if-changed=build.rs");
}

fn git(dir: &str, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}
