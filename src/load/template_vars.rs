//! The `.Vars` of `*.gotmpl.yaml` files: the collection's `templateVars`, with entries from
//! `KUTTL_TEMPLATE_VARS` (KUTTL's `--template-var` format, `name=value,name2=value2`, each value
//! read as YAML) replacing those of the same name.

use std::collections::BTreeMap;

use super::env_error::EnvError;
use crate::config::yaml;

/// Reads one `--template-var` value as KUTTL does: as YAML (`3` is a number, `[a]` a list).
fn parse_value(text: &str) -> Result<serde_json::Value, String> {
    let docs = yaml::split_documents(text).map_err(|err| err.message)?;
    match docs.first() {
        None => Ok(serde_json::Value::Null),
        Some(doc) => yaml::parse_value(doc)
            .map(Option::unwrap_or_default)
            .map_err(|err| err.message),
    }
}

/// Reads KUTTL's `--template-var` text: `name=value,name2=value2`, each value as YAML.
///
/// # Errors
///
/// Not a list of `name=value`, or a value that is not YAML.
pub fn parse(text: &str) -> Result<BTreeMap<String, serde_json::Value>, String> {
    super::run_labels::parse(text)?
        .into_iter()
        .map(|(name, value)| {
            let value =
                parse_value(&value).map_err(|err| format!("the value of {name:?}: {err}"))?;
            Ok((name, value))
        })
        .collect()
}

/// The collection's variables with the environment's on top.
///
/// # Errors
///
/// `KUTTL_TEMPLATE_VARS` is not a list of `name=value`, or a value is not YAML.
pub fn with_env(
    mut from_file: BTreeMap<String, serde_json::Value>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, serde_json::Value>, EnvError> {
    const NAME: &str = "KUTTL_TEMPLATE_VARS";
    let Some(text) = env(NAME) else {
        return Ok(from_file);
    };
    let vars = parse(&text).map_err(|reason| EnvError::new(NAME, &text, reason))?;
    from_file.extend(vars);
    Ok(from_file)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    #[rstest]
    #[case("n=3", json!({"n": 3}))]
    #[case("s=text, b=true", json!({"s": "text", "b": true}))]
    #[case("l=[a]", json!({"l": ["a"]}))]
    #[case("f=2.5,empty=", json!({"f": 2.5, "empty": null}))]
    fn values_are_read_as_yaml(#[case] text: &str, #[case] expected: serde_json::Value) {
        let vars = with_env(BTreeMap::new(), |_| Some(text.to_string())).unwrap();
        assert_eq!(serde_json::to_value(vars).unwrap(), expected);
    }

    #[test]
    fn the_environment_overrides_entries_of_the_same_name_only() {
        let file = BTreeMap::from([
            ("keep".to_string(), json!("file")),
            ("over".to_string(), json!("file")),
        ]);
        let vars = with_env(file, |_| Some("over=env".into())).unwrap();
        assert_eq!(
            serde_json::to_value(vars).unwrap(),
            json!({"keep": "file", "over": "env"})
        );
    }

    #[rstest]
    #[case(
        "novalue",
        "invalid value \"novalue\" for environment variable KUTTL_TEMPLATE_VARS: \"novalue\" is not key=value"
    )]
    #[case(
        "l=[a",
        "invalid value \"l=[a\" for environment variable KUTTL_TEMPLATE_VARS: the value of \"l\": "
    )]
    fn malformed_variables_name_the_variable(#[case] text: &str, #[case] expected: &str) {
        let err = with_env(BTreeMap::new(), |_| Some(text.to_string()))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(expected), "{err}");
    }
}
