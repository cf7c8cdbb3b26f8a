//! This repository's own KUTTL corpus, run as cargo trials.

fn main() -> std::process::ExitCode {
    kuttl::Harness::from_collection("suites/kuttl.yaml").run()
}
