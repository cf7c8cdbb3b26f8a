//! This repository's own KUTTL corpus and typed tests, run as cargo trials.

mod typed;

fn main() -> std::process::ExitCode {
    kuttl::Harness::from_collection("suites/kuttl.yaml")
        .typed_test(
            "apps",
            "statefulset-status-lifecycle",
            typed::statefulset_status::statefulset_status,
        )
        .typed_test("core", "typed-waits", typed::waits::condition_and_deletion)
        .fixture(
            kuttl::FixtureScope::suite("hooks"),
            "gadgets",
            typed::fixtures::gadgets,
        )
        .run()
}
