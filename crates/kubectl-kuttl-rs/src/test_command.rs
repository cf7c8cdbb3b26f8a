//! `kubectl kuttl-rs test`: KUTTL's flags, laid over the configuration file as KUTTL does (a flag
//! overrides the file only when given), then the kuttl-rs harness with libtest's output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kuttl::load::{Overrides, run_labels, template_vars};
use kuttl::{Harness, RunEnd};

/// KUTTL's default configuration file, read when present and `--config` is not given.
const DEFAULT_CONFIG: &str = "kuttl-test.yaml";

#[derive(Debug, Default, clap::Args)]
#[command(
    after_help = "A flag overrides the configuration file only when given. Exit status: 0 when every test passed, 1 when one failed, 2 for a command line that cannot run, 130 when interrupted."
)]
pub(crate) struct TestArgs {
    /// Test folders; they replace the configuration's testDirs.
    #[arg(value_name = "TEST_DIR")]
    test_dirs: Vec<String>,
    /// The configuration file: a kuttl.dev/v1beta1 TestSuite (kuttl-test.yaml) or a
    /// kuttl.dev/v1beta2 TestCollection (kuttl.yaml). Default: ./kuttl-test.yaml when present;
    /// /dev/null for none.
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Only the tests whose name this regular expression matches (anywhere in the name).
    #[arg(long, value_name = "REGEX")]
    test: Option<String>,
    /// Tests run at once (default 8).
    #[arg(long, value_name = "N")]
    parallel: Option<i64>,
    /// Seconds a step may take (default 30).
    #[arg(long, value_name = "SECONDS")]
    timeout: Option<i64>,
    /// Keep the tests' namespaces and objects.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    skip_delete: Option<bool>,
    /// Leave the control plane or kind cluster the run started running.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    skip_cluster_delete: Option<bool>,
    /// Start an embedded control plane (etcd and kube-apiserver from KUBEBUILDER_ASSETS); implies
    /// --skip-delete unless that is given, as in KUTTL.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    start_control_plane: Option<bool>,
    /// Create a kind cluster for the run.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    start_kind: Option<bool>,
    /// The kind cluster's configuration file (implies --start-kind).
    #[arg(long, value_name = "PATH")]
    kind_config: Option<String>,
    /// The kind cluster's name (default kind).
    #[arg(long, value_name = "NAME")]
    kind_context: Option<String>,
    /// Where reports and per-test artifacts go (default: the working directory).
    #[arg(long, value_name = "DIR")]
    artifacts_dir: Option<String>,
    /// Write a report: json, xml (JUnit) or html, or several separated by commas.
    #[arg(long, value_name = "FORMAT")]
    report: Option<String>,
    /// The report's file name, without extension (default kuttl-report).
    #[arg(long, value_name = "NAME")]
    report_name: Option<String>,
    /// A report case per step (step, the default), per test (test) or per operation of a
    /// Chainsaw step (operation).
    #[arg(long, value_name = "GRANULARITY")]
    report_granularity: Option<String>,
    /// One namespace every test shares, instead of one per test.
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Leave things out of failure output: events. Repeatable, or comma-separated.
    #[arg(long, value_name = "WHAT", value_delimiter = ',')]
    suppress_log: Vec<String>,
    /// The run's labels for TestFile testRunSelector: key=value,key2=value2.
    #[arg(long, value_name = "LABELS")]
    test_run_labels: Option<String>,
    /// Variables of *.gotmpl.yaml files: name=value[,name=value], each value read as YAML.
    /// Repeatable.
    #[arg(long, value_name = "VARS")]
    template_var: Vec<String>,
    /// CRDs to install before the tests (a folder).
    #[arg(long, value_name = "DIR")]
    crd_dir: Option<String>,
    /// Objects to apply before the tests (folders). Repeatable, or comma-separated.
    #[arg(long, value_name = "DIR", value_delimiter = ',')]
    manifest_dir: Option<Vec<String>>,
    /// Run the selection N times, each a whole run, and name the tests whose outcome changed.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    repeat: Option<u32>,
    /// libtest's output: pretty (default), terse or json (the event stream IDE runners read).
    #[arg(long, value_name = "FORMAT", value_parser = ["pretty", "terse", "json"])]
    format: Option<String>,
}

/// What a valid command line runs.
#[derive(Debug)]
pub(crate) struct Plan {
    pub config: Option<PathBuf>,
    pub overrides: Overrides,
    pub test: Option<regex::Regex>,
    /// `--repeat`.
    pub repeat: Option<u32>,
    /// The command line the harness gets (libtest's flags).
    pub libtest_args: Vec<String>,
}

impl TestArgs {
    /// Checks the flags and turns them into a plan; `default_config_exists` says whether
    /// `./kuttl-test.yaml` is there. `Err` is a usage error's message.
    pub(crate) fn plan(self, default_config_exists: bool) -> Result<Plan, String> {
        let config = match self.config {
            Some(path) if path == Path::new("/dev/null") => None,
            Some(path) => Some(path),
            None => default_config_exists.then(|| PathBuf::from(DEFAULT_CONFIG)),
        };
        if config.is_none() && self.test_dirs.is_empty() {
            return Err("no test directories provided, please provide either --config or test directories on the command line".into());
        }
        if self.namespace.as_deref() == Some("") {
            return Err("--namespace must not be empty".into());
        }
        let report_format = self.report.map(|format| format.to_lowercase());
        if let Some(format) = report_format.as_deref() {
            kuttl::load::parse_formats(format).map_err(|err| format!("--report: {err}"))?;
        }
        if let Some(granularity) = self.report_granularity.as_deref()
            && !matches!(granularity, "step" | "test" | "operation")
        {
            return Err(format!(
                "--report-granularity: {granularity:?} is not step, test or operation"
            ));
        }
        let starts_kind = self.start_kind == Some(true) || self.kind_config.is_some();
        if self.start_control_plane == Some(true) && starts_kind {
            return Err(
                "--start-control-plane and --start-kind (or --kind-config) exclude each other"
                    .into(),
            );
        }
        let test_run_labels = self
            .test_run_labels
            .as_deref()
            .map(run_labels::parse)
            .transpose()
            .map_err(|err| format!("--test-run-labels: {err}"))?;
        let mut vars = std::collections::BTreeMap::new();
        for text in &self.template_var {
            vars.extend(
                template_vars::parse(text).map_err(|err| format!("--template-var: {err}"))?,
            );
        }
        let test = self
            .test
            .as_deref()
            .map(regex::Regex::new)
            .transpose()
            .map_err(|err| format!("--test: {err}"))?;
        let libtest_args = libtest_args(self.format);
        Ok(Plan {
            config,
            overrides: Overrides {
                test_dirs: self.test_dirs,
                crd_dir: self.crd_dir,
                manifest_dirs: self.manifest_dir,
                start_control_plane: self.start_control_plane,
                start_kind: self.start_kind,
                kind_config: self.kind_config,
                kind_context: self.kind_context,
                artifacts_dir: self.artifacts_dir,
                skip_delete: self.skip_delete,
                skip_cluster_delete: self.skip_cluster_delete,
                parallel: self.parallel,
                timeout: self.timeout,
                report_format,
                report_name: self.report_name,
                report_granularity: self.report_granularity,
                namespace: self.namespace,
                suppress: self.suppress_log,
                test_run_labels,
                template_vars: vars,
                ..Overrides::default()
            },
            test,
            repeat: self.repeat,
            libtest_args,
        })
    }
}

/// The harness's command line: every cluster trial, in libtest's output `format`.
pub(crate) fn libtest_args(format: Option<String>) -> Vec<String> {
    let mut args = vec![
        "kubectl-kuttl-rs".to_string(),
        "--include-ignored".to_string(),
    ];
    if let Some(format) = format {
        args.extend(["--format".to_string(), format]);
    }
    args
}

/// Runs the tests; the exit code says how the run ended.
pub(crate) fn run(args: TestArgs) -> ExitCode {
    match args.plan(Path::new(DEFAULT_CONFIG).is_file()) {
        Ok(plan) => execute(plan),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(crate::EXIT_USAGE)
        }
    }
}

/// Runs a plan's tests; the exit code says how the run ended.
pub(crate) fn execute(plan: Plan) -> ExitCode {
    let pattern = plan.test.as_ref().map(regex::Regex::as_str);
    let mut harness = match Harness::from_command_line(plan.config, plan.overrides)
        .cluster_trials_only(pattern)
    {
        Ok(harness) => harness.with_live_count(),
        Err(err) => {
            eprintln!("error: --test: {err}");
            return ExitCode::from(crate::EXIT_USAGE);
        }
    };
    if let Some(count) = plan.repeat {
        harness = harness.repeat(count);
    }
    match harness.run_to_end(plan.libtest_args).0 {
        RunEnd::Passed => ExitCode::SUCCESS,
        RunEnd::Failed => ExitCode::from(1),
        RunEnd::Interrupted => ExitCode::from(130),
        // A way to end that this CLI does not know yet: not a pass.
        _ => ExitCode::from(1),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use clap::Parser;
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Test {
        #[command(flatten)]
        args: TestArgs,
    }

    /// The plan of `kubectl kuttl-rs test <args>` (with `./kuttl-test.yaml` absent).
    fn plan(args: &[&str]) -> Result<Plan, String> {
        let argv = std::iter::once("test").chain(args.iter().copied());
        Test::try_parse_from(argv)
            .map_err(|err| err.to_string())?
            .args
            .plan(false)
    }

    fn overrides(args: &[&str]) -> Overrides {
        let mut args = args.to_vec();
        args.push("e2e");
        plan(&args).unwrap().overrides
    }

    fn base() -> Overrides {
        Overrides {
            test_dirs: vec!["e2e".into()],
            ..Overrides::default()
        }
    }

    #[rstest]
    #[case::test_dirs(&[], base())]
    #[case::crd_dir(&["--crd-dir", "crds"], Overrides { crd_dir: Some("crds".into()), ..base() })]
    #[case::manifest_dir(&["--manifest-dir", "a,b", "--manifest-dir", "c"], Overrides { manifest_dirs: Some(vec!["a".into(), "b".into(), "c".into()]), ..base() })]
    #[case::start_control_plane(&["--start-control-plane"], Overrides { start_control_plane: Some(true), ..base() })]
    #[case::start_control_plane_false(&["--start-control-plane=false"], Overrides { start_control_plane: Some(false), ..base() })]
    #[case::start_kind(&["--start-kind"], Overrides { start_kind: Some(true), ..base() })]
    #[case::kind_config(&["--kind-config", "kind.yaml"], Overrides { kind_config: Some("kind.yaml".into()), ..base() })]
    #[case::kind_context(&["--kind-context", "e2e"], Overrides { kind_context: Some("e2e".into()), ..base() })]
    #[case::artifacts_dir(&["--artifacts-dir", "out"], Overrides { artifacts_dir: Some("out".into()), ..base() })]
    #[case::skip_delete(&["--skip-delete"], Overrides { skip_delete: Some(true), ..base() })]
    #[case::skip_cluster_delete(&["--skip-cluster-delete"], Overrides { skip_cluster_delete: Some(true), ..base() })]
    #[case::parallel(&["--parallel", "3"], Overrides { parallel: Some(3), ..base() })]
    #[case::timeout(&["--timeout", "10"], Overrides { timeout: Some(10), ..base() })]
    #[case::report(&["--report", "XML"], Overrides { report_format: Some("xml".into()), ..base() })]
    #[case::report_name(&["--report-name", "r"], Overrides { report_name: Some("r".into()), ..base() })]
    #[case::report_granularity(&["--report-granularity", "test"], Overrides { report_granularity: Some("test".into()), ..base() })]
    #[case::namespace(&["-n", "shared"], Overrides { namespace: Some("shared".into()), ..base() })]
    #[case::suppress_log(&["--suppress-log", "events"], Overrides { suppress: vec!["events".into()], ..base() })]
    #[case::test_run_labels(&["--test-run-labels", "a=1,b=2"], Overrides { test_run_labels: Some(BTreeMap::from([("a".into(), "1".into()), ("b".into(), "2".into())])), ..base() })]
    #[case::template_var(&["--template-var", "n=3", "--template-var", "s=x,l=[a]"], Overrides { template_vars: BTreeMap::from([("n".into(), json!(3)), ("s".into(), json!("x")), ("l".into(), json!(["a"]))]), ..base() })]
    fn each_flag_sets_its_setting_and_only_it(#[case] args: &[&str], #[case] expected: Overrides) {
        assert_eq!(overrides(args), expected);
    }

    #[test]
    fn config_defaults_to_kuttl_test_yaml_when_present_and_dev_null_means_none() {
        let parse = |args: &[&str], present: bool| {
            let argv = std::iter::once("test").chain(args.iter().copied());
            Test::try_parse_from(argv)
                .unwrap()
                .args
                .plan(present)
                .unwrap()
                .config
        };
        assert_eq!(parse(&[], true), Some(PathBuf::from("kuttl-test.yaml")));
        assert_eq!(parse(&["dir"], false), None);
        assert_eq!(parse(&["--config", "/dev/null", "dir"], true), None);
        assert_eq!(
            parse(&["--config", "k.yaml"], false),
            Some(PathBuf::from("k.yaml"))
        );
    }

    #[test]
    fn test_and_format_go_to_the_harness() {
        let plan = plan(&["--test", "^crd", "--format", "json", "e2e"]).unwrap();
        assert!(plan.test.unwrap().is_match("crd-in-step"));
        assert_eq!(
            plan.libtest_args,
            ["kubectl-kuttl-rs", "--include-ignored", "--format", "json"]
        );
    }

    #[test]
    fn repeat_goes_to_the_harness() {
        assert_eq!(plan(&["--repeat", "20", "e2e"]).unwrap().repeat, Some(20));
        assert_eq!(plan(&["e2e"]).unwrap().repeat, None);
    }

    #[rstest]
    #[case::nothing_to_run(&[], "no test directories provided")]
    #[case::empty_namespace(&["--namespace", "", "e2e"], "--namespace must not be empty")]
    #[case::report_format(&["--report", "yaml", "e2e"], "--report: \"yaml\" is not a report format")]
    #[case::granularity(&["--report-granularity", "case", "e2e"], "--report-granularity: \"case\" is not step, test or operation")]
    #[case::two_clusters(&["--start-control-plane", "--kind-config", "k.yaml", "e2e"], "exclude each other")]
    #[case::labels(&["--test-run-labels", "novalue", "e2e"], "--test-run-labels:")]
    #[case::template_var(&["--template-var", "x=[", "e2e"], "--template-var: the value of \"x\"")]
    #[case::regex(&["--test", "(", "e2e"], "--test: regex parse error")]
    #[case::unknown_flag(&["--bogus", "e2e"], "unexpected argument '--bogus'")]
    #[case::not_a_number(&["--parallel", "many", "e2e"], "invalid value 'many'")]
    #[case::no_repeat(&["--repeat", "0", "e2e"], "invalid value '0' for '--repeat <N>'")]
    fn bad_command_lines_say_what_is_wrong(#[case] args: &[&str], #[case] expected: &str) {
        let err = plan(args).unwrap_err();
        assert!(err.contains(expected), "{err}");
    }

    /// A flag overrides the file only when given; `--start-control-plane` implies skipDelete.
    #[test]
    fn flags_override_the_file_only_when_given() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("kuttl-test.yaml");
        std::fs::write(
            &config,
            "apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\ntestDirs: [from-file]\ntimeout: 5\nparallel: 2\nreportName: file-report\n",
        )
        .unwrap();
        let read = |args: &[&str]| {
            let plan = plan(&[&["--config", config.to_str().unwrap()], args].concat()).unwrap();
            kuttl::load::collection::read_with(plan.config.as_deref(), &plan.overrides).unwrap()
        };
        let untouched = read(&[]);
        assert_eq!((untouched.timeout, untouched.parallel), (5, 2));
        assert!(!untouched.skip_delete);
        assert_eq!(untouched.suites[0].name, "from-file");
        let flagged = read(&["--timeout", "9", "--start-control-plane", "cli-dir"]);
        assert_eq!((flagged.timeout, flagged.parallel), (9, 2));
        assert!(
            flagged.skip_delete,
            "--start-control-plane implies skipDelete"
        );
        assert_eq!(flagged.suites[0].name, "cli-dir");
        assert_eq!(flagged.report.name, "file-report");
        let kept = read(&["--start-control-plane", "--skip-delete=false"]);
        assert!(!kept.skip_delete);
    }
}
