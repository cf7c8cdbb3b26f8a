//! Report settings: from the collection file, then overridden by `KUTTL_*` environment variables.

use std::path::{Path, PathBuf};

use super::env_error::EnvError;

/// Report file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// KUTTL's JSON report.
    Json,
    /// JUnit XML.
    Xml,
    /// One self-contained HTML page (a kuttl-rs format).
    Html,
}

/// One test case per test, per step, or per operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Granularity {
    /// One test case per step (`setup`, `step 0-create`, …), KUTTL's default.
    #[default]
    Step,
    /// One test case per test.
    Test,
    /// One test case per operation of a Chainsaw step (Chainsaw's `JUNIT-OPERATION`), per step
    /// for KUTTL tests.
    Operation,
}

/// Where reports and artifacts go and what they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReportSettings {
    /// The report files to write, in order; empty: none.
    pub formats: Vec<ReportFormat>,
    /// The report file name without extension.
    pub name: String,
    /// Test cases per test or per step.
    pub granularity: Granularity,
    /// Where the report, coverage and per-test artifacts go; `None`: reports in the working
    /// directory, no per-test artifacts.
    pub artifacts_dir: Option<PathBuf>,
    /// Record API requests per test and write `coverage.json`.
    pub coverage: bool,
    /// A previous `coverage.json` to compare with.
    pub coverage_baseline: Option<PathBuf>,
}

impl Default for ReportSettings {
    fn default() -> Self {
        Self {
            formats: Vec::new(),
            name: "kuttl-report".into(),
            granularity: Granularity::Step,
            artifacts_dir: None,
            coverage: false,
            coverage_baseline: None,
        }
    }
}

/// The values as written in a collection file.
pub(crate) struct Written<'a> {
    pub format: &'a str,
    pub name: &'a str,
    pub granularity: &'a str,
    pub artifacts_dir: &'a str,
    pub coverage: bool,
    pub coverage_baseline: &'a str,
}

impl ReportSettings {
    /// Settings from a collection file; paths are resolved against `base`. `Err` names the field.
    pub(crate) fn from_file(
        written: &Written<'_>,
        base: &Path,
    ) -> Result<Self, (&'static str, String)> {
        let path = |value: &str| (!value.is_empty()).then(|| base.join(value));
        Ok(Self {
            formats: parse_formats(written.format).map_err(|err| ("reportFormat", err))?,
            name: if written.name.is_empty() {
                "kuttl-report".into()
            } else {
                written.name.to_string()
            },
            granularity: parse_granularity(written.granularity)
                .map_err(|err| ("reportGranularity", err))?,
            artifacts_dir: path(written.artifacts_dir),
            coverage: written.coverage,
            coverage_baseline: path(written.coverage_baseline),
        })
    }

    /// Applies `KUTTL_REPORT_FORMAT`, `KUTTL_REPORT_NAME`, `KUTTL_REPORT_GRANULARITY`,
    /// `KUTTL_ARTIFACTS_DIR`, `KUTTL_COVERAGE` and `KUTTL_COVERAGE_BASELINE` from `env`. `Err` names
    /// the variable and the value.
    ///
    /// # Errors
    ///
    /// A value that is not a format, a granularity or a boolean.
    pub fn with_env(mut self, env: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        if let Some(value) = env("KUTTL_REPORT_FORMAT") {
            self.formats = parse_formats(&value)
                .map_err(|err| EnvError::new("KUTTL_REPORT_FORMAT", &value, err))?;
        }
        if let Some(value) = env("KUTTL_REPORT_NAME").filter(|v| !v.is_empty()) {
            self.name = value;
        }
        if let Some(value) = env("KUTTL_REPORT_GRANULARITY") {
            self.granularity = parse_granularity(&value)
                .map_err(|err| EnvError::new("KUTTL_REPORT_GRANULARITY", &value, err))?;
        }
        if let Some(value) = env("KUTTL_ARTIFACTS_DIR").filter(|v| !v.is_empty()) {
            self.artifacts_dir = Some(PathBuf::from(value));
        }
        if let Some(value) = env("KUTTL_COVERAGE") {
            self.coverage = match value.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => {
                    return Err(EnvError::new(
                        "KUTTL_COVERAGE",
                        &value,
                        "expected true or false",
                    ));
                }
            };
        }
        if let Some(value) = env("KUTTL_COVERAGE_BASELINE").filter(|v| !v.is_empty()) {
            self.coverage_baseline = Some(PathBuf::from(value));
        }
        Ok(self)
    }
}

/// `json`, `xml` or `html` in any case (KUTTL's config file only knows exact `xml`), or several
/// separated by commas (`xml,html`); empty: no report.
pub fn parse_formats(value: &str) -> Result<Vec<ReportFormat>, String> {
    let mut formats = Vec::new();
    for name in value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        let format = match name.to_ascii_lowercase().as_str() {
            "json" => ReportFormat::Json,
            "xml" => ReportFormat::Xml,
            "html" => ReportFormat::Html,
            _ => {
                return Err(format!(
                    "{name:?} is not a report format (json, xml or html, or several separated by commas)"
                ));
            }
        };
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    Ok(formats)
}

fn parse_granularity(value: &str) -> Result<Granularity, String> {
    match value.to_ascii_lowercase().as_str() {
        "" | "step" => Ok(Granularity::Step),
        "test" => Ok(Granularity::Test),
        "operation" => Ok(Granularity::Operation),
        _ => Err(format!(
            "{value:?} is not a report granularity (step, test or operation)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("", &[])]
    #[case("json", &[ReportFormat::Json])]
    #[case("JSON", &[ReportFormat::Json])]
    #[case("XML", &[ReportFormat::Xml])]
    #[case("html", &[ReportFormat::Html])]
    #[case("xml, HTML,xml", &[ReportFormat::Xml, ReportFormat::Html])]
    fn report_formats_are_case_insensitive_and_may_be_several(
        #[case] value: &str,
        #[case] expected: &[ReportFormat],
    ) {
        assert_eq!(parse_formats(value), Ok(expected.to_vec()));
    }

    #[test]
    fn environment_overrides_the_file() {
        let env: HashMap<&str, &str> = HashMap::from([
            ("KUTTL_REPORT_FORMAT", "Xml"),
            ("KUTTL_REPORT_NAME", "ci"),
            ("KUTTL_REPORT_GRANULARITY", "test"),
            ("KUTTL_ARTIFACTS_DIR", "/tmp/out"),
            ("KUTTL_COVERAGE", "1"),
        ]);
        let settings = ReportSettings::default()
            .with_env(|name| env.get(name).map(|v| v.to_string()))
            .unwrap();
        assert_eq!(settings.formats, [ReportFormat::Xml]);
        assert_eq!(
            (settings.name.as_str(), settings.granularity),
            ("ci", Granularity::Test)
        );
        assert_eq!(settings.artifacts_dir, Some(PathBuf::from("/tmp/out")));
        assert!(settings.coverage);
    }

    #[rstest]
    #[case(
        "KUTTL_REPORT_FORMAT",
        "yaml",
        "invalid value \"yaml\" for environment variable KUTTL_REPORT_FORMAT: \"yaml\" is not a report format (json, xml or html, or several separated by commas)"
    )]
    #[case(
        "KUTTL_REPORT_GRANULARITY",
        "suite",
        "invalid value \"suite\" for environment variable KUTTL_REPORT_GRANULARITY: \"suite\" is not a report granularity (step, test or operation)"
    )]
    #[case(
        "KUTTL_COVERAGE",
        "maybe",
        "invalid value \"maybe\" for environment variable KUTTL_COVERAGE: expected true or false"
    )]
    fn bad_environment_values_name_the_variable(
        #[case] name: &str,
        #[case] value: &str,
        #[case] message: &str,
    ) {
        let err = ReportSettings::default()
            .with_env(|n| (n == name).then(|| value.to_string()))
            .unwrap_err();
        assert_eq!(err.to_string(), message);
        assert_eq!(err.variable, name);
    }
}
