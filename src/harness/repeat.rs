//! The repeatability check: `KUTTL_REPEAT=N` (`kubectl kuttl-rs test --repeat N`) runs the same
//! selection N times, each a whole run in a process of its own (hooks, cluster start, reports), and
//! then names every test whose outcome changed between runs.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use super::RunEnd;
use crate::run::TestRecord;

/// How many times to run the selection.
pub(crate) const REPEAT_ENV: &str = "KUTTL_REPEAT";
/// Set in each run's process: the file where it writes its tests' outcomes.
const OUTCOMES_ENV: &str = "KUTTL_REPEAT_OUTCOMES";

/// A test's outcome in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Outcome {
    Passed,
    Failed,
}

/// One run's outcomes by trial name (`<suite>::<test>`).
pub(crate) type RunOutcomes = BTreeMap<String, Outcome>;

/// A repetition that cannot run here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RepeatError {
    #[error("{REPEAT_ENV}={value:?}: expected how many times to run, a whole number of at least 1")]
    Count { value: String },
    #[error(
        "{REPEAT_ENV} does not work under cargo nextest, where each test is a process of its own: repeat with cargo test or kubectl kuttl-rs test --repeat"
    )]
    UnderNextest,
}

/// How many runs are asked for: `configured` (the CLI's `--repeat`), else `KUTTL_REPEAT`. `None`
/// when neither asks for more than one, or when this process is itself one of the runs.
pub(crate) fn requested(
    configured: Option<u32>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<u32>, RepeatError> {
    if env(OUTCOMES_ENV).is_some() {
        return Ok(None);
    }
    let count = match (configured, env(REPEAT_ENV)) {
        (Some(count), _) => count,
        (None, Some(value)) if !value.trim().is_empty() => match value.trim().parse::<u32>() {
            Ok(count) if count > 0 => count,
            _ => return Err(RepeatError::Count { value }),
        },
        (None, _) => return Ok(None),
    };
    if count > 1 && env("NEXTEST_EXECUTION_MODE").as_deref() == Some("process-per-test") {
        return Err(RepeatError::UnderNextest);
    }
    Ok((count > 1).then_some(count))
}

/// In a process that is one of the runs, writes its tests' outcomes where the first process reads
/// them.
pub(crate) fn save_outcomes(tests: &[TestRecord]) -> Result<(), String> {
    let Some(file) = std::env::var_os(OUTCOMES_ENV) else {
        return Ok(());
    };
    let outcomes: RunOutcomes = tests
        .iter()
        .map(|test| {
            let outcome = match test.failed() {
                true => Outcome::Failed,
                false => Outcome::Passed,
            };
            (format!("{}::{}", test.suite, test.test), outcome)
        })
        .collect();
    let text = serde_json::to_vec(&outcomes).map_err(|err| err.to_string())?;
    std::fs::write(&file, text)
        .map_err(|err| format!("cannot write {}: {err}", Path::new(&file).display()))
}

/// Runs this program `count` times with its own command line, one run after another, each
/// printing as usual; then prints to stderr how the outcomes compare. A run that was interrupted
/// ends the repetition.
pub(crate) fn run(count: u32) -> (RunEnd, ExitCode) {
    let mut stderr = std::io::stderr();
    let folder = match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(err) => {
            let _ = writeln!(
                stderr,
                "{REPEAT_ENV}: cannot create a temporary folder: {err}"
            );
            return (RunEnd::Failed, ExitCode::from(101));
        }
    };
    let program = std::env::current_exe();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = Vec::new();
    for index in 1..=count {
        let _ = writeln!(stderr, "{REPEAT_ENV}: run {index} of {count}");
        let file = folder.path().join(format!("run-{index}.json"));
        let status = program
            .as_ref()
            .map_err(|err| err.to_string())
            .and_then(|program| {
                std::process::Command::new(program)
                    .args(&args)
                    .env(OUTCOMES_ENV, &file)
                    .status()
                    .map_err(|err| format!("cannot start {}: {err}", program.display()))
            });
        let status = match status {
            Ok(status) => status,
            Err(err) => {
                let _ = writeln!(stderr, "{REPEAT_ENV}: {err}");
                return (RunEnd::Failed, ExitCode::from(101));
            }
        };
        let outcomes = std::fs::read(&file)
            .ok()
            .and_then(|text| serde_json::from_slice::<RunOutcomes>(&text).ok());
        if status.code() == Some(super::interruption::EXIT_INTERRUPTED.into()) {
            let _ = writeln!(
                stderr,
                "{REPEAT_ENV}: run {index} was interrupted; stopping"
            );
            return (
                RunEnd::Interrupted,
                ExitCode::from(super::interruption::EXIT_INTERRUPTED),
            );
        }
        match outcomes {
            Some(outcomes) => runs.push((outcomes, status.success())),
            None => {
                let _ = writeln!(
                    stderr,
                    "{REPEAT_ENV}: run {index} ended ({status}) without recording its tests' outcomes"
                );
                return (RunEnd::Failed, ExitCode::from(101));
            }
        }
    }
    let outcomes: Vec<&RunOutcomes> = runs.iter().map(|(outcomes, _)| outcomes).collect();
    let changed = changed(&outcomes);
    let _ = write!(stderr, "{}", summary(&outcomes, &changed));
    let all_passed = runs.iter().all(|(_, passed)| *passed);
    match (changed.is_empty(), all_passed) {
        (true, true) => (RunEnd::Passed, ExitCode::SUCCESS),
        _ => (RunEnd::Failed, ExitCode::from(101)),
    }
}

/// The tests whose outcome was not the same in every run (absent from a run counts as a change),
/// with their outcome per run.
pub(crate) fn changed(runs: &[&RunOutcomes]) -> BTreeMap<String, Vec<Option<Outcome>>> {
    let names: std::collections::BTreeSet<&String> =
        runs.iter().flat_map(|run| run.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let per_run: Vec<Option<Outcome>> =
                runs.iter().map(|run| run.get(name).copied()).collect();
            let first = per_run[0];
            per_run
                .iter()
                .any(|outcome| *outcome != first)
                .then(|| (name.clone(), per_run))
        })
        .collect()
}

/// What the repetition found: each run's counts, then each test that changed.
pub(crate) fn summary(
    runs: &[&RunOutcomes],
    changed: &BTreeMap<String, Vec<Option<Outcome>>>,
) -> String {
    let mut out = format!("{REPEAT_ENV}: {} runs\n", runs.len());
    for (index, run) in runs.iter().enumerate() {
        let passed = run.values().filter(|o| **o == Outcome::Passed).count();
        let failed = run.len() - passed;
        out.push_str(&format!(
            "  run {}: {passed} passed, {failed} failed\n",
            index + 1
        ));
    }
    if changed.is_empty() {
        out.push_str("every test had the same outcome in every run\n");
        return out;
    }
    out.push_str(&format!(
        "{} test(s) changed outcome between runs:\n",
        changed.len()
    ));
    for (name, per_run) in changed {
        let runs_with = |wanted: Option<Outcome>| -> Vec<String> {
            per_run
                .iter()
                .enumerate()
                .filter(|(_, outcome)| **outcome == wanted)
                .map(|(index, _)| (index + 1).to_string())
                .collect()
        };
        let mut parts = Vec::new();
        for (label, wanted) in [
            ("passed", Some(Outcome::Passed)),
            ("failed", Some(Outcome::Failed)),
            ("did not run", None),
        ] {
            let indices = runs_with(wanted);
            if !indices.is_empty() {
                parts.push(format!("{label} in run(s) {}", indices.join(", ")));
            }
        }
        out.push_str(&format!("  {name}: {}\n", parts.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    const NEXTEST: (&str, &str) = ("NEXTEST_EXECUTION_MODE", "process-per-test");

    #[rstest::rstest]
    #[case::unset(None, &[], Ok(None))]
    #[case::once(None, &[("KUTTL_REPEAT", "1")], Ok(None))]
    #[case::twenty(None, &[("KUTTL_REPEAT", " 20 ")], Ok(Some(20)))]
    #[case::flag_first(Some(3), &[("KUTTL_REPEAT", "20")], Ok(Some(3)))]
    #[case::inside_a_run(Some(3), &[("KUTTL_REPEAT_OUTCOMES", "/tmp/x")], Ok(None))]
    #[case::zero(None, &[("KUTTL_REPEAT", "0")], Err(RepeatError::Count { value: "0".into() }))]
    #[case::word(None, &[("KUTTL_REPEAT", "many")], Err(RepeatError::Count { value: "many".into() }))]
    #[case::nextest(None, &[("KUTTL_REPEAT", "2"), NEXTEST], Err(RepeatError::UnderNextest))]
    #[case::nextest_once(None, &[("KUTTL_REPEAT", "1"), NEXTEST], Ok(None))]
    fn the_count_comes_from_the_flag_else_the_environment(
        #[case] configured: Option<u32>,
        #[case] vars: &[(&str, &str)],
        #[case] expected: Result<Option<u32>, RepeatError>,
    ) {
        assert_eq!(requested(configured, env(vars)), expected);
    }

    fn outcomes(entries: &[(&str, Outcome)]) -> RunOutcomes {
        entries
            .iter()
            .map(|(name, outcome)| (name.to_string(), *outcome))
            .collect()
    }

    #[test]
    fn a_test_whose_outcome_changed_is_named_with_its_runs() {
        use Outcome::{Failed, Passed};
        let first = outcomes(&[("cel::a", Passed), ("cel::b", Failed), ("cel::c", Passed)]);
        let second = outcomes(&[("cel::a", Failed), ("cel::b", Failed), ("cel::c", Passed)]);
        let third = outcomes(&[("cel::a", Passed), ("cel::b", Failed)]);
        let runs = [&first, &second, &third];

        let changed = changed(&runs);

        assert_eq!(changed.keys().collect::<Vec<_>>(), ["cel::a", "cel::c"]);
        assert_eq!(
            summary(&runs, &changed),
            "KUTTL_REPEAT: 3 runs\n  run 1: 2 passed, 1 failed\n  run 2: 1 passed, 2 failed\n  \
             run 3: 1 passed, 1 failed\n2 test(s) changed outcome between runs:\n  \
             cel::a: passed in run(s) 1, 3; failed in run(s) 2\n  \
             cel::c: passed in run(s) 1, 2; did not run in run(s) 3\n"
        );
    }

    #[test]
    fn runs_with_the_same_outcomes_change_nothing() {
        let run = outcomes(&[("cel::a", Outcome::Passed), ("cel::b", Outcome::Failed)]);
        let runs = [&run, &run];
        let changed = changed(&runs);
        assert!(changed.is_empty());
        assert!(
            summary(&runs, &changed).ends_with("every test had the same outcome in every run\n")
        );
    }
}
