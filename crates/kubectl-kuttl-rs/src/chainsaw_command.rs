//! `kubectl kuttl-rs chainsaw test`: `chainsaw test`'s common flags on the kuttl-rs harness, so a
//! Chainsaw user switches by changing the command's name. Chainsaw flags kuttl-rs does not take
//! are errors that say what to use instead.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use kuttl::config::ChainsawCluster;
use kuttl::load::{Overrides, chainsaw_set_value};

use crate::test_command::{Plan, execute};

/// Chainsaw's default Configuration file, read when present and `--config` is not given.
const DEFAULT_CONFIG: &str = ".chainsaw.yaml";

/// `kubectl kuttl-rs chainsaw …`.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ChainsawCommand {
    /// Runs Chainsaw tests (and KUTTL tests beside them) as `chainsaw test` does.
    Test(Box<ChainsawTestArgs>),
}

#[derive(Debug, Default, clap::Args)]
#[command(
    after_help = "Test folders are suites: each folder under one holding a chainsaw-test.yaml is a test. Exit status: 0 when every test passed, 1 when one failed, 2 for a command line that cannot run, 130 when interrupted."
)]
pub(crate) struct ChainsawTestArgs {
    /// Folders of tests (default: the working directory). Repeatable.
    #[arg(long, value_name = "DIR")]
    test_dir: Vec<String>,
    /// Test folders, as --test-dir.
    #[arg(value_name = "DIR")]
    dirs: Vec<String>,
    /// A Chainsaw Configuration (v1alpha1 or v1alpha2). Default: ./.chainsaw.yaml when present.
    #[arg(long, value_name = "PATH")]
    config: Option<String>,
    /// Files of values for $values, merged in order. Repeatable.
    #[arg(long, value_name = "PATH")]
    values: Vec<String>,
    /// A value of $values by dotted path: key=value, typed as Helm types it. Repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// As --set, the value kept as a string. Repeatable.
    #[arg(long, value_name = "KEY=VALUE")]
    set_string: Vec<String>,
    /// Tests run at once.
    #[arg(long, value_name = "N")]
    parallel: Option<i64>,
    /// Keep the tests' namespaces and objects.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    skip_delete: Option<bool>,
    /// A report: JSON, XML, JUNIT-TEST, JUNIT-STEP or JUNIT-OPERATION (case does not matter).
    #[arg(long, value_name = "FORMAT")]
    report_format: Option<String>,
    /// The report's file name, without extension.
    #[arg(long, value_name = "NAME")]
    report_name: Option<String>,
    /// Where the report goes.
    #[arg(long, value_name = "DIR")]
    report_path: Option<String>,
    /// The apply timeout (Go duration, e.g. 5s).
    #[arg(long, value_name = "DURATION")]
    apply_timeout: Option<String>,
    /// The assert timeout.
    #[arg(long, value_name = "DURATION")]
    assert_timeout: Option<String>,
    /// The cleanup timeout.
    #[arg(long, value_name = "DURATION")]
    cleanup_timeout: Option<String>,
    /// The delete timeout.
    #[arg(long, value_name = "DURATION")]
    delete_timeout: Option<String>,
    /// The error timeout.
    #[arg(long, value_name = "DURATION")]
    error_timeout: Option<String>,
    /// The exec timeout.
    #[arg(long, value_name = "DURATION")]
    exec_timeout: Option<String>,
    /// A label selector over the Tests' labels (`!no-ko-test`, `env in (ci,poc)`); a Test it
    /// does not select is not run. Repeatable: the selectors are joined with `,`.
    #[arg(long, value_name = "SELECTOR")]
    selector: Vec<String>,
    /// A cluster tests may name: NAME=KUBECONFIG or NAME=KUBECONFIG:CONTEXT. Repeatable, and
    /// comma-separated values are several.
    #[arg(long, value_name = "NAME=KUBECONFIG[:CONTEXT]", value_delimiter = ',')]
    cluster: Vec<String>,
    /// Accepted for Chainsaw's command lines: YAML anchors and merges are always read.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    remarshal: Option<bool>,
    /// libtest's output: pretty (default), terse or json (the event stream IDE runners read).
    #[arg(long, value_name = "FORMAT", value_parser = ["pretty", "terse", "json"])]
    format: Option<String>,
    /// Chainsaw flags kuttl-rs does not take, kept to say so.
    #[command(flatten)]
    not_taken: NotTaken,
}

/// `chainsaw test` flags kuttl-rs does not take; each is an error naming what to do instead.
#[derive(Debug, Default, clap::Args)]
struct NotTaken {
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    include_test_regex: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    exclude_test_regex: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    repeat_count: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    namespace: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    kube_context: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    no_cluster: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    pause_on_failure: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    shard_index: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    shard_count: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    test_file: Option<Option<String>>,
    #[arg(long, hide = true, num_args = 0..=1, value_name = "X")]
    full_name: Option<Option<String>>,
}

impl NotTaken {
    /// The first flag given, with what to use instead.
    fn first(&self) -> Option<String> {
        let select = "select tests by name with --test REGEX on `kubectl kuttl-rs test`, or cargo test's filters";
        let flags: [(&str, bool, &str); 11] = [
            (
                "--include-test-regex",
                self.include_test_regex.is_some(),
                select,
            ),
            (
                "--exclude-test-regex",
                self.exclude_test_regex.is_some(),
                select,
            ),
            (
                "--repeat-count",
                self.repeat_count.is_some(),
                "use --repeat N with `kubectl kuttl-rs test`",
            ),
            (
                "--namespace",
                self.namespace.is_some(),
                "set the namespace in the Configuration (namespace.name) or the tests (spec.namespace)",
            ),
            (
                "--kube-context",
                self.kube_context.is_some(),
                "the run uses KUBECONFIG's current context; point KUBECONFIG at the cluster",
            ),
            (
                "--no-cluster",
                self.no_cluster.is_some(),
                "every test runs against KUBECONFIG's cluster",
            ),
            (
                "--pause-on-failure",
                self.pause_on_failure.is_some(),
                "keep what a failed test left with --skip-delete",
            ),
            (
                "--shard-index",
                self.shard_index.is_some(),
                "run under nextest with --partition",
            ),
            (
                "--shard-count",
                self.shard_count.is_some(),
                "run under nextest with --partition",
            ),
            (
                "--test-file",
                self.test_file.is_some(),
                "tests are found in chainsaw-test.yaml (or .yml)",
            ),
            (
                "--full-name",
                self.full_name.is_some(),
                "trials are named <test folder>::<test name>",
            ),
        ];
        flags
            .iter()
            .find(|(_, given, _)| *given)
            .map(|(flag, _, instead)| format!("{flag} is not taken by kuttl-rs: {instead}"))
    }
}

impl ChainsawTestArgs {
    /// Checks the flags and turns them into a plan; `default_config_exists` says whether
    /// `./.chainsaw.yaml` is there. `Err` is a usage error's message.
    pub(crate) fn plan(self, default_config_exists: bool) -> Result<Plan, String> {
        if let Some(message) = self.not_taken.first() {
            return Err(message);
        }
        let mut test_dirs = self.test_dir;
        test_dirs.extend(self.dirs);
        if test_dirs.is_empty() {
            test_dirs.push(".".into());
        }
        let config = self
            .config
            .or_else(|| default_config_exists.then(|| DEFAULT_CONFIG.to_string()));
        if self.values.iter().any(|file| file == "-") {
            return Err("--values -: values from stdin are not supported; give a file".into());
        }
        let mut set = BTreeMap::new();
        for (flag, texts, typed) in [
            ("--set", &self.set, true),
            ("--set-string", &self.set_string, false),
        ] {
            for text in texts {
                let (key, value) = text
                    .split_once('=')
                    .ok_or_else(|| format!("{flag} {text:?}: expected key=value"))?;
                let value = if typed {
                    chainsaw_set_value(value)
                } else {
                    serde_json::Value::from(value)
                };
                set.insert(key.to_string(), value);
            }
        }
        let clusters = self
            .cluster
            .iter()
            .map(|text| cluster(text))
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        let (report_format, report_granularity) = match self
            .report_format
            .as_deref()
            .map(str::to_uppercase)
        {
            None => (None, None),
            Some(format) => match format.as_str() {
                "JSON" => (Some("json".to_string()), None),
                "XML" | "JUNIT-TEST" => (Some("xml".to_string()), Some("test".to_string())),
                "JUNIT-STEP" => (Some("xml".to_string()), Some("step".to_string())),
                "JUNIT-OPERATION" => (Some("xml".to_string()), Some("operation".to_string())),
                _ => {
                    return Err(format!(
                        "--report-format {format:?}: JSON, XML, JUNIT-TEST, JUNIT-STEP or JUNIT-OPERATION"
                    ));
                }
            },
        };
        let timeouts: BTreeMap<String, String> = [
            ("apply", self.apply_timeout),
            ("assert", self.assert_timeout),
            ("cleanup", self.cleanup_timeout),
            ("delete", self.delete_timeout),
            ("error", self.error_timeout),
            ("exec", self.exec_timeout),
        ]
        .into_iter()
        .filter_map(|(class, value)| value.map(|value| (class.to_string(), value)))
        .collect();
        let _ = self.remarshal;
        let libtest_args = crate::test_command::libtest_args(self.format);
        Ok(Plan {
            config: None,
            overrides: Overrides {
                test_dirs,
                parallel: self.parallel,
                skip_delete: self.skip_delete,
                report_format,
                report_granularity,
                report_name: self.report_name,
                artifacts_dir: self.report_path,
                chainsaw_config: config,
                chainsaw_values: self.values,
                chainsaw_set: set,
                chainsaw_timeouts: timeouts,
                chainsaw_selector: (!self.selector.is_empty()).then(|| self.selector.join(",")),
                chainsaw_clusters: clusters,
                ..Overrides::default()
            },
            test: None,
            repeat: None,
            libtest_args,
        })
    }
}

/// One `--cluster`: `name=kubeconfig` or `name=kubeconfig:context`, split as Chainsaw splits it.
fn cluster(text: &str) -> Result<(String, ChainsawCluster), String> {
    let fail =
        || format!("--cluster {text:?}: expected NAME=KUBECONFIG or NAME=KUBECONFIG:CONTEXT");
    let parts: Vec<&str> = text.split('=').collect();
    let [name, target] = parts[..] else {
        return Err(fail());
    };
    let parts: Vec<&str> = target.split(':').collect();
    let (kubeconfig, context) = match parts[..] {
        [kubeconfig] => (kubeconfig, ""),
        [kubeconfig, context] => (kubeconfig, context),
        _ => return Err(fail()),
    };
    Ok((
        name.to_string(),
        ChainsawCluster {
            kubeconfig: kubeconfig.to_string(),
            context: context.to_string(),
        },
    ))
}

/// Runs the tests; the exit code says how the run ended.
pub(crate) fn run(args: ChainsawTestArgs) -> ExitCode {
    match args.plan(Path::new(DEFAULT_CONFIG).is_file()) {
        Ok(plan) => execute(plan),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(crate::EXIT_USAGE)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;
    use serde_json::json;

    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(subcommand)]
        command: ChainsawCommand,
    }

    fn plan(args: &[&str]) -> Result<Plan, String> {
        let argv = ["chainsaw", "test"].into_iter().chain(args.iter().copied());
        let ChainsawCommand::Test(args) = Cli::try_parse_from(argv)
            .map_err(|err| err.to_string())?
            .command;
        args.plan(false)
    }

    #[test]
    fn chainsaws_ci_command_line_becomes_overrides() {
        let plan = plan(&[
            "./testdata/e2e",
            "--remarshal",
            "--config",
            "testdata/e2e/config.yaml",
            "--values",
            "testdata/e2e/values.yaml",
            "--set",
            "env=poc",
            "--set",
            "clusterDirectory=my-cluster",
            "--set-string",
            "image.tag=01",
            "--parallel",
            "1",
            "--skip-delete",
            "--report-format",
            "JUNIT-STEP",
            "--report-name",
            "chainsaw",
            "--report-path",
            "out",
            "--assert-timeout",
            "1m",
            "--selector",
            "!no-ko-test",
            "--selector",
            "tier in (a,b)",
            "--cluster",
            "dynamic=./dynamic,other=kc.yaml:kind-other",
        ])
        .unwrap();
        let o = plan.overrides;
        assert_eq!(o.test_dirs, ["./testdata/e2e"]);
        assert_eq!(
            o.chainsaw_config.as_deref(),
            Some("testdata/e2e/config.yaml")
        );
        assert_eq!(o.chainsaw_values, ["testdata/e2e/values.yaml"]);
        assert_eq!(o.chainsaw_set["env"], json!("poc"));
        assert_eq!(o.chainsaw_set["image.tag"], json!("01"));
        assert_eq!(o.parallel, Some(1));
        assert_eq!(o.skip_delete, Some(true));
        assert_eq!(o.report_format.as_deref(), Some("xml"));
        assert_eq!(o.report_granularity.as_deref(), Some("step"));
        assert_eq!(o.artifacts_dir.as_deref(), Some("out"));
        assert_eq!(o.chainsaw_timeouts["assert"], "1m");
        assert_eq!(
            o.chainsaw_selector.as_deref(),
            Some("!no-ko-test,tier in (a,b)")
        );
        assert_eq!(o.chainsaw_clusters["dynamic"].kubeconfig, "./dynamic");
        assert_eq!(o.chainsaw_clusters["other"].context, "kind-other");
        assert!(plan.config.is_none());
    }

    #[test]
    fn the_working_directory_and_dot_chainsaw_yaml_are_the_defaults() {
        let ChainsawCommand::Test(args) =
            Cli::try_parse_from(["chainsaw", "test"]).unwrap().command;
        let plan = args.plan(true).unwrap();
        assert_eq!(plan.overrides.test_dirs, ["."]);
        assert_eq!(
            plan.overrides.chainsaw_config.as_deref(),
            Some(".chainsaw.yaml")
        );
    }

    #[test]
    fn flags_kuttl_rs_does_not_take_are_errors_that_say_why() {
        let error = plan(&["--include-test-regex", "a"]).unwrap_err();
        assert!(
            error
                .starts_with("--include-test-regex is not taken by kuttl-rs: select tests by name"),
            "{error}"
        );
        assert!(
            plan(&["--no-cluster"])
                .unwrap_err()
                .starts_with("--no-cluster is not taken")
        );
        assert!(
            plan(&["--report-format", "JUNIT-EVERYTHING"])
                .unwrap_err()
                .contains("JSON, XML, JUNIT-TEST, JUNIT-STEP or JUNIT-OPERATION")
        );
        let operation = plan(&["--report-format", "junit-operation"]).unwrap();
        assert_eq!(
            operation.overrides.report_granularity.as_deref(),
            Some("operation")
        );
        assert!(
            plan(&["--cluster", "a=b:c:d"])
                .unwrap_err()
                .contains("expected NAME=KUBECONFIG or NAME=KUBECONFIG:CONTEXT")
        );
        assert!(
            plan(&["--set", "novalue"])
                .unwrap_err()
                .contains("expected key=value")
        );
        assert!(plan(&["--frobnicate"]).is_err());
    }
}
