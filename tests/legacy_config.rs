//! KUTTL's `kuttl-test.yaml` keeps working: as the collection file its crdDir, manifestDirs and
//! commands become the beforeCollection hook; at a suite's root it is that suite's file.

use std::path::Path;

use kuttl::load::{self, CollectionFormat, HookPoint};

#[test]
fn legacy_collection_file_becomes_settings_and_a_before_collection_hook() {
    let collection =
        load::collection::read(Path::new("tests/fixtures/legacy/kuttl-test.yaml")).unwrap();
    assert_eq!(collection.format, CollectionFormat::LegacyTestSuite);
    assert_eq!((collection.timeout, collection.parallel), (45, 2));
    assert_eq!(
        collection
            .suites
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["with-suite-file"]
    );
    let before = collection.before.expect("a beforeCollection hook");
    assert_eq!(before.point, HookPoint::BeforeCollection);
    assert_eq!(before.source.line, 7, "the line of crdDir");
    assert_eq!(
        before.base,
        std::env::current_dir().unwrap(),
        "KUTTL resolves paths against the working directory"
    );
    assert!(collection.after.is_none());

    let mut warnings = Vec::new();
    let loaded = load::hook::load(&before, &mut warnings).unwrap();
    let names = |objects: &[load::Object]| {
        objects
            .iter()
            .map(|o| o.value["metadata"]["name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&loaded.crds), ["widgets.legacy.kuttl-rs.dev"]);
    assert_eq!(
        names(&loaded.manifests),
        ["from-manifest-dirs"],
        ".yml files are read too"
    );
    assert_eq!(loaded.hook.activities.commands.len(), 1);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0]
            .message
            .contains("not a CustomResourceDefinition: skipped"),
        "{warnings:?}"
    );
}

#[test]
fn legacy_file_at_a_suite_root_is_the_suites_file() {
    let suite = load::suite::read(Path::new("tests/fixtures/legacy/e2e/with-suite-file")).unwrap();
    assert_eq!(suite.timeout, Some(12));
    let before = suite.before.expect("a beforeSuite hook");
    assert_eq!(before.hook.point, HookPoint::BeforeSuite);
    assert_eq!(
        before.hook.activities.commands[0].script,
        "echo preparing the suite"
    );
    assert!(suite.after.is_none());
}
