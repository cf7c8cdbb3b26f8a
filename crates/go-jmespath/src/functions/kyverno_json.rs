//! kyverno-json's functions (`pkg/jp/functions`): `at`, `concat`, `json_parse`, `wildcard`.

use serde_json::Value;

use super::{ArgSpec, ArgType as T, Functions, array_arg, number_arg, string_arg};
use crate::FunctionError;

pub(super) fn register(functions: &mut Functions) {
    let strings2 = || vec![ArgSpec::new(&[T::String]), ArgSpec::new(&[T::String])];
    functions.register(
        "at",
        vec![ArgSpec::new(&[T::Array]), ArgSpec::new(&[T::Number])],
        |args| {
            // Go's int() truncates the index, and indexing outside the array panics there;
            // here that is an error.
            let items = array_arg(&args[0]);
            let index = number_arg(&args[1]).trunc();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let element = (index >= 0.0).then(|| items.get(index as usize)).flatten();
            element.cloned().ok_or_else(|| {
                FunctionError::InvalidValue(format!(
                    "index {index} out of range [0, {})",
                    items.len()
                ))
            })
        },
    );
    functions.register("concat", strings2(), |args| {
        Ok(format!("{}{}", string_arg(&args[0]), string_arg(&args[1])).into())
    });
    functions.register("json_parse", vec![ArgSpec::new(&[T::String])], |args| {
        serde_json::from_str(string_arg(&args[0])).map_err(|e| FunctionError::Failed(e.to_string()))
    });
    functions.register("wildcard", strings2(), |args| {
        Ok(Value::Bool(wildcard_match(
            string_arg(&args[0]),
            string_arg(&args[1]),
        )))
    });
}

/// Kyverno's `ext/wildcard.Match`: `*` matches any run of characters, `?` exactly one.
pub(super) fn wildcard_match(pattern: &str, name: &str) -> bool {
    if pattern.is_empty() {
        return name.is_empty();
    }
    if pattern == "*" {
        return true;
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // Iterative glob matching with backtracking to the last `*`.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some(&c) if c == '?' || c == name[n] => {
                p += 1;
                n += 1;
            }
            _ => match star {
                Some((star_p, star_n)) => {
                    p = star_p + 1;
                    n = star_n + 1;
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("*.example.*", "www.example.com"));
        assert!(!wildcard_match("", "a"));
        assert!(wildcard_match("ab*", "ab"));
    }
}
