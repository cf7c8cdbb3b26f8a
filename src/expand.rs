//! KUTTL's `$VAR` and `${VAR}` expansion of `command:` strings and of `TestStep` paths: Go's
//! `os.Expand` ([`gostd::expand`]) with KUTTL's mapping, where `$$` is a literal `$` and unknown
//! variables expand to nothing.

/// Expands with `lookup`; `$$` is a `$`.
pub fn expand(input: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    gostd::expand(input, |name| match name {
        "$" => Some("$".into()),
        name => lookup(name),
    })
}

/// Expands with the process environment.
pub fn expand_env(input: &str) -> String {
    expand(input, |name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_double_dollar_is_a_dollar_and_names_come_from_the_lookup() {
        let env = |name: &str| (name == "NAMESPACE").then(|| "kuttl-test-x".to_string());
        assert_eq!(
            expand("cost $$5 -n $NAMESPACE $UNSET.", env),
            "cost $5 -n kuttl-test-x ."
        );
    }
}
