//! `maskFields` in a collection: each entry becomes a masked field next to the Secret fields, and
//! an entry that names no field is an error at its line.

use kuttl::load::{self, MaskField, Masks};

fn read(yaml: &str) -> Result<load::Collection, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kuttl.yaml");
    std::fs::write(&path, yaml).unwrap();
    load::collection::read(&path).map_err(|err| {
        let diagnostic = err.diagnostic();
        format!("{}: {}", diagnostic.line, diagnostic.message)
    })
}

const V2: &str = "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ntestDirs: [e2e]\n";

#[test]
fn entries_with_and_without_a_kind_are_masked_after_the_secret_fields() {
    let collection = read(&format!(
        "{V2}maskFields:\n- path: $.spec.password\n- kind: ConfigMap\n  apiVersion: v1\n  path: data.token\n"
    ))
    .unwrap();
    assert_eq!(
        collection.masks,
        Masks::new(vec![
            MaskField::new(None, None, "spec.password").unwrap(),
            MaskField::new(Some("ConfigMap".into()), Some("v1".into()), "data.token").unwrap(),
        ])
    );
}

#[test]
fn without_mask_fields_only_secrets_are_masked() {
    assert_eq!(read(V2).unwrap().masks, Masks::default());
}

#[test]
fn a_path_with_an_empty_key_is_an_error_at_its_line() {
    let err = read(&format!("{V2}maskFields:\n- path: data..token\n")).unwrap_err();
    assert!(
        err.starts_with("4: maskFields: path \"data..token\" is not a field path"),
        "{err}"
    );
}

#[test]
fn an_unknown_key_in_an_entry_is_an_error() {
    let err = read(&format!("{V2}maskFields:\n- paht: data.token\n")).unwrap_err();
    assert!(err.contains("unknown field `paht`"), "{err}");
}
