//! `x509_decode` against what Go 1.26 gives for the same files (see `x509/README.md`).

use go_jmespath::{Bindings, Functions, compile};
use serde_json::Value;

fn golden(file: &str) -> (String, Value) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/x509");
    let pem = std::fs::read_to_string(dir.join(file)).unwrap();
    let json = std::fs::read_to_string(dir.join(format!("{file}.json"))).unwrap();
    (pem, serde_json::from_str(&json).unwrap())
}

fn decode(pem: &str) -> Result<Value, String> {
    compile("x509_decode(@)")
        .unwrap()
        .search(&Value::from(pem), &Bindings::new(), &Functions::kyverno())
        .map_err(|err| err.to_string())
}

/// The first key whose value differs, for a readable failure.
fn first_difference(actual: &Value, expected: &Value) -> Option<String> {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(e.keys()).collect();
            keys.into_iter()
                .find_map(|key| match (a.get(key), e.get(key)) {
                    (Some(a), Some(e)) => first_difference(a, e).map(|d| format!("{key}.{d}")),
                    (a, e) => Some(format!("{key}: {a:?} != {e:?}")),
                })
        }
        _ if actual == expected => None,
        _ => Some(format!(": {actual} != {expected}")),
    }
}

#[test]
fn certificates_and_requests_decode_as_go_writes_them() {
    for file in ["ca.crt", "leaf.crt", "policy.crt", "leaf.csr", "san.csr"] {
        let (pem, golden) = golden(file);
        let decoded = decode(&pem).unwrap_or_else(|err| panic!("{file}: {err}"));
        assert_eq!(first_difference(&decoded, &golden["value"]), None, "{file}");
    }
}

#[test]
fn what_kyverno_refuses_fails_with_its_message() {
    for file in ["ec.crt", "nopem.txt"] {
        let (pem, golden) = golden(file);
        let error = decode(&pem).unwrap_err();
        let expected = golden["error"].as_str().unwrap();
        assert!(
            error.contains(expected),
            "{file}: {error:?} does not say {expected:?}"
        );
    }
}

#[test]
fn fields_tests_use_read_as_in_kyverno() {
    let (pem, _) = golden("leaf.crt");
    let data = serde_json::json!({"crt": pem});
    let search = |expression: &str| {
        compile(expression)
            .unwrap()
            .search(&data, &Bindings::new(), &Functions::kyverno())
            .unwrap()
    };
    assert_eq!(
        search("x509_decode(crt).Subject.CommonName"),
        Value::from("web.example.com")
    );
    assert_eq!(search("x509_decode(crt).IsCA"), Value::from(false));
    assert_eq!(
        search("x509_decode(crt).DNSNames[1]"),
        Value::from("*.web.example.com")
    );
}
