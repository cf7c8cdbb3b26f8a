//! Label-selector matching for `TestFile.testRunSelector` against the run's labels.

use std::collections::BTreeMap;

use crate::config::LabelSelector;

/// Whether `selector` selects a run with `labels`. `Err` names a malformed requirement.
pub fn matches(
    selector: &LabelSelector,
    labels: &BTreeMap<String, String>,
) -> Result<bool, String> {
    let mut selected = selector
        .match_labels
        .iter()
        .all(|(key, value)| labels.get(key) == Some(value));
    for requirement in &selector.match_expressions {
        let value = labels.get(&requirement.key);
        let values = &requirement.values;
        let holds = match requirement.operator.as_str() {
            "In" | "NotIn" if values.is_empty() => {
                return Err(format!(
                    "testRunSelector: operator {} on key {:?} needs values",
                    requirement.operator, requirement.key
                ));
            }
            "Exists" | "DoesNotExist" if !values.is_empty() => {
                return Err(format!(
                    "testRunSelector: operator {} on key {:?} takes no values",
                    requirement.operator, requirement.key
                ));
            }
            "In" => value.is_some_and(|value| values.contains(value)),
            "NotIn" => value.is_none_or(|value| !values.contains(value)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            other => {
                return Err(format!(
                    "testRunSelector: unknown operator {other:?} (In, NotIn, Exists, DoesNotExist)"
                ));
            }
        };
        selected &= holds;
    }
    Ok(selected)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::config::LabelSelectorRequirement;

    fn requirement(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[rstest]
    #[case::empty_selects_all(LabelSelector::default(), true)]
    #[case::match_labels(LabelSelector { match_labels: [("flavor".into(), "vanilla".into())].into(), ..Default::default() }, true)]
    #[case::match_labels_miss(LabelSelector { match_labels: [("flavor".into(), "choc".into())].into(), ..Default::default() }, false)]
    #[case::in_(LabelSelector { match_expressions: vec![requirement("flavor", "In", &["vanilla", "choc"])], ..Default::default() }, true)]
    #[case::not_in(LabelSelector { match_expressions: vec![requirement("flavor", "NotIn", &["vanilla"])], ..Default::default() }, false)]
    #[case::not_in_absent_key(LabelSelector { match_expressions: vec![requirement("size", "NotIn", &["xl"])], ..Default::default() }, true)]
    #[case::exists(LabelSelector { match_expressions: vec![requirement("flavor", "Exists", &[])], ..Default::default() }, true)]
    #[case::does_not_exist(LabelSelector { match_expressions: vec![requirement("flavor", "DoesNotExist", &[])], ..Default::default() }, false)]
    fn selects_like_kubernetes(#[case] selector: LabelSelector, #[case] expected: bool) {
        let labels = [("flavor".to_string(), "vanilla".to_string())].into();
        assert_eq!(matches(&selector, &labels), Ok(expected));
    }

    #[rstest]
    #[case(requirement("a", "In", &[]), "needs values")]
    #[case(requirement("a", "Exists", &["x"]), "takes no values")]
    #[case(requirement("a", "Gt", &["1"]), "unknown operator")]
    fn rejects_malformed_requirements(
        #[case] requirement: LabelSelectorRequirement,
        #[case] expected: &str,
    ) {
        let selector = LabelSelector {
            match_expressions: vec![requirement],
            ..Default::default()
        };
        let err = matches(&selector, &BTreeMap::new()).unwrap_err();
        assert!(err.contains(expected), "{err}");
    }
}
