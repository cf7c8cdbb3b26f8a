//! Where a collection's cluster comes from: the kubeconfig, an embedded control plane, or kind —
//! in both file formats, with KUTTL's rules.

use std::path::PathBuf;

use kuttl::load::{self, ClusterSource, KindSettings};
use rstest::rstest;

fn read(yaml: &str) -> Result<load::Collection, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kuttl.yaml");
    std::fs::write(&path, yaml).unwrap();
    load::collection::read(&path).map_err(|err| err.diagnostic().message.clone())
}

const V2: &str = "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [e2e]\n";
const V1: &str = "apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\ntestDirs: [e2e]\n";

#[rstest]
#[case::default_v2(V2, ClusterSource::Kubeconfig)]
#[case::default_v1(V1, ClusterSource::Kubeconfig)]
#[case::control_plane(&format!("{V2}controlPlane:\n  start: true\n  args: [--v=2]\n"), ClusterSource::ControlPlane { args: vec!["--v=2".into()], version: None })]
#[case::legacy_control_plane(&format!("{V1}startControlPlane: true\ncontrolPlaneArgs: [--v=3]\n"), ClusterSource::ControlPlane { args: vec!["--v=3".into()], version: None })]
#[case::kind(&format!("{V2}kindCluster:\n  start: true\n  containers: [app:dev]\n"), ClusterSource::Kind(KindSettings { name: "kind".into(), config: None, containers: vec!["app:dev".into()] }))]
#[case::legacy_kind_config_implies_start(&format!("{V1}kindConfig: kind.yaml\nkindContext: e2e\n"), ClusterSource::Kind(KindSettings { name: "e2e".into(), config: Some(std::env::current_dir().unwrap().join("kind.yaml")), containers: vec![] }))]
fn reads_the_cluster_source(#[case] yaml: &str, #[case] expected: ClusterSource) {
    assert_eq!(read(yaml).unwrap().cluster, expected);
}

#[test]
fn kind_config_is_relative_to_a_v1beta2_collection_file() {
    let collection = read(&format!(
        "{V2}kindCluster:\n  start: true\n  config: cluster.yaml\n  context: ci\n"
    ))
    .unwrap();
    let ClusterSource::Kind(settings) = collection.cluster else {
        panic!("{:?}", collection.cluster)
    };
    assert_eq!(settings.name, "ci");
    assert!(
        settings
            .config
            .is_some_and(|path: PathBuf| path.ends_with("cluster.yaml") && path.is_absolute())
    );
}

#[rstest]
#[case(&format!("{V2}controlPlane: {{start: true}}\nkindCluster: {{start: true}}\n"), "controlPlane.start and kindCluster.start: a run uses one cluster")]
#[case(&format!("{V1}startControlPlane: true\nstartKIND: true\n"), "startControlPlane and startKIND: a run uses one cluster")]
fn one_cluster_source_at_a_time(#[case] yaml: &str, #[case] expected: &str) {
    let err = read(yaml).unwrap_err();
    assert!(err.contains(expected), "{err}");
}

#[test]
fn auto_starts_a_control_plane_only_when_no_cluster_is_configured() {
    let auto = read(&format!(
        "{V2}controlPlane:\n  start: auto\n  version: \"1.28\"\n"
    ))
    .unwrap()
    .cluster;
    let plane = ClusterSource::ControlPlane {
        args: vec![],
        version: Some("1.28".into()),
    };
    assert_eq!(
        auto,
        ClusterSource::Auto {
            args: vec![],
            version: Some("1.28".into())
        }
    );
    let env = |vars: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    };
    assert_eq!(
        auto.clone().decided(env(&[("HOME", "/nonexistent")])),
        plane
    );
    assert_eq!(
        auto.clone().decided(env(&[("KUBECONFIG", "/k.yaml")])),
        ClusterSource::Kubeconfig
    );
    assert_eq!(
        auto.clone()
            .decided(env(&[("KUBERNETES_SERVICE_HOST", "10.0.0.1")])),
        ClusterSource::Kubeconfig
    );
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".kube")).unwrap();
    std::fs::write(home.path().join(".kube/config"), "").unwrap();
    let home_path = home.path().to_str().unwrap().to_string();
    let with_home = move |name: &str| (name == "HOME").then(|| home_path.clone());
    assert_eq!(auto.decided(with_home), ClusterSource::Kubeconfig);
}

#[test]
fn start_is_true_false_or_auto() {
    let err = read(&format!("{V2}controlPlane:\n  start: sometimes\n")).unwrap_err();
    assert!(
        err.contains("\"sometimes\" is not true, false or auto"),
        "{err}"
    );
    let both = read(&format!(
        "{V2}controlPlane:\n  start: auto\nkindCluster:\n  start: true\n"
    ))
    .unwrap_err();
    assert!(both.contains("a run uses one cluster"), "{both}");
}
