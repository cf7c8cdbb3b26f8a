//! What this build of kuttl-rs is, from `build.rs`: for the per-test User-Agent and the reports.

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit the crate was built from (`unknown` outside a checkout, `-dirty` when modified).
pub const GIT_COMMIT: &str = env!("KUTTL_RS_GIT_COMMIT");

/// The User-Agent of the requests a test sends, in APISnoop's shape:
/// `kuttl-rs/<version> (<os>/<arch>) <commit> -- <suite>::<test>`.
pub fn user_agent(trial_name: &str) -> String {
    format!("{} -- {trial_name}", product())
}

/// `kuttl-rs/<version> (<os>/<arch>) <commit>`: the User-Agent of requests no test owns, such as
/// downloads of remote suites.
pub fn product() -> String {
    format!(
        "kuttl-rs/{VERSION} ({}/{}) {GIT_COMMIT}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_names_version_platform_commit_and_test() {
        let agent = user_agent("apps::basic");
        assert!(
            agent.starts_with(&format!("kuttl-rs/{VERSION} (")),
            "{agent}"
        );
        assert!(
            agent.ends_with(&format!(") {GIT_COMMIT} -- apps::basic")),
            "{agent}"
        );
        assert!(!GIT_COMMIT.is_empty());
    }
}
