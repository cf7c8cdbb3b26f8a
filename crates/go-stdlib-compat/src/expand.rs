//! `$VAR` and `${VAR}` expansion with Go's `os.Expand` rules.

/// Expands `$NAME`, `${NAME}` and the one-character names (`$1`, `$?`, `$$`, …) with `lookup`, as
/// Go's `os.Expand`: a name `lookup` does not know expands to nothing, bad syntax (`${`, `${}`) is
/// dropped, and a `$` followed by no name stays.
pub fn expand(input: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'$' || at + 1 == bytes.len() {
            at += 1;
            continue;
        }
        out.push_str(&input[copied..at]);
        let (name, width) = shell_name(&input[at + 1..]);
        match name {
            Some(name) => out.push_str(&lookup(name).unwrap_or_default()),
            // `$` followed by no name at all stays as it is.
            None if width == 0 => out.push('$'),
            // Bad syntax (`${`, `${}`) is dropped, as Go does.
            None => {}
        }
        at += 1 + width;
        copied = at;
    }
    out.push_str(&input[copied..]);
    out
}

fn is_special(b: u8) -> bool {
    matches!(b, b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-') || b.is_ascii_digit()
}

/// The name after a `$` and how many bytes it spans (Go's `getShellName`).
fn shell_name(s: &str) -> (Option<&str>, usize) {
    let bytes = s.as_bytes();
    if bytes[0] == b'{' {
        if bytes.len() > 2 && is_special(bytes[1]) && bytes[2] == b'}' {
            return (Some(&s[1..2]), 3);
        }
        return match s[1..].find('}') {
            Some(0) => (None, 2),
            Some(end) => (Some(&s[1..=end]), end + 2),
            None => (None, 1),
        };
    }
    if is_special(bytes[0]) {
        return (Some(&s[..1]), 1);
    }
    let end = bytes
        .iter()
        .position(|&b| !(b == b'_' || b.is_ascii_alphanumeric()))
        .unwrap_or(bytes.len());
    ((end > 0).then(|| &s[..end]), end)
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "NAMESPACE" => Some("kuttl-test-x".into()),
            "A_1" => Some("a".into()),
            "1" => Some("one".into()),
            "$" => Some("$".into()),
            _ => None,
        }
    }

    #[rstest]
    #[case("kubectl get pods -n $NAMESPACE", "kubectl get pods -n kuttl-test-x")]
    #[case("${NAMESPACE}-suffix", "kuttl-test-x-suffix")]
    #[case("$A_1.yaml", "a.yaml")]
    #[case("cost $$5", "cost $5")]
    #[case("${$}", "$")]
    #[case("$UNKNOWN/x", "/x")]
    #[case("trailing $", "trailing $")]
    #[case("a $ b", "a $ b")]
    #[case("${}x", "x")]
    #[case("${unclosed", "unclosed")]
    #[case("$1st", "onest")]
    #[case("${1}", "one")]
    #[case("no variables", "no variables")]
    fn expands_like_go(#[case] input: &str, #[case] expected: &str) {
        assert_eq!(expand(input, env), expected);
    }

    #[test]
    fn a_lookup_without_dollar_drops_double_dollars_as_go_does() {
        assert_eq!(expand("cost $$5 ${X}", |_| None), "cost 5 ");
    }
}
