//! The run's labels for `TestFile.testRunSelector`: the collection's `testRunLabels`, replaced by
//! `KUTTL_TEST_RUN_LABELS` (KUTTL's `--test-run-labels` format, `k=v,k2=v2`) when it is set.

use std::collections::BTreeMap;

use super::env_error::EnvError;

/// Parses `k=v,k2=v2` (spaces around items allowed; an empty string is no labels).
pub fn parse(text: &str) -> Result<BTreeMap<String, String>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("{item:?} is not key=value"))?;
            let key = key.trim();
            if key.is_empty() {
                return Err(format!("{item:?} has an empty key"));
            }
            Ok((key.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// The labels from the file, or from the environment variable when set.
///
/// # Errors
///
/// `KUTTL_TEST_RUN_LABELS` is not a list of `key=value`.
pub fn with_env(
    from_file: BTreeMap<String, String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, EnvError> {
    const NAME: &str = "KUTTL_TEST_RUN_LABELS";
    match env(NAME) {
        Some(text) => parse(&text).map_err(|err| EnvError::new(NAME, &text, err)),
        None => Ok(from_file),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("", &[])]
    #[case("flavor=vanilla", &[("flavor", "vanilla")])]
    #[case("a=1, b=2,", &[("a", "1"), ("b", "2")])]
    #[case("empty=", &[("empty", "")])]
    fn parses_kuttls_format(#[case] text: &str, #[case] expected: &[(&str, &str)]) {
        let expected: BTreeMap<String, String> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(parse(text), Ok(expected));
    }

    #[rstest]
    #[case("novalue", "\"novalue\" is not key=value")]
    #[case("=x", "\"=x\" has an empty key")]
    fn rejects_malformed_labels(#[case] text: &str, #[case] expected: &str) {
        assert_eq!(parse(text), Err(expected.to_string()));
    }

    #[test]
    fn the_environment_replaces_the_file() {
        let file = BTreeMap::from([("flavor".to_string(), "vanilla".to_string())]);
        let env =
            |name: &str| (name == "KUTTL_TEST_RUN_LABELS").then(|| "flavor=chocolate".to_string());
        assert_eq!(with_env(file.clone(), env).unwrap()["flavor"], "chocolate");
        assert_eq!(with_env(file, |_| None).unwrap()["flavor"], "vanilla");
        let err = with_env(BTreeMap::new(), |_| Some("x".into()))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("invalid value \"x\" for environment variable KUTTL_TEST_RUN_LABELS"),
            "{err}"
        );
    }
}
