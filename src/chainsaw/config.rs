//! What a Chainsaw run takes from its settings: a `Configuration` file (`chainsaw.kyverno.io`
//! `v1alpha1` or `v1alpha2`, as `chainsaw test --config` reads it) and `$values` (`--values`
//! files, then `--set` values). The collection names them (`chainsaw:` in `kuttl.yaml`, or the
//! command line).
//!
//! Fields that change what a test does are applied; fields that choose tests or write reports
//! are kuttl-rs's own business (filters, `artifactsDir`), so a Configuration that sets one is an
//! error that says what to use instead, and fields with no effect here are listed as such.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::api::{self, Compiler};
use super::load::{self, at, typed};
use super::model::{Operation, Timeouts};
use super::selector::LabelSelector;
use crate::load::diagnostic::LoadError;
use crate::load::documents;

const GROUP: &str = "chainsaw.kyverno.io";

/// The Chainsaw settings of a run, with Chainsaw's defaults where nothing is set.
#[derive(Debug, Clone)]
pub(crate) struct RunConfig {
    /// Timeouts over Chainsaw's defaults.
    pub timeouts: Timeouts,
    pub skip_delete: bool,
    /// Template resources (`template`, `templating.enabled`).
    pub template: bool,
    /// The engine of expressions that name none (`compiler`, `templating.compiler`).
    pub compiler: Option<Compiler>,
    /// A namespace every test works in.
    pub namespace: Option<String>,
    pub namespace_template: Option<Value>,
    pub namespace_template_compiler: Option<Compiler>,
    /// `catch` (`error.catch`): run before a failed test's and step's own.
    pub catch: Vec<Operation>,
    pub deletion_propagation_policy: Option<String>,
    /// How long to wait before a step's cleanup.
    pub delay_before_cleanup: Option<Duration>,
    /// The termination grace period written into the pods (and pod templates) tests create.
    pub force_termination_grace_period: Option<Duration>,
    /// Tests left once one has failed are not run.
    pub fail_fast: bool,
    /// How many tests run at once, where the collection says nothing.
    pub parallel: Option<usize>,
    /// `$values`.
    pub values: Value,
    /// Which Tests are trials.
    pub selector: LabelSelector,
    /// Clusters by name, their kubeconfig files relative to the working directory.
    pub clusters: api::Clusters,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            timeouts: Timeouts::DEFAULT,
            skip_delete: false,
            template: true,
            compiler: None,
            namespace: None,
            namespace_template: None,
            namespace_template_compiler: None,
            catch: Vec::new(),
            deletion_propagation_policy: None,
            delay_before_cleanup: None,
            force_termination_grace_period: None,
            fail_fast: false,
            parallel: None,
            values: Value::Object(Default::default()),
            selector: LabelSelector::default(),
            clusters: api::Clusters::new(),
        }
    }
}

/// Where a run's Chainsaw settings come from, paths relative to `base`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sources<'a> {
    pub config: Option<&'a str>,
    pub values: &'a [String],
    pub set: &'a BTreeMap<String, Value>,
    /// Timeouts by class, over the Configuration's.
    pub timeouts: &'a BTreeMap<String, String>,
    /// A label selector over the Tests' labels.
    pub selector: &'a str,
    /// Clusters over the Configuration's, their kubeconfig files relative to `base`.
    pub clusters: &'a BTreeMap<String, crate::config::ChainsawCluster>,
}

/// Reads a run's Chainsaw settings.
///
/// # Errors
///
/// A file that cannot be read or is not a Configuration, a field Chainsaw does not know, one
/// kuttl-rs does not take (with what to use instead), a bad duration, a values file that is not
/// a map, a `set` path that crosses a value that is not a map.
pub(crate) fn read(base: &Path, sources: &Sources<'_>) -> Result<RunConfig, LoadError> {
    let mut config = match sources.config {
        Some(file) => configuration(&base.join(file))?,
        None => RunConfig::default(),
    };
    for file in sources.values {
        let path = base.join(file);
        let text = documents::read_text(&path)?;
        for (doc, value) in documents::values(&path, &text)? {
            if !value.is_object() {
                return Err(at(&path, doc.first_line, "values must be a map"));
            }
            merge(&mut config.values, value);
        }
    }
    let timeouts = timeouts_by_class(sources.timeouts)
        .map_err(|message| at(base, 0, format!("chainsaw.timeouts: {message}")))?;
    config.timeouts = timeouts.over(config.timeouts);
    for (dotted, value) in sources.set {
        set_path(&mut config.values, dotted, value.clone())
            .map_err(|message| at(base, 0, format!("chainsaw.set {dotted:?}: {message}")))?;
    }
    for (name, cluster) in sources.clusters {
        let cluster = api::ClusterRef {
            kubeconfig: base
                .join(&cluster.kubeconfig)
                .to_string_lossy()
                .into_owned(),
            context: Some(cluster.context.clone()).filter(|context| !context.is_empty()),
        };
        config.clusters.insert(name.clone(), cluster);
    }
    config.selector = LabelSelector::parse(sources.selector)
        .map_err(|err| at(base, 0, format!("chainsaw.selector: {err}")))?;
    Ok(config)
}

fn timeouts_by_class(set: &BTreeMap<String, String>) -> Result<Timeouts, String> {
    let mut timeouts = api::Timeouts::default();
    for (class, text) in set {
        let slot = match class.as_str() {
            "apply" => &mut timeouts.apply,
            "assert" => &mut timeouts.assert,
            "cleanup" => &mut timeouts.cleanup,
            "delete" => &mut timeouts.delete,
            "error" => &mut timeouts.error,
            "exec" => &mut timeouts.exec,
            other => {
                return Err(format!(
                    "{other:?} is not a timeout class (apply, assert, cleanup, delete, error, exec)"
                ));
            }
        };
        *slot = Some(text.clone());
    }
    load::timeouts(Some(&timeouts))
}

fn configuration(path: &Path) -> Result<RunConfig, LoadError> {
    let text = documents::read_text(path)?;
    let mut found = None;
    for (doc, value) in documents::values(path, &text)? {
        let api_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("");
        let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
        let here = |message: String| at(path, doc.first_line, message);
        if kind != "Configuration" || !api_version.starts_with(&format!("{GROUP}/")) {
            return Err(here(format!(
                "expected a {GROUP} Configuration, found apiVersion {api_version:?} kind {kind:?}"
            )));
        }
        let config = match api_version.strip_prefix(&format!("{GROUP}/")) {
            Some("v1alpha1") => from_v1alpha1(typed(path, &doc)?),
            Some("v1alpha2") => from_v1alpha2(typed(path, &doc)?),
            _ => Err(format!(
                "unknown Configuration version {api_version:?} (v1alpha1 and v1alpha2 are)"
            )),
        };
        if found.is_some() {
            return Err(here("one Configuration per file".into()));
        }
        found = Some(config.map_err(here)?);
    }
    found.ok_or_else(|| at(path, 0, "no Configuration in the file"))
}

/// Fields a Configuration may set that kuttl-rs does its own way.
fn not_taken(field: &str, instead: &str) -> String {
    format!("{field} is not taken by kuttl-rs: {instead}")
}

const FILTER_INSTEAD: &str =
    "select tests with cargo test's filters (or --test with kubectl kuttl-rs)";
const REPORT_INSTEAD: &str =
    "reports are kuttl-rs's (artifactsDir, reportFormat and reportName in kuttl.yaml)";
const REPEAT_INSTEAD: &str = "use --repeat with kubectl kuttl-rs, or nextest's retries";

/// `v1alpha1` `Configuration.spec`, flat.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct V1alpha1 {
    api_version: String,
    kind: String,
    metadata: Value,
    spec: V1alpha1Spec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct V1alpha1Spec {
    timeouts: Option<api::Timeouts>,
    skip_delete: bool,
    template: Option<bool>,
    compiler: Option<Compiler>,
    fail_fast: bool,
    parallel: Option<usize>,
    deletion_propagation_policy: Option<String>,
    report_format: Option<String>,
    report_path: Option<String>,
    report_name: Option<String>,
    namespace: Option<String>,
    namespace_template_compiler: Option<Compiler>,
    namespace_template: Option<Value>,
    fast_namespace_deletion: bool,
    full_name: bool,
    exclude_test_regex: Option<String>,
    include_test_regex: Option<String>,
    repeat_count: Option<u32>,
    test_file: Option<String>,
    force_termination_grace_period: Option<String>,
    delay_before_cleanup: Option<String>,
    clusters: api::Clusters,
    catch: Vec<api::Finally>,
}

fn from_v1alpha1(config: V1alpha1) -> Result<RunConfig, String> {
    let V1alpha1 {
        api_version: _,
        kind: _,
        metadata: _,
        spec,
    } = config;
    reject(&[
        (
            spec.report_format.is_some()
                || spec.report_path.is_some()
                || spec.report_name.is_some(),
            "reportFormat, reportPath and reportName",
            REPORT_INSTEAD,
        ),
        (
            spec.exclude_test_regex.is_some() || spec.include_test_regex.is_some(),
            "excludeTestRegex and includeTestRegex",
            FILTER_INSTEAD,
        ),
        (spec.repeat_count.is_some(), "repeatCount", REPEAT_INSTEAD),
    ])?;
    check_test_file(spec.test_file.as_deref())?;
    // Names are kuttl-rs's either way; the namespace is deleted off the test's slot either way.
    let _ = (spec.full_name, spec.fast_namespace_deletion);
    Ok(RunConfig {
        timeouts: load::timeouts(spec.timeouts.as_ref())?.over(Timeouts::DEFAULT),
        skip_delete: spec.skip_delete,
        template: spec.template.unwrap_or(true),
        compiler: spec.compiler,
        namespace: spec.namespace.filter(|ns| !ns.is_empty()),
        namespace_template: spec.namespace_template,
        namespace_template_compiler: spec.namespace_template_compiler,
        catch: load::finally_operations("catch", spec.catch)?,
        deletion_propagation_policy: spec.deletion_propagation_policy,
        delay_before_cleanup: check_duration(
            "delayBeforeCleanup",
            spec.delay_before_cleanup.as_deref(),
        )?,
        force_termination_grace_period: check_duration(
            "forceTerminationGracePeriod",
            spec.force_termination_grace_period.as_deref(),
        )?,
        fail_fast: spec.fail_fast,
        parallel: spec.parallel,
        values: Value::Object(Default::default()),
        selector: LabelSelector::default(),
        clusters: spec.clusters,
    })
}

/// `v1alpha2` `Configuration`: the same settings, grouped.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct V1alpha2 {
    api_version: String,
    kind: String,
    metadata: Value,
    spec: V1alpha2Spec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct V1alpha2Spec {
    cleanup: Cleanup,
    clusters: api::Clusters,
    deletion: Deletion,
    discovery: Discovery,
    error: Errors,
    execution: Execution,
    namespace: Namespace,
    report: Option<Value>,
    templating: Templating,
    timeouts: Option<api::Timeouts>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Cleanup {
    skip_delete: bool,
    delay_before_cleanup: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Deletion {
    propagation: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Discovery {
    exclude_test_regex: Option<String>,
    include_test_regex: Option<String>,
    test_file: Option<String>,
    full_name: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Errors {
    catch: Vec<api::Finally>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Execution {
    fail_fast: bool,
    parallel: Option<usize>,
    repeat_count: Option<u32>,
    force_termination_grace_period: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Namespace {
    name: Option<String>,
    compiler: Option<Compiler>,
    template: Option<Value>,
    fast_delete: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
struct Templating {
    enabled: Option<bool>,
    compiler: Option<Compiler>,
}

fn from_v1alpha2(config: V1alpha2) -> Result<RunConfig, String> {
    let V1alpha2 {
        api_version: _,
        kind: _,
        metadata: _,
        spec,
    } = config;
    let discovery = spec.discovery;
    reject(&[
        (spec.report.is_some(), "report", REPORT_INSTEAD),
        (
            discovery.exclude_test_regex.is_some() || discovery.include_test_regex.is_some(),
            "discovery.excludeTestRegex and includeTestRegex",
            FILTER_INSTEAD,
        ),
        (
            spec.execution.repeat_count.is_some(),
            "execution.repeatCount",
            REPEAT_INSTEAD,
        ),
    ])?;
    check_test_file(discovery.test_file.as_deref())?;
    let _ = (discovery.full_name, spec.namespace.fast_delete);
    Ok(RunConfig {
        timeouts: load::timeouts(spec.timeouts.as_ref())?.over(Timeouts::DEFAULT),
        skip_delete: spec.cleanup.skip_delete,
        template: spec.templating.enabled.unwrap_or(true),
        compiler: spec.templating.compiler,
        namespace: spec.namespace.name.filter(|ns| !ns.is_empty()),
        namespace_template: spec.namespace.template,
        namespace_template_compiler: spec.namespace.compiler,
        catch: load::finally_operations("error.catch", spec.error.catch)?,
        deletion_propagation_policy: spec.deletion.propagation,
        delay_before_cleanup: check_duration(
            "cleanup.delayBeforeCleanup",
            spec.cleanup.delay_before_cleanup.as_deref(),
        )?,
        force_termination_grace_period: check_duration(
            "execution.forceTerminationGracePeriod",
            spec.execution.force_termination_grace_period.as_deref(),
        )?,
        fail_fast: spec.execution.fail_fast,
        parallel: spec.execution.parallel,
        values: Value::Object(Default::default()),
        selector: LabelSelector::default(),
        clusters: spec.clusters,
    })
}

fn reject(fields: &[(bool, &str, &str)]) -> Result<(), String> {
    match fields.iter().find(|(set, _, _)| *set) {
        Some((_, field, instead)) => Err(not_taken(field, instead)),
        None => Ok(()),
    }
}

fn check_test_file(test_file: Option<&str>) -> Result<(), String> {
    match test_file {
        Some(name)
            if !name.is_empty()
                && !load::TEST_FILES.iter().any(|known| known.starts_with(name)) =>
        {
            Err(format!(
                "testFile {name:?} is not supported: kuttl-rs finds chainsaw-test.yaml (or .yml)"
            ))
        }
        _ => Ok(()),
    }
}

fn check_duration(field: &str, text: Option<&str>) -> Result<Option<Duration>, String> {
    text.map(|text| load::duration(text).map_err(|err| format!("{field}: {err}")))
        .transpose()
}

/// Merges `over` into `base`: maps deeply, anything else replaced (Helm's values merge, which
/// Chainsaw's `--values` uses).
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(&key) {
                    Some(old) => merge(old, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, over) => *base = over,
    }
}

/// Sets `a.b.c` in `values`, making maps on the way.
fn set_path(values: &mut Value, dotted: &str, value: Value) -> Result<(), String> {
    let mut here = values;
    let mut parts = dotted.split('.').peekable();
    while let Some(part) = parts.next() {
        if part.is_empty() {
            return Err("an empty key".into());
        }
        let Value::Object(map) = here else {
            return Err(format!("{part:?} is under a value that is not a map"));
        };
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return Ok(());
        }
        here = map
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read_in(
        files: &[(&str, &str)],
        config: Option<&str>,
        values: &[&str],
        set: &[(&str, Value)],
    ) -> Result<RunConfig, String> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        let set: BTreeMap<String, Value> = set
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let timeouts = BTreeMap::from([("exec".to_string(), "7s".to_string())]);
        read(
            dir.path(),
            &Sources {
                config,
                values: &values,
                set: &set,
                timeouts: &timeouts,
                selector: "",
                clusters: &BTreeMap::new(),
            },
        )
        .map_err(|err| err.to_string())
    }

    const CHAINSAW_E2E: &str = "apiVersion: chainsaw.kyverno.io/v1alpha2\nkind: Configuration\nmetadata:\n  name: configuration\nspec:\n  discovery:\n    fullName: true\n  execution:\n    failFast: true\n    forceTerminationGracePeriod: 5s\n    parallel: 1\n  namespace:\n    compiler: cel\n    template:\n      metadata:\n        annotations:\n          from-config-file: (string(\"hello\"))\n";

    #[test]
    fn clusters_given_beside_the_configuration_win_and_are_relative_to_the_collection() {
        let configuration = "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: c\nspec:\n  clusters:\n    a:\n      kubeconfig: a.yaml\n    b:\n      kubeconfig: b.yaml\n      context: kind-b\n";
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.yaml"), configuration).unwrap();
        let given = BTreeMap::from([(
            "b".to_string(),
            crate::config::ChainsawCluster {
                kubeconfig: "kc/other.yaml".into(),
                context: String::new(),
            },
        )]);
        let config = read(
            dir.path(),
            &Sources {
                config: Some("config.yaml"),
                values: &[],
                set: &BTreeMap::new(),
                timeouts: &BTreeMap::new(),
                selector: "",
                clusters: &given,
            },
        )
        .unwrap();
        assert_eq!(config.clusters["a"].kubeconfig, "a.yaml");
        assert_eq!(
            config.clusters["b"],
            api::ClusterRef {
                kubeconfig: dir.path().join("kc/other.yaml").display().to_string(),
                context: None,
            }
        );
    }

    #[test]
    fn reads_chainsaws_own_e2e_configuration() {
        let config = read_in(
            &[("config.yaml", CHAINSAW_E2E)],
            Some("config.yaml"),
            &[],
            &[],
        )
        .unwrap();
        assert!(config.fail_fast);
        assert_eq!(config.parallel, Some(1));
        assert_eq!(config.namespace_template_compiler, Some(Compiler::Cel));
        assert_eq!(
            config.namespace_template,
            Some(json!({"metadata": {"annotations": {"from-config-file": "(string(\"hello\"))"}}}))
        );
        assert!(config.template);
        assert_eq!(
            config.force_termination_grace_period,
            Some(Duration::from_secs(5))
        );
        assert_eq!(config.timeouts.apply, Some(Duration::from_secs(5)));
    }

    #[test]
    fn v1alpha1_timeouts_over_chainsaws_defaults() {
        let file = "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: c\nspec:\n  timeouts:\n    assert: 1m\n  skipDelete: true\n  template: false\n";
        let config = read_in(&[("c.yaml", file)], Some("c.yaml"), &[], &[]).unwrap();
        assert_eq!(config.timeouts.assert, Some(Duration::from_secs(60)));
        // `exec: 7s` from the run's own timeouts, over the Configuration's and the defaults.
        assert_eq!(config.timeouts.exec, Some(Duration::from_secs(7)));
        assert_eq!(config.timeouts.apply, Some(Duration::from_secs(5)));
        assert!(config.skip_delete && !config.template);
    }

    #[test]
    fn values_files_merge_in_order_then_set_paths() {
        let config = read_in(
            &[
                ("a.yaml", "foo: bar\nimage:\n  repo: x\n"),
                ("b.yaml", "image:\n  pull: Always\n"),
            ],
            None,
            &["a.yaml", "b.yaml"],
            &[("env", json!("poc")), ("image.tag", json!("01"))],
        )
        .unwrap();
        assert_eq!(
            config.values,
            json!({"foo": "bar", "env": "poc", "image": {"repo": "x", "pull": "Always", "tag": "01"}})
        );
        let error = read_in(&[], None, &[], &[("a", json!(1)), ("a.b", json!(2))]).unwrap_err();
        assert!(
            error.contains("\"b\" is under a value that is not a map"),
            "{error}"
        );
    }

    #[test]
    fn fields_kuttl_rs_does_its_own_way_are_errors_that_say_what_to_use() {
        let file = "apiVersion: chainsaw.kyverno.io/v1alpha2\nkind: Configuration\nmetadata:\n  name: c\nspec:\n  discovery:\n    includeTestRegex: foo\n";
        let error = read_in(&[("c.yaml", file)], Some("c.yaml"), &[], &[]).unwrap_err();
        assert!(error.contains("c.yaml:1"), "{error}");
        assert!(error.contains("cargo test's filters"), "{error}");
        let unknown = "apiVersion: chainsaw.kyverno.io/v1alpha2\nkind: Configuration\nspec:\n  executon: {}\n";
        assert!(
            read_in(&[("c.yaml", unknown)], Some("c.yaml"), &[], &[])
                .unwrap_err()
                .contains("executon")
        );
        let not_config = "apiVersion: v1\nkind: ConfigMap\n";
        assert!(
            read_in(&[("c.yaml", not_config)], Some("c.yaml"), &[], &[])
                .unwrap_err()
                .contains("expected a chainsaw.kyverno.io Configuration")
        );
    }
}
