//! Reports of a run: KUTTL's JUnit XML and JSON reports, per-test artifacts, and API endpoint
//! coverage, all made from the outcomes the engine records (`run`'s `TestRecord` and `HookRecord`).

mod artifacts;
mod coverage;
mod html;
mod json;
mod junit;
mod openapi;
mod tree;

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

pub(crate) use coverage::CoverageFile;
pub(crate) use openapi::Index as OperationIndex;

use crate::load::{ReportFormat, ReportSettings};
use crate::run::{HookRecord, TestRecord};

pub(crate) use html::RunInfo;

/// Writes the report files (one per format set) and the per-test artifacts (when an artifacts
/// folder is set). Returns what was written, for the user.
pub(crate) fn write(
    settings: &ReportSettings,
    run: &RunInfo<'_>,
    tests: &[TestRecord],
    hooks: &[HookRecord],
) -> Result<Vec<PathBuf>, String> {
    let mut written = Vec::new();
    let dir = settings.artifacts_dir.clone().unwrap_or_default();
    let suites = tree::build(tests, hooks, settings.granularity);
    for format in &settings.formats {
        let (text, extension) = match format {
            ReportFormat::Json => (json::render(run.name, &suites, run.wall), "json"),
            ReportFormat::Xml => (junit::render(run.name, &suites, run.wall), "xml"),
            ReportFormat::Html => (html::render(run, tests, hooks), "html"),
        };
        std::fs::create_dir_all(&dir)
            .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
        let path = dir.join(format!("{}.{extension}", settings.name));
        std::fs::write(&path, text)
            .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        written.push(path);
    }
    if let Some(dir) = &settings.artifacts_dir {
        artifacts::write(dir, tests)?;
        written.push(dir.clone());
    }
    Ok(written)
}

/// Maps every test's and hook's recorded requests to the API server's OpenAPI operations (`spec`)
/// and writes `coverage.json` (into the artifacts folder, else the working directory); returns its
/// path, the summary line (compared with the settings' baseline when there is one) and what it
/// holds.
pub(crate) fn write_coverage(
    settings: &ReportSettings,
    spec: &serde_json::Value,
    tests: &[TestRecord],
    hooks: &[HookRecord],
) -> Result<(PathBuf, String, CoverageFile), String> {
    let baseline = settings
        .coverage_baseline
        .as_deref()
        .map(coverage::read_baseline)
        .transpose()?;
    let recorded = tests
        .iter()
        .map(|t| (format!("{}::{}", t.suite, t.test), &t.requests))
        .chain(hooks.iter().map(|h| (h.name.clone(), &h.requests)))
        .collect::<Vec<_>>();
    let index = openapi::Index::from_spec(spec);
    let file = CoverageFile::build(
        &index,
        recorded.iter().map(|(n, r)| (n.as_str(), r.as_slice())),
    );
    let dir = settings.artifacts_dir.clone().unwrap_or_default();
    std::fs::create_dir_all(&dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let path = dir.join("coverage.json");
    let text = serde_json::to_string_pretty(&file).map_err(|err| err.to_string())?;
    std::fs::write(&path, text).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    let summary = file.describe(baseline.as_ref());
    Ok((path, summary, file))
}

/// Seconds with three decimals, as KUTTL writes times.
fn seconds(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64())
}

/// RFC 3339 with nanoseconds, in the local zone, as KUTTL writes timestamps.
fn timestamp(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time)
        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, false)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use serde_json::Value;

    use super::*;
    use crate::load::Granularity;
    use crate::run::outcome::{OperationRecord, StepRecord};

    /// A step; a failed one's last error is the message's last line.
    fn step(label: &str, failure: Option<&str>) -> StepRecord {
        StepRecord {
            label: label.into(),
            started: SystemTime::UNIX_EPOCH + Duration::from_secs(10),
            duration: Duration::from_millis(1500),
            assertions: 2,
            failure: failure.map(str::to_string),
            last_error: failure.and_then(|f| f.lines().last()).map(str::to_string),
            operations: Vec::new(),
        }
    }

    fn run_info() -> RunInfo<'static> {
        RunInfo {
            name: "run",
            started: SystemTime::UNIX_EPOCH + Duration::from_secs(9),
            wall: Duration::from_secs(1),
            ignored: 0,
            server: Some("v1.28.7"),
            coverage: None,
        }
    }

    fn records() -> (Vec<TestRecord>, Vec<HookRecord>) {
        let started = SystemTime::UNIX_EPOCH + Duration::from_secs(9);
        let passed = TestRecord {
            steps: vec![step("0-create", None), step("1-update", None)],
            setup_failure: None,
            ..TestRecord::not_started("apps", "basic", started, String::new())
        };
        let failed = TestRecord {
            steps: vec![
                step("0-create", None),
                step(
                    "1-scale",
                    Some(
                        "failed in step 1-scale\n  resource Deployment:ns/web: .spec.replicas: value mismatch, expected: 3 != actual: 1",
                    ),
                ),
            ],
            setup_failure: None,
            events: Some("  Warning BackOff".into()),
            ..TestRecord::not_started("apps", "scale", started, String::new())
        };
        let broken = TestRecord::not_started(
            "core",
            "typo",
            started,
            "00-a.yaml:3:1: unknown field `comands`".into(),
        );
        let hook = HookRecord {
            name: "afterCollection".into(),
            suite: None,
            source: "kuttl.yaml:9".into(),
            started,
            duration: Duration::from_millis(20),
            failure: Some(crate::run::HookFailure {
                source: Some("kuttl.yaml:9".into()),
                ..crate::run::HookFailure::not_started(
                    "afterCollection",
                    "commands",
                    "command \"false\" failed, exit status 1",
                )
            }),
            requests: Vec::new(),
        };
        (vec![passed, failed, broken], vec![hook])
    }

    #[test]
    fn json_report_has_kuttls_shape_with_steps_and_load_errors() {
        let (tests, hooks) = records();
        let suites = tree::build(&tests, &hooks, Granularity::Step);
        let report: Value =
            serde_json::from_str(&json::render("run", &suites, Duration::from_secs(3))).unwrap();
        assert_eq!(
            (report["tests"].as_u64(), report["failures"].as_u64()),
            (Some(8), Some(3)),
            "{report:#}"
        );
        assert_eq!(report["time"], "3.000");
        assert_eq!(
            report["failure"]["message"],
            "afterCollection hook failed (kuttl.yaml:9)"
        );
        let apps = &report["testsuite"][0];
        assert_eq!(apps["name"], "apps");
        let scale = &apps["testsuite"][1];
        assert_eq!(scale["name"], "scale");
        let names: Vec<&str> = scale["testcase"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["setup", "step 0-create", "step 1-scale"]);
        let failed_step = &scale["testcase"][2];
        assert_eq!(
            (
                failed_step["classname"].as_str(),
                failed_step["time"].as_str(),
                failed_step["assertions"].as_u64()
            ),
            (Some("scale"), Some("1.500"), Some(2))
        );
        assert_eq!(failed_step["failure"]["message"], "failed in step 1-scale");
        assert_eq!(
            failed_step["failure"]["text"],
            "  resource Deployment:ns/web: .spec.replicas: value mismatch, expected: 3 != actual: 1",
            "the step's last error alone, as KUTTL"
        );
        assert!(
            scale["testcase"][0].get("failure").is_none()
                && scale["testcase"][0].get("assertions").is_none(),
            "empty fields are left out"
        );
        let typo = &report["testsuite"][1]["testsuite"][0]["testcase"][0];
        assert_eq!(
            (typo["name"].as_str(), typo["failure"]["message"].as_str()),
            (Some("setup"), Some("setup failed"))
        );
        assert!(
            typo["failure"]["text"]
                .as_str()
                .unwrap()
                .contains("unknown field `comands`")
        );
    }

    #[test]
    fn test_granularity_has_one_case_per_test_with_its_first_failure() {
        let (tests, hooks) = records();
        let suites = tree::build(&tests, &hooks, Granularity::Test);
        let apps = &suites[0];
        assert_eq!(
            apps.cases
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
            ["basic", "scale"]
        );
        assert_eq!(apps.cases[0].assertions, 4);
        assert_eq!(
            apps.cases[1].failure.as_ref().map(|f| f.message.as_str()),
            Some("failed in step 1-scale")
        );
        assert_eq!(
            suites.last().map(|s| s.name.as_str()),
            Some(tree::COLLECTION_HOOKS)
        );
    }

    #[test]
    fn operation_granularity_has_a_case_per_chainsaw_operation_and_per_kuttl_step() {
        let (mut tests, hooks) = records();
        let operation = |label: &str, kind: &str, failure: Option<&str>| OperationRecord {
            label: label.into(),
            kind: kind.into(),
            started: SystemTime::UNIX_EPOCH + Duration::from_secs(10),
            duration: Duration::from_millis(250),
            failure: failure.map(str::to_string),
        };
        let mut chainsaw = step("1-step-1", Some("try[1] (assert): .data.a: value mismatch"));
        chainsaw.operations = vec![
            operation("try[0] (apply)", "apply", None),
            operation(
                "try[1] (assert)",
                "assert",
                Some("1-step-1 try[1] (assert): .data.a: value mismatch"),
            ),
            operation("catch[0] (events)", "events", None),
        ];
        tests.push(TestRecord {
            steps: vec![chainsaw],
            setup_failure: None,
            ..TestRecord::not_started("apps", "chainsaw-cm", tests[0].started, String::new())
        });

        let suites = tree::build(&tests, &hooks, Granularity::Operation);

        let apps = &suites[0];
        let chainsaw = apps
            .suites
            .iter()
            .find(|s| s.name == "chainsaw-cm")
            .unwrap();
        let cases: Vec<(&str, &str, usize, Option<&str>)> = chainsaw
            .cases
            .iter()
            .map(|c| {
                let message = c.failure.as_ref().map(|f| f.message.as_str());
                (c.classname.as_str(), c.name.as_str(), c.assertions, message)
            })
            .collect();
        assert_eq!(
            cases,
            [
                ("chainsaw-cm", "setup", 0, None),
                ("apply", "step 1-step-1 / try[0] (apply)", 0, None),
                (
                    "assert",
                    "step 1-step-1 / try[1] (assert)",
                    1,
                    Some("failed in step 1-step-1 try[1] (assert)")
                ),
                ("events", "step 1-step-1 / catch[0] (events)", 0, None),
            ]
        );
        let kuttl = apps.suites.iter().find(|s| s.name == "scale").unwrap();
        let names: Vec<&str> = kuttl.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["setup", "step 0-create", "step 1-scale"]);
    }

    #[test]
    fn junit_report_nests_a_suite_per_test_as_kuttl_does() {
        let (tests, hooks) = records();
        let suites = tree::build(&tests, &hooks, Granularity::Step);
        let xml = junit::render("run", &suites, Duration::from_secs(3));
        let lines: Vec<&str> = xml.lines().collect();
        assert_eq!(
            lines[0],
            " <testsuites name=\"run\" tests=\"8\" failures=\"3\" time=\"3.000\">"
        );
        assert!(
            lines[1].starts_with("   <testsuite tests=\"6\" failures=\"1\" timestamp=\""),
            "{xml}"
        );
        assert!(
            lines.iter().any(|l| l
                .starts_with("     <testsuite tests=\"3\" failures=\"1\" timestamp=")
                && l.ends_with(" name=\"scale\">")),
            "{xml}"
        );
        assert!(
            xml.contains("<testcase classname=\"scale\" name=\"step 1-scale\" timestamp=\""),
            "{xml}"
        );
        assert!(
            xml.contains("\n         <failure message=\"failed in step 1-scale\" type=\"\">  resource Deployment:ns/web: .spec.replicas: value mismatch, expected: 3 != actual: 1</failure>\n       </testcase>"),
            "{xml}"
        );
        assert!(xml.contains(" assertions=\"0\"></testcase>"), "{xml}");
        assert!(
            xml.contains("<testcase classname=\"(collection hooks)\" name=\"afterCollection\""),
            "{xml}"
        );
        assert!(xml.ends_with("\n   <failure message=\"afterCollection hook failed (kuttl.yaml:9)\" type=\"\"></failure>\n </testsuites>"), "{xml}");
    }

    #[test]
    fn json_is_laid_out_as_go_writes_it() {
        let (tests, hooks) = records();
        let suites = tree::build(&tests, &hooks, Granularity::Test);
        let json = json::render("run", &suites, Duration::from_secs(3));
        assert!(
            json.starts_with("{\n   \"name\": \"run\",\n   \"tests\": 4,"),
            "{json}"
        );
        assert!(json.ends_with("\n }"), "{json}");
        assert!(
            json.contains(
                "\"text\": \"afterCollection hook afterCollection (kuttl.yaml:9) failed in its commands:\\ncommand \\\"false\\\" failed"
            ),
            "{json}"
        );
        let escaped = json::render("a<b>&c", &suites, Duration::ZERO);
        assert!(
            escaped.contains("\"name\": \"a\\u003cb\\u003e\\u0026c\""),
            "{escaped}"
        );
    }

    #[test]
    fn writes_report_and_artifacts_where_configured() {
        let (tests, hooks) = records();
        let dir = tempfile::tempdir().unwrap();
        let settings = ReportSettings {
            formats: vec![ReportFormat::Json],
            artifacts_dir: Some(dir.path().to_path_buf()),
            ..ReportSettings::default()
        };
        let written = write(&settings, &run_info(), &tests, &hooks).unwrap();
        assert_eq!(
            written,
            [
                dir.path().join("kuttl-report.json"),
                dir.path().to_path_buf()
            ]
        );
        assert!(dir.path().join("apps/basic/log.txt").exists());
        assert!(!dir.path().join("apps/basic/failure.txt").exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("apps/scale/events.txt")).unwrap(),
            "  Warning BackOff"
        );
        assert!(
            std::fs::read_to_string(dir.path().join("core/typo/failure.txt"))
                .unwrap()
                .contains("comands")
        );
    }
}
