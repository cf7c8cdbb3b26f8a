//! Making libtest's command line acceptable to libtest-mimic.
//!
//! IDEs and habits pass flags libtest-mimic rejects (`--report-time`, `--shuffle`, several name
//! filters, …). Rejecting them would make the whole target fail to start, so they are dropped here,
//! and extra name filters are kept aside and applied by the harness.

/// libtest flags libtest-mimic does not know and that change nothing about which trials run.
const DROPPED_FLAGS: &[&str] = &[
    "--report-time",
    "--ensure-time",
    "--shuffle",
    "--exclude-should-panic",
    "--force-run-in-process",
];

/// Flags that take a value in the next argument (unless written `--flag=value`).
const VALUE_FLAGS: &[&str] = &[
    "--skip",
    "--format",
    "--test-threads",
    "--logfile",
    "--color",
    "-Z",
];

/// The command line split into what libtest-mimic parses and the name filters it cannot take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitArgs {
    /// Program name and flags for libtest-mimic, with at most one name filter.
    pub mimic: Vec<String>,
    /// Every positional name filter, when there is more than one (libtest ORs them).
    pub extra_filters: Vec<String>,
    /// Flags that were dropped, to mention once on stderr.
    pub dropped: Vec<String>,
}

/// Splits argv (program name first).
pub(crate) fn split(argv: impl IntoIterator<Item = String>) -> SplitArgs {
    let mut argv = argv.into_iter().peekable();
    let mut mimic: Vec<String> = argv.next().into_iter().collect();
    let mut filters = Vec::new();
    let mut dropped = Vec::new();
    while let Some(arg) = argv.next() {
        let flag = arg.split('=').next().unwrap_or(&arg);
        if DROPPED_FLAGS.contains(&flag) {
            dropped.push(arg);
        } else if flag == "--shuffle-seed" {
            if !arg.contains('=') {
                argv.next();
            }
            dropped.push(arg);
        } else if (arg == "--format" && argv.peek().is_some_and(|value| value == "junit"))
            || arg == "--format=junit"
        {
            if arg == "--format" {
                argv.next();
            }
            dropped.push("--format junit".into());
        } else if VALUE_FLAGS.contains(&arg.as_str()) {
            mimic.push(arg);
            mimic.extend(argv.next());
        } else if arg.starts_with('-') && arg.len() > 1 {
            mimic.push(arg);
        } else {
            filters.push(arg);
        }
    }
    let extra_filters = if filters.len() > 1 {
        filters
    } else {
        mimic.extend(filters);
        Vec::new()
    };
    SplitArgs {
        mimic,
        extra_filters,
        dropped,
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn args(line: &str) -> Vec<String> {
        std::iter::once("kuttl")
            .chain(line.split_whitespace())
            .map(str::to_string)
            .collect()
    }

    #[rstest]
    #[case::plain("--include-ignored apps::", "--include-ignored apps::", &[], &[])]
    #[case::ide_json("--format json -Z unstable-options --show-output", "--format json -Z unstable-options --show-output", &[], &[])]
    #[case::report_time("--report-time --exact a::b", "--exact a::b", &[], &["--report-time"])]
    #[case::shuffle_seed("--shuffle-seed 7 --shuffle", "", &[], &["--shuffle-seed", "--shuffle"])]
    #[case::format_junit("--format junit -Z unstable-options", "-Z unstable-options", &[], &["--format junit"])]
    #[case::skip_value_not_a_filter("--skip slow apps::", "--skip slow apps::", &[], &[])]
    #[case::many_filters("apps:: core:: --exact", "--exact", &["apps::", "core::"], &[])]
    fn splits_argv(
        #[case] line: &str,
        #[case] mimic: &str,
        #[case] extra_filters: &[&str],
        #[case] dropped: &[&str],
    ) {
        let split = split(args(line));
        assert_eq!(split.mimic, args(mimic));
        assert_eq!(split.extra_filters, extra_filters);
        assert_eq!(split.dropped, dropped);
    }
}
