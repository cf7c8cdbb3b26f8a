//! Settings given on a command line (`kubectl kuttl test`'s flags), laid over a collection file's
//! as KUTTL does: a setting overrides the file only when it is given.

use std::collections::BTreeMap;

use crate::config::{Hook, LegacyTestSuite, Start, TestCollection};

/// The settings a command line gives; `None` (or empty) where it gives none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Positional test folders: they replace `testDirs`.
    pub test_dirs: Vec<String>,
    /// `--crd-dir`.
    pub crd_dir: Option<String>,
    /// `--manifest-dir` (replaces `manifestDirs`).
    pub manifest_dirs: Option<Vec<String>>,
    /// `--start-control-plane`; without `skip_delete` it also sets `skipDelete`, as in KUTTL.
    pub start_control_plane: Option<bool>,
    /// `--start-kind`.
    pub start_kind: Option<bool>,
    /// `--kind-config` (implies starting kind).
    pub kind_config: Option<String>,
    /// `--kind-context`.
    pub kind_context: Option<String>,
    /// `--artifacts-dir`.
    pub artifacts_dir: Option<String>,
    /// `--skip-delete`.
    pub skip_delete: Option<bool>,
    /// `--skip-cluster-delete`.
    pub skip_cluster_delete: Option<bool>,
    /// `--parallel`.
    pub parallel: Option<i64>,
    /// `--timeout`.
    pub timeout: Option<i64>,
    /// `--report` (`json` or `xml`).
    pub report_format: Option<String>,
    /// `--report-name`.
    pub report_name: Option<String>,
    /// `--report-granularity`.
    pub report_granularity: Option<String>,
    /// `--namespace`.
    pub namespace: Option<String>,
    /// `--suppress-log`: added to the file's `suppress`.
    pub suppress: Vec<String>,
    /// `--test-run-labels`.
    pub test_run_labels: Option<BTreeMap<String, String>>,
    /// `--template-var`: set over the file's `templateVars`.
    pub template_vars: BTreeMap<String, serde_json::Value>,
    /// A Chainsaw Configuration (`chainsaw test --config`): replaces `chainsaw.config`.
    pub chainsaw_config: Option<String>,
    /// Chainsaw values files (`--values`): after `chainsaw.values`.
    pub chainsaw_values: Vec<String>,
    /// Chainsaw values by dotted path (`--set`, `--set-string`): over `chainsaw.set`.
    pub chainsaw_set: BTreeMap<String, serde_json::Value>,
    /// Chainsaw timeouts by class (`--apply-timeout` …): over `chainsaw.timeouts`.
    pub chainsaw_timeouts: BTreeMap<String, String>,
    /// A label selector over Chainsaw Tests (`--selector`): replaces `chainsaw.selector`.
    pub chainsaw_selector: Option<String>,
    /// Clusters Chainsaw tests may name (`--cluster`): over `chainsaw.clusters`.
    pub chainsaw_clusters: BTreeMap<String, crate::config::ChainsawCluster>,
}

/// Sets the settings both file formats hold under the same names.
macro_rules! set_shared {
    ($overrides:expr, $config:expr) => {
        if !$overrides.test_dirs.is_empty() {
            $config.test_dirs = $overrides.test_dirs.clone();
        }
        set(&mut $config.artifacts_dir, &$overrides.artifacts_dir);
        set(&mut $config.skip_delete, &$overrides.skip_delete());
        set(
            &mut $config.skip_cluster_delete,
            &$overrides.skip_cluster_delete,
        );
        set(&mut $config.parallel, &$overrides.parallel);
        set(&mut $config.timeout, &$overrides.timeout);
        set(&mut $config.report_format, &$overrides.report_format);
        set(&mut $config.report_name, &$overrides.report_name);
        set(
            &mut $config.report_granularity,
            &$overrides.report_granularity,
        );
        set(&mut $config.namespace, &$overrides.namespace);
        $overrides.suppress(&mut $config.suppress);
    };
}

fn set<T: Clone>(field: &mut T, value: &Option<T>) {
    if let Some(value) = value {
        *field = value.clone();
    }
}

impl Overrides {
    /// KUTTL's `--start-control-plane` sets `skipDelete` too, unless `--skip-delete` is given.
    fn skip_delete(&self) -> Option<bool> {
        self.skip_delete
            .or(self.start_control_plane.filter(|start| *start))
    }

    fn suppress(&self, file: &mut Vec<String>) {
        for entry in &self.suppress {
            let entry = entry.to_lowercase();
            if !file.contains(&entry) {
                file.push(entry);
            }
        }
    }

    /// Lays the settings over a `kuttl.dev/v1beta1` `TestSuite` (KUTTL's `kuttl-test.yaml`).
    pub(crate) fn apply_to_legacy(&self, config: &mut LegacyTestSuite) {
        set(&mut config.crd_dir, &self.crd_dir);
        set(&mut config.manifest_dirs, &self.manifest_dirs);
        set(&mut config.start_control_plane, &self.start_control_plane);
        set(&mut config.start_kind, &self.start_kind);
        set(&mut config.kind_config, &self.kind_config);
        set(&mut config.kind_context, &self.kind_context);
        set_shared!(self, config);
    }

    /// Lays the settings over a `kuttl.dev/v1beta2` `TestCollection`: `--crd-dir` and
    /// `--manifest-dir` go into its `beforeCollection` hook, the run labels and template variables
    /// into its fields of those names.
    pub(crate) fn apply_to_collection(&self, config: &mut TestCollection) {
        if self.crd_dir.is_some() || self.manifest_dirs.is_some() {
            let hook = config.before_collection.get_or_insert_with(Hook::default);
            set(&mut hook.crd_dir, &self.crd_dir);
            set(&mut hook.manifest_dirs, &self.manifest_dirs);
        }
        set(
            &mut config.control_plane.start,
            &self.start_control_plane.map(Start::from),
        );
        set(&mut config.kind_cluster.start, &self.start_kind);
        if self.kind_config.is_some() {
            config.kind_cluster.start = true;
        }
        set(&mut config.kind_cluster.config, &self.kind_config);
        set(&mut config.kind_cluster.context, &self.kind_context);
        set_shared!(self, config);
        self.apply_labels_and_vars(&mut config.test_run_labels, &mut config.template_vars);
        self.apply_chainsaw(&mut config.chainsaw);
    }

    /// Lays the Chainsaw settings over a file's (`chainsaw:` in a collection; nothing in KUTTL's
    /// `TestSuite`).
    pub(crate) fn apply_chainsaw(&self, chainsaw: &mut crate::config::ChainsawRun) {
        set(&mut chainsaw.config, &self.chainsaw_config);
        chainsaw.values.extend(self.chainsaw_values.iter().cloned());
        chainsaw.set.extend(self.chainsaw_set.clone());
        chainsaw.timeouts.extend(self.chainsaw_timeouts.clone());
        set(&mut chainsaw.selector, &self.chainsaw_selector);
        chainsaw.clusters.extend(self.chainsaw_clusters.clone());
    }

    /// The run labels replace the file's; template variables are set over the file's.
    pub(crate) fn apply_labels_and_vars(
        &self,
        labels: &mut BTreeMap<String, String>,
        vars: &mut BTreeMap<String, serde_json::Value>,
    ) {
        set(labels, &self.test_run_labels);
        vars.extend(self.template_vars.clone());
    }
}

/// A `--set` value as Helm's `strvals` types it: `true`/`false`, `null`, integers without a
/// leading zero; anything else a string. `--set-string` keeps the text.
pub fn chainsaw_set_value(text: &str) -> serde_json::Value {
    match text {
        "true" => serde_json::Value::Bool(true),
        "false" => serde_json::Value::Bool(false),
        "null" => serde_json::Value::Null,
        _ if text.len() > 1 && text.starts_with('0') => serde_json::Value::from(text),
        _ => text
            .parse::<i64>()
            .map_or_else(|_| serde_json::Value::from(text), serde_json::Value::from),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_collection_gets_the_flags_in_its_own_fields() {
        let mut config = TestCollection {
            test_dirs: vec!["file".into()],
            suppress: vec!["events".into()],
            template_vars: BTreeMap::from([("a".into(), json!(1)), ("b".into(), json!(1))]),
            ..TestCollection::default()
        };
        Overrides {
            test_dirs: vec!["cli".into()],
            crd_dir: Some("crds".into()),
            kind_config: Some("kind.yaml".into()),
            suppress: vec!["Events".into(), "other".into()],
            template_vars: BTreeMap::from([("b".into(), json!(2))]),
            ..Overrides::default()
        }
        .apply_to_collection(&mut config);
        assert_eq!(config.test_dirs, ["cli"]);
        let hook = config.before_collection.unwrap();
        assert_eq!(
            (hook.crd_dir.as_str(), hook.manifest_dirs.len()),
            ("crds", 0)
        );
        assert!(
            config.kind_cluster.start,
            "--kind-config implies starting kind"
        );
        assert_eq!(config.kind_cluster.config, "kind.yaml");
        assert_eq!(config.suppress, ["events", "other"]);
        assert_eq!(
            serde_json::to_value(&config.template_vars).unwrap(),
            json!({"a": 1, "b": 2})
        );
        assert!(!config.skip_delete && config.timeout == 0);
    }

    #[test]
    fn set_values_are_typed_as_helm_types_them() {
        assert_eq!(chainsaw_set_value("true"), json!(true));
        assert_eq!(chainsaw_set_value("12"), json!(12));
        assert_eq!(chainsaw_set_value("01"), json!("01"));
        assert_eq!(chainsaw_set_value("0"), json!(0));
        assert_eq!(chainsaw_set_value("poc"), json!("poc"));
    }
}
