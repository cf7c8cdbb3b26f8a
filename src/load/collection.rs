//! Reading the collection file: `kuttl.yaml` (`TestCollection`) or KUTTL's `kuttl-test.yaml`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::diagnostic::{Diagnostic, LoadError, Warning};
use super::documents::{self, TypeMeta};
use super::env_error::EnvError;
use super::hook;
use super::model::{
    ClusterSource, Collection, CollectionFormat, Hook, HookPoint, KindSettings, SuiteDir,
};
use super::overrides::Overrides;
use super::remote::{self, RemoteSuites};
use super::report_settings::{ReportSettings, Written};
use crate::config::yaml::{self, RawDocument};
use crate::config::{LegacyTestSuite, Start, TestCollection};
use gostd::Glob;

use crate::mask::{MaskField, Masks};

const DEFAULT_TIMEOUT: i64 = 30;
const DEFAULT_PARALLEL: usize = 8;

/// The settings both formats share, before checking.
struct Settings {
    name: String,
    test_dirs: Vec<String>,
    base: PathBuf,
    timeout: i64,
    parallel: i64,
    skip_delete: bool,
    suppress: Vec<String>,
    ignore_files: Option<Vec<String>>,
    before: Option<Hook>,
    after: Option<Hook>,
    cluster: Result<ClusterSource, String>,
    skip_cluster_delete: bool,
    report: Result<ReportSettings, (&'static str, String)>,
    run_labels: std::collections::BTreeMap<String, String>,
    template_vars: std::collections::BTreeMap<String, serde_json::Value>,
    namespace: String,
    mask_fields: Vec<crate::config::MaskField>,
    chainsaw: crate::config::ChainsawRun,
}

/// The collection with the environment's overrides on top of the file's settings: the report
/// settings (`KUTTL_REPORT_*`, `KUTTL_ARTIFACTS_DIR`, `KUTTL_COVERAGE*`), the run's labels
/// (`KUTTL_TEST_RUN_LABELS`) and the template variables (`KUTTL_TEMPLATE_VARS`); and
/// `controlPlane.start: auto` decided (see [`ClusterSource::decided`]).
///
/// # Errors
///
/// A malformed value, with the variable's name and the value.
pub fn with_env(
    mut collection: Collection,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Collection, EnvError> {
    collection.report = collection.report.with_env(&env)?;
    collection.run_labels = super::run_labels::with_env(collection.run_labels, &env)?;
    collection.template_vars = super::template_vars::with_env(collection.template_vars, &env)?;
    collection.cluster = collection.cluster.decided(&env);
    Ok(collection)
}

/// Reads and checks a collection file. Only the file itself is read: suite folders are not touched.
///
/// # Errors
///
/// An unreadable or malformed file, no configuration object in it, no `testDirs`, a negative
/// `parallel`, a malformed `ignoreFiles` glob, or two suites with the same folder name.
pub fn read(path: &Path) -> Result<Collection, LoadError> {
    read_with(Some(path), &Overrides::default())
}

/// What `kubectl kuttl test` reads without a configuration file: a `TestSuite` that sets nothing.
const NO_FILE: &str = "apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\n";

/// The name errors give a collection that comes from the command line alone.
pub const COMMAND_LINE: &str = "(command line)";

/// As [`read`], with `overrides` laid over the file's settings. Without a file (`None`), the
/// collection is KUTTL's `TestSuite` with nothing set, and `overrides` give it all, as
/// `kubectl kuttl test` without `--config`.
///
/// # Errors
///
/// As [`read`]; the settings from the command line are checked as the file's are.
pub fn read_with(path: Option<&Path>, overrides: &Overrides) -> Result<Collection, LoadError> {
    let (path, text) = match path {
        Some(path) => {
            let path = std::path::absolute(path)
                .map_err(|err| Diagnostic::file(path, format!("cannot resolve path: {err}")))?;
            let text = documents::read_text(&path)?;
            (path, text)
        }
        None => (PathBuf::from(COMMAND_LINE), NO_FILE.to_string()),
    };
    let mut warnings = Vec::new();
    let mut found = None;
    for (doc, value) in documents::values(&path, &text)? {
        let meta = TypeMeta::of(&value);
        if meta.is_kuttl("TestCollection") {
            let mut config: TestCollection = documents::typed(&path, &doc, &mut warnings)?;
            overrides.apply_to_collection(&mut config);
            found = Some((
                CollectionFormat::TestCollection,
                doc,
                from_collection(config, &path, &doc),
            ));
        } else if meta.is_kuttl("TestSuite") && meta.version == "v1beta2" {
            return Err(Diagnostic::at(
                &path,
                doc.first_line,
                0,
                "a kuttl.dev/v1beta2 TestSuite configures one suite and belongs in kuttl-testsuite.yaml at the suite's root; a collection file holds a TestCollection",
            )
            .into());
        } else if meta.is_kuttl("TestSuite") {
            let mut config: LegacyTestSuite = documents::typed(&path, &doc, &mut warnings)?;
            overrides.apply_to_legacy(&mut config);
            let mut settings = from_legacy(config, &path, &doc)?;
            overrides.apply_labels_and_vars(&mut settings.run_labels, &mut settings.template_vars);
            overrides.apply_chainsaw(&mut settings.chainsaw);
            found = Some((CollectionFormat::LegacyTestSuite, doc, settings));
        } else {
            warnings.push(Diagnostic::at(
                &path,
                doc.first_line,
                0,
                format!(
                    "ignoring object of kind {:?} (apiVersion {:?}): a collection file holds a kuttl.dev TestCollection or TestSuite",
                    meta.kind,
                    value.get("apiVersion").and_then(|v| v.as_str()).unwrap_or("")
                ),
            ));
        }
    }
    let Some((format, doc, settings)) = found else {
        return Err(Diagnostic::file(
            &path,
            "no kuttl.dev TestCollection (v1beta2) or TestSuite (v1beta1) object in the file",
        )
        .into());
    };
    check(path.clone(), format, &doc, settings, warnings)
}

fn from_collection(config: TestCollection, path: &Path, doc: &RawDocument<'_>) -> Settings {
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let plane = (
        config.control_plane.args.clone(),
        non_empty(&config.control_plane.version),
    );
    let auto = config.control_plane.start == Start::Auto;
    let cluster = cluster_source(
        (config.control_plane.start == Start::Yes).then(|| plane.clone()),
        config.kind_cluster.start.then(|| KindSettings {
            name: non_empty_or(&config.kind_cluster.context, "kind"),
            config: (!config.kind_cluster.config.is_empty())
                .then(|| base.join(&config.kind_cluster.config)),
            containers: config.kind_cluster.containers.clone(),
        }),
        "controlPlane.start and kindCluster.start",
    )
    .and_then(|cluster| match (auto, cluster) {
        (false, cluster) => Ok(cluster),
        (true, ClusterSource::Kubeconfig) => Ok(ClusterSource::Auto {
            args: plane.0,
            version: plane.1,
        }),
        (true, _) => Err(
            "controlPlane.start: auto and kindCluster.start: a run uses one cluster; set one of them"
                .to_string(),
        ),
    });
    let report = ReportSettings::from_file(
        &Written {
            format: &config.report_format,
            name: &config.report_name,
            granularity: &config.report_granularity,
            artifacts_dir: &config.artifacts_dir,
            coverage: config.coverage,
            coverage_baseline: &config.coverage_baseline,
        },
        &base,
    );
    Settings {
        cluster,
        skip_cluster_delete: config.skip_cluster_delete,
        report,
        run_labels: config.test_run_labels.clone(),
        template_vars: config.template_vars.clone(),
        namespace: config.namespace.clone(),
        mask_fields: config.mask_fields.clone(),
        chainsaw: config.chainsaw.clone(),
        before: hook::declared(
            HookPoint::BeforeCollection,
            config.before_collection,
            path,
            doc,
            &base,
        ),
        after: hook::declared(
            HookPoint::AfterCollection,
            config.after_collection,
            path,
            doc,
            &base,
        ),
        name: metadata_name(&config.metadata),
        test_dirs: config.test_dirs,
        base,
        timeout: config.timeout,
        parallel: config.parallel,
        skip_delete: config.skip_delete,
        suppress: config.suppress,
        ignore_files: config.ignore_files,
    }
}

fn from_legacy(
    config: LegacyTestSuite,
    path: &Path,
    doc: &RawDocument<'_>,
) -> Result<Settings, LoadError> {
    let cwd = std::env::current_dir().map_err(|err| {
        Diagnostic::file(
            Path::new("."),
            format!("cannot read the working directory: {err}"),
        )
    })?;
    // KUTTL: setting kindConfig implies startKIND; the two starts exclude each other.
    let start_kind = config.start_kind || !config.kind_config.is_empty();
    let cluster = cluster_source(
        config
            .start_control_plane
            .then(|| (config.control_plane_args.clone(), None)),
        start_kind.then(|| KindSettings {
            name: non_empty_or(&config.kind_context, "kind"),
            config: (!config.kind_config.is_empty()).then(|| cwd.join(&config.kind_config)),
            containers: config.kind_containers.clone(),
        }),
        "startControlPlane and startKIND",
    );
    let report = ReportSettings::from_file(
        &Written {
            format: &config.report_format,
            name: &config.report_name,
            granularity: &config.report_granularity,
            artifacts_dir: &config.artifacts_dir,
            coverage: false,
            coverage_baseline: "",
        },
        &cwd,
    );
    Ok(Settings {
        cluster,
        skip_cluster_delete: config.skip_cluster_delete,
        report,
        run_labels: Default::default(),
        template_vars: Default::default(),
        namespace: config.namespace.clone(),
        mask_fields: Vec::new(),
        chainsaw: Default::default(),
        before: hook::legacy_before(HookPoint::BeforeCollection, &config, path, doc, &cwd),
        after: None,
        name: metadata_name(&config.metadata),
        test_dirs: config.test_dirs,
        // KUTTL resolves its paths against the working directory, not the file.
        base: cwd,
        timeout: config.timeout,
        parallel: config.parallel,
        skip_delete: config.skip_delete,
        suppress: config.suppress,
        ignore_files: config.ignore_files,
    })
}

/// The cluster a run uses: a control plane (with these API server arguments), a kind cluster, or
/// the kubeconfig; `fields` names the two settings that cannot both be on.
fn cluster_source(
    control_plane: Option<(Vec<String>, Option<String>)>,
    kind: Option<KindSettings>,
    fields: &str,
) -> Result<ClusterSource, String> {
    match (control_plane, kind) {
        (Some(_), Some(_)) => Err(format!("{fields}: a run uses one cluster; set one of them")),
        (Some((args, version)), None) => Ok(ClusterSource::ControlPlane { args, version }),
        (None, Some(kind)) => Ok(ClusterSource::Kind(kind)),
        (None, None) => Ok(ClusterSource::Kubeconfig),
    }
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_string())
}

fn non_empty_or(value: &str, default: &str) -> String {
    if value.is_empty() { default } else { value }.to_string()
}

fn metadata_name(metadata: &serde_json::Map<String, serde_json::Value>) -> String {
    metadata
        .get("name")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn check(
    path: PathBuf,
    format: CollectionFormat,
    doc: &RawDocument<'_>,
    settings: Settings,
    warnings: Vec<Warning>,
) -> Result<Collection, LoadError> {
    let at = |key: &str, message: String| -> LoadError {
        Diagnostic::at(&path, yaml::key_line(doc, key), 0, message).into()
    };
    if settings.test_dirs.is_empty() {
        return Err(at("testDirs", "testDirs: no test directories given".into()));
    }
    let chainsaw = crate::chainsaw::config::read(
        &settings.base,
        &crate::chainsaw::config::Sources {
            config: Some(settings.chainsaw.config.as_str()).filter(|file| !file.is_empty()),
            values: &settings.chainsaw.values,
            set: &settings.chainsaw.set,
            timeouts: &settings.chainsaw.timeouts,
            selector: &settings.chainsaw.selector,
            clusters: &settings.chainsaw.clusters,
        },
    )?;
    let parallel = match settings.parallel {
        // A Chainsaw Configuration's `parallel` where the collection sets none.
        0 => chainsaw.parallel.unwrap_or(DEFAULT_PARALLEL).max(1),
        n => usize::try_from(n).map_err(|_| {
            at(
                "parallel",
                format!("parallel: must not be negative, got {n}"),
            )
        })?,
    };
    let ignore_files = settings
        .ignore_files
        .unwrap_or_else(|| vec!["README*".to_string()])
        .iter()
        .map(|pattern| {
            Glob::new(pattern).map_err(|err| at("ignoreFiles", format!("ignoreFiles: {err}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let masks = settings
        .mask_fields
        .iter()
        .map(|field| {
            let non_empty = |text: &str| (!text.is_empty()).then(|| text.to_string());
            MaskField::new(
                non_empty(&field.kind),
                non_empty(&field.api_version),
                &field.path,
            )
            .map_err(|err| at("maskFields", format!("maskFields: {err}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Masks::new)?;
    let cluster_key = match format {
        CollectionFormat::TestCollection => "controlPlane",
        CollectionFormat::LegacyTestSuite => "startControlPlane",
    };
    let cluster = settings
        .cluster
        .map_err(|message| at(cluster_key, message))?;
    let report = settings
        .report
        .map_err(|(field, message)| at(field, format!("{field}: {message}")))?;
    let remote = match settings.test_dirs.iter().any(|entry| remote::is_url(entry)) {
        true => Some(Arc::new(RemoteSuites::new().map_err(|err| {
            at(
                "testDirs",
                format!("testDirs: no folder for remote suites: {err}"),
            )
        })?)),
        false => None,
    };
    let mut suites: Vec<SuiteDir> = Vec::new();
    for entry in &settings.test_dirs {
        let path = match &remote {
            Some(remote) if remote::is_url(entry) => remote.folder(entry),
            _ => gostd::clean(&settings.base.join(entry)),
        };
        let suite = suite_dir(path, entry);
        if let Some(other) = suites.iter().find(|other| other.name == suite.name) {
            return Err(at(
                "testDirs",
                format!(
                    "testDirs: {:?} and {:?} are both named {:?}; suite folder names must be unique because they start every test's name",
                    other.entry, entry, suite.name
                ),
            ));
        }
        suites.push(suite);
    }
    Ok(Collection {
        path,
        format,
        name: settings.name,
        suites,
        timeout: if settings.timeout == 0 {
            DEFAULT_TIMEOUT
        } else {
            settings.timeout
        },
        parallel,
        skip_delete: settings.skip_delete,
        // Exact and case-sensitive, as KUTTL compares the config file's values.
        suppress_events: settings.suppress.iter().any(|s| s == "events"),
        cluster,
        skip_cluster_delete: settings.skip_cluster_delete,
        report,
        run_labels: settings.run_labels,
        template_vars: settings.template_vars,
        masks,
        namespace: (!settings.namespace.is_empty()).then_some(settings.namespace),
        ignore_files,
        remote,
        before: settings.before,
        after: settings.after,
        chainsaw: Arc::new(chainsaw),
        warnings,
    })
}

fn suite_dir(path: PathBuf, entry: &str) -> SuiteDir {
    let name = path.file_name().map_or_else(
        || entry.to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    SuiteDir {
        name,
        path,
        entry: entry.to_string(),
    }
}
