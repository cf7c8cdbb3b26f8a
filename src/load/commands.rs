//! Load-time checks of `Command` and `TestAssertCommand` entries, so a malformed command fails the
//! load with its file and line instead of failing a step halfway through a run.

/// Checks the rules KUTTL enforces when it runs a command.
pub(crate) fn check(command: &str, script: &str, namespaced: bool) -> Result<(), String> {
    match (command.is_empty(), script.is_empty()) {
        (true, true) => Err("command or script must be set".into()),
        (false, false) => Err("command and script can not be set in the same configuration".into()),
        (true, false) if namespaced => Err(
            "script can not use 'namespaced', use the $NAMESPACE environment variable instead"
                .into(),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("kubectl get pods", "", false, None)]
    #[case("kubectl get pods", "", true, None)]
    #[case("", "echo hi", false, None)]
    #[case("", "", false, Some("command or script must be set"))]
    #[case(
        "ls",
        "echo",
        false,
        Some("command and script can not be set in the same configuration")
    )]
    #[case(
        "",
        "echo",
        true,
        Some("script can not use 'namespaced', use the $NAMESPACE environment variable instead")
    )]
    fn enforces_kuttl_rules(
        #[case] command: &str,
        #[case] script: &str,
        #[case] namespaced: bool,
        #[case] error: Option<&str>,
    ) {
        assert_eq!(
            check(command, script, namespaced),
            error.map(str::to_string).map_or(Ok(()), Err)
        );
    }
}
