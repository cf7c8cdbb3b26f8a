//! Sprig's regular expressions (Go's RE2 syntax, which the `regex` crate shares).

use regex::Regex;

use super::{Table, Ty, check_size, fixed, insert_as, int, text};
use crate::value::Value;

pub(super) fn register(table: &mut Table) {
    // Sprig's `regexMatch` is false for a bad pattern; the others fail.
    table.insert(
        "regexMatch",
        fixed(&[Ty::Str, Ty::Str], |a| {
            Ok(Value::Bool(
                compile(&a[0]).is_ok_and(|re| re.is_match(text(&a[1]))),
            ))
        }),
    );
    table.insert(
        "mustRegexMatch",
        fixed(&[Ty::Str, Ty::Str], |a| {
            Ok(Value::Bool(compile(&a[0])?.is_match(text(&a[1]))))
        }),
    );
    insert_as(
        table,
        &["regexFind", "mustRegexFind"],
        fixed(&[Ty::Str, Ty::Str], |a| find(&a)),
    );
    insert_as(
        table,
        &["regexFindAll", "mustRegexFindAll"],
        fixed(&[Ty::Str, Ty::Str, Ty::Int], |a| find_all(&a)),
    );
    insert_as(
        table,
        &["regexReplaceAll", "mustRegexReplaceAll"],
        fixed(&[Ty::Str, Ty::Str, Ty::Str], |a| replace_all(&a, false)),
    );
    insert_as(
        table,
        &["regexReplaceAllLiteral", "mustRegexReplaceAllLiteral"],
        fixed(&[Ty::Str, Ty::Str, Ty::Str], |a| replace_all(&a, true)),
    );
    insert_as(
        table,
        &["regexSplit", "mustRegexSplit"],
        fixed(&[Ty::Str, Ty::Str, Ty::Int], |a| split(&a)),
    );
    table.insert(
        "regexQuoteMeta",
        fixed(&[Ty::Str], |a| Ok(Value::String(quote_meta(text(&a[0]))))),
    );
}

/// Compiles a pattern; the error has Go's `regexp: Compile(`…`): ` prefix and the `regex`
/// crate's reason.
/// `ReplaceAllString` (`$1`, `${name}` expanded) or `ReplaceAllLiteralString`, failing before the
/// result outgrows the size limit: an expansion is at most the replacement plus, for each `$`,
/// the match.
fn replace_all(a: &[Value], literal: bool) -> Result<Value, String> {
    let re = compile(&a[0])?;
    let (s, replacement) = (text(&a[1]), text(&a[2]));
    let references = if literal {
        0
    } else {
        replacement.matches('$').count()
    };
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(s) {
        let whole = caps.get(0).expect("group 0 is the match");
        out.push_str(&s[last..whole.start()]);
        check_size(out.len() + replacement.len() + references.saturating_mul(whole.len()))?;
        if literal {
            out.push_str(replacement);
        } else {
            caps.expand(replacement, &mut out);
        }
        last = whole.end();
    }
    out.push_str(&s[last..]);
    check_size(out.len())?;
    Ok(Value::String(out))
}

fn compile(pattern: &Value) -> Result<Regex, String> {
    let pattern = text(pattern);
    Regex::new(pattern).map_err(|err| {
        let reason = err.to_string();
        let reason = reason.lines().last().unwrap_or_default().trim();
        format!(
            "regexp: Compile(`{pattern}`): error parsing regexp: {}",
            reason.trim_start_matches("error: ")
        )
    })
}

fn find(a: &[Value]) -> Result<Value, String> {
    let re = compile(&a[0])?;
    Ok(Value::String(
        re.find(text(&a[1]))
            .map(|m| m.as_str().to_string())
            .unwrap_or_default(),
    ))
}

/// `n < 0`: every match.
fn find_all(a: &[Value]) -> Result<Value, String> {
    let re = compile(&a[0])?;
    let limit = usize::try_from(int(&a[2])).unwrap_or(usize::MAX);
    Ok(Value::strings(
        re.find_iter(text(&a[1]))
            .take(limit)
            .map(|m| m.as_str().to_string()),
    ))
}

/// Go's `Regexp.Split(s, n)`.
fn split(a: &[Value]) -> Result<Value, String> {
    let re = compile(&a[0])?;
    let s = text(&a[1]);
    let n = int(&a[2]);
    if n == 0 {
        return Ok(Value::List(crate::value::Elem::String, Vec::new()));
    }
    if re.as_str().is_empty() || s.is_empty() && re.is_match("") {
        // Go splits an empty pattern into single characters.
        let chars: Vec<String> = s.chars().map(String::from).collect();
        return Ok(Value::strings(chars));
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for m in re.find_iter(s) {
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        if m.end() == 0 {
            continue;
        }
        parts.push(s[start..m.start()].to_string());
        start = m.end();
    }
    parts.push(s[start..].to_string());
    Ok(Value::strings(parts))
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
