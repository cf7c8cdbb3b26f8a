//! Sprig's string functions.

use super::{Table, Ty, check_size, fixed, int, text, variadic};
use crate::format;
use crate::value::{Elem, Value};

pub(super) fn register(table: &mut Table) {
    table.insert(
        "trim",
        fixed(&[Ty::Str], |a| ok(text(&a[0]).trim_matches(go_space))),
    );
    table.insert(
        "trimAll",
        fixed(&[Ty::Str, Ty::Str], |a| {
            ok(trim_set(text(&a[1]), text(&a[0])))
        }),
    );
    table.insert(
        "trimall",
        fixed(&[Ty::Str, Ty::Str], |a| {
            ok(trim_set(text(&a[1]), text(&a[0])))
        }),
    );
    table.insert(
        "trimPrefix",
        fixed(&[Ty::Str, Ty::Str], |a| {
            ok(text(&a[1]).strip_prefix(text(&a[0])).unwrap_or(text(&a[1])))
        }),
    );
    table.insert(
        "trimSuffix",
        fixed(&[Ty::Str, Ty::Str], |a| {
            ok(text(&a[1]).strip_suffix(text(&a[0])).unwrap_or(text(&a[1])))
        }),
    );
    table.insert(
        "upper",
        fixed(&[Ty::Str], |a| ok(text(&a[0]).to_uppercase())),
    );
    table.insert(
        "lower",
        fixed(&[Ty::Str], |a| ok(text(&a[0]).to_lowercase())),
    );
    table.insert("title", fixed(&[Ty::Str], |a| ok(title(text(&a[0])))));
    table.insert("untitle", fixed(&[Ty::Str], |a| ok(untitle(text(&a[0])))));
    table.insert(
        "repeat",
        fixed(&[Ty::Int, Ty::Str], |a| {
            let count = int(&a[0]);
            if count < 0 {
                return Err("strings: negative Repeat count".into());
            }
            check_size((count as usize).saturating_mul(text(&a[1]).len()))?;
            ok(text(&a[1]).repeat(count as usize))
        }),
    );
    table.insert(
        "substr",
        fixed(&[Ty::Int, Ty::Int, Ty::Str], |a| {
            substr(int(&a[0]), int(&a[1]), text(&a[2]))
        }),
    );
    table.insert(
        "trunc",
        fixed(&[Ty::Int, Ty::Str], |a| ok(trunc(int(&a[0]), text(&a[1])))),
    );
    table.insert(
        "abbrev",
        fixed(&[Ty::Int, Ty::Str], |a| ok(abbrev(int(&a[0]), text(&a[1])))),
    );
    table.insert(
        "nospace",
        fixed(&[Ty::Str], |a| {
            ok(text(&a[0])
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>())
        }),
    );
    table.insert("initials", fixed(&[Ty::Str], |a| ok(initials(text(&a[0])))));
    table.insert(
        "wrap",
        fixed(&[Ty::Int, Ty::Str], |a| ok(wrap(text(&a[1]), int(&a[0])))),
    );
    table.insert(
        "contains",
        fixed(&[Ty::Str, Ty::Str], |a| {
            Ok(Value::Bool(text(&a[1]).contains(text(&a[0]))))
        }),
    );
    table.insert(
        "hasPrefix",
        fixed(&[Ty::Str, Ty::Str], |a| {
            Ok(Value::Bool(text(&a[1]).starts_with(text(&a[0]))))
        }),
    );
    table.insert(
        "hasSuffix",
        fixed(&[Ty::Str, Ty::Str], |a| {
            Ok(Value::Bool(text(&a[1]).ends_with(text(&a[0]))))
        }),
    );
    table.insert(
        "quote",
        variadic(&[], Ty::Any, |a| {
            ok(non_nil(&a)
                .map(|v| format::quote(&strval(v)))
                .collect::<Vec<_>>()
                .join(" "))
        }),
    );
    table.insert(
        "squote",
        variadic(&[], Ty::Any, |a| {
            ok(non_nil(&a)
                .map(|v| format!("'{}'", format::display(v)))
                .collect::<Vec<_>>()
                .join(" "))
        }),
    );
    table.insert(
        "cat",
        variadic(&[], Ty::Any, |a| {
            ok(non_nil(&a)
                .map(format::display)
                .collect::<Vec<_>>()
                .join(" "))
        }),
    );
    table.insert(
        "indent",
        fixed(&[Ty::Int, Ty::Str], |a| {
            ok(indent(int(&a[0]), text(&a[1]))?)
        }),
    );
    table.insert(
        "nindent",
        fixed(&[Ty::Int, Ty::Str], |a| {
            ok(format!("\n{}", indent(int(&a[0]), text(&a[1]))?))
        }),
    );
    table.insert(
        "replace",
        fixed(&[Ty::Str, Ty::Str, Ty::Str], |a| {
            ok(replace(text(&a[2]), text(&a[0]), text(&a[1]))?)
        }),
    );
    table.insert(
        "plural",
        fixed(&[Ty::Str, Ty::Str, Ty::Int], |a| {
            Ok(if int(&a[2]) == 1 {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }),
    );
    table.insert(
        "snakecase",
        fixed(&[Ty::Str], |a| ok(delimited(text(&a[0]), '_'))),
    );
    table.insert(
        "kebabcase",
        fixed(&[Ty::Str], |a| ok(delimited(text(&a[0]), '-'))),
    );
    table.insert(
        "camelcase",
        fixed(&[Ty::Str], |a| ok(camelcase(text(&a[0])))),
    );
    table.insert("swapcase", fixed(&[Ty::Str], |a| ok(swapcase(text(&a[0])))));
    table.insert(
        "split",
        fixed(&[Ty::Str, Ty::Str], |a| {
            Ok(indexed(go_split(text(&a[1]), text(&a[0]), -1)))
        }),
    );
    table.insert(
        "splitn",
        fixed(&[Ty::Str, Ty::Int, Ty::Str], |a| {
            Ok(indexed(go_split(text(&a[2]), text(&a[0]), int(&a[1]))))
        }),
    );
    table.insert(
        "splitList",
        fixed(&[Ty::Str, Ty::Str], |a| {
            Ok(Value::strings(go_split(text(&a[1]), text(&a[0]), -1)))
        }),
    );
    table.insert(
        "join",
        fixed(&[Ty::Str, Ty::Any], |a| {
            let parts = strslice(&a[1]);
            let separators = parts.len().saturating_sub(1);
            check_size(
                parts.iter().map(String::len).sum::<usize>()
                    + separators.saturating_mul(text(&a[0]).len()),
            )?;
            ok(parts.join(text(&a[0])))
        }),
    );
    table.insert(
        "randAlphaNum",
        fixed(&[Ty::Int], |a| random(int(&a[0]), ALNUM)),
    );
    table.insert(
        "randAlpha",
        fixed(&[Ty::Int], |a| random(int(&a[0]), &ALNUM[10..])),
    );
    table.insert(
        "randNumeric",
        fixed(&[Ty::Int], |a| random(int(&a[0]), &ALNUM[..10])),
    );
}

fn ok(s: impl Into<String>) -> Result<Value, String> {
    Ok(Value::String(s.into()))
}

fn go_space(c: char) -> bool {
    c.is_whitespace()
}

fn non_nil(args: &[Value]) -> impl Iterator<Item = &Value> {
    args.iter()
        .filter(|v| !matches!(v, Value::Nil | Value::Missing))
}

/// Sprig's `strval`: a string as is, anything else as `%v` prints it.
pub(super) fn strval(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Missing | Value::Nil => "<nil>".into(),
        other => format::display(other),
    }
}

/// Sprig's `strslice`: a list's elements as strings, nils dropped; anything else, one string.
pub(super) fn strslice(value: &Value) -> Vec<String> {
    match value {
        Value::List(Elem::String, items) => items.iter().map(strval).collect(),
        Value::List(_, items) => non_nil(items).map(strval).collect(),
        Value::Missing | Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

fn trim_set(s: &str, set: &str) -> String {
    s.trim_matches(|c| set.contains(c)).to_string()
}

/// Go's `strings.Title`: upper-cases the first letter of each word.
fn title(s: &str) -> String {
    // Go's `isSeparator`.
    let separates = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            c.is_whitespace()
        }
    };
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let start = separates(prev);
            prev = c;
            if start {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils' `Uncapitalize`: lower-cases the first letter of each whitespace-separated word.
fn untitle(s: &str) -> String {
    let mut prev_space = true;
    s.chars()
        .map(|c| {
            let out = if prev_space {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                c
            };
            prev_space = c.is_whitespace();
            out
        })
        .collect()
}

fn substr(start: i64, end: i64, s: &str) -> Result<Value, String> {
    let len = s.len() as i64;
    let slice = |from: i64, to: i64| -> Result<Value, String> {
        if from < 0 || to > len || from > to {
            return Err(format!(
                "runtime error: slice bounds out of range [{from}:{to}]"
            ));
        }
        ok(String::from_utf8_lossy(
            &s.as_bytes()[from as usize..to as usize],
        ))
    };
    if start < 0 {
        return slice(0, end);
    }
    if end < 0 || end > len {
        return slice(start, len);
    }
    slice(start, end)
}

fn trunc(c: i64, s: &str) -> String {
    let len = s.len() as i64;
    let bytes = s.as_bytes();
    if c < 0 && len + c > 0 {
        return String::from_utf8_lossy(&bytes[(len + c) as usize..]).into();
    }
    if c >= 0 && len > c {
        return String::from_utf8_lossy(&bytes[..c as usize]).into();
    }
    s.to_string()
}

/// goutils' `Abbreviate` (sprig returns the string unchanged below width 4). Go cuts bytes, even
/// inside a character: a cut one prints as U+FFFD, as in `trunc`.
fn abbrev(width: i64, s: &str) -> String {
    if width < 4 || s.len() as i64 <= width {
        return s.to_string();
    }
    let kept = String::from_utf8_lossy(&s.as_bytes()[..(width - 3) as usize]);
    format!("{kept}...")
}

fn initials(s: &str) -> String {
    s.split_whitespace()
        .filter_map(|word| word.chars().next())
        .collect()
}

/// goutils' `Wrap`: breaks lines longer than `width` at the last space before it.
fn wrap(s: &str, width: i64) -> String {
    let width = width.max(1) as usize;
    let mut out = String::new();
    let mut line_len = 0;
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            if line_len + 1 + word.len() > width {
                out.push('\n');
                line_len = 0;
            } else {
                out.push(' ');
                line_len += 1;
            }
        }
        out.push_str(word);
        line_len += word.len();
    }
    out
}

fn indent(spaces: i64, s: &str) -> Result<String, String> {
    let spaces = spaces.max(0) as usize;
    let lines = 1 + s.matches('\n').count();
    check_size(s.len() + lines.saturating_mul(spaces))?;
    let pad = " ".repeat(spaces);
    Ok(format!("{pad}{}", s.replace('\n', &format!("\n{pad}"))))
}

/// Go's `strings.Replace(s, old, new, -1)` (an empty `old` inserts between every rune).
fn replace(s: &str, old: &str, new: &str) -> Result<String, String> {
    let count = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old).count()
    };
    check_size(s.len() + count.saturating_mul(new.len()))?;
    if old.is_empty() {
        let mut out = String::from(new);
        for c in s.chars() {
            out.push(c);
            out.push_str(new);
        }
        return Ok(out);
    }
    Ok(s.replace(old, new))
}

/// Go's `strings.SplitN` (`n < 0`: all; an empty separator splits into runes).
fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<String> = s.chars().map(String::from).collect();
        if n < 0 || chars.len() as i64 <= n {
            return chars;
        }
        let mut parts = chars[..(n - 1) as usize].to_vec();
        parts.push(s.chars().skip((n - 1) as usize).collect());
        return parts;
    }
    if n < 0 {
        s.split(sep).map(str::to_string).collect()
    } else {
        s.splitn(n as usize, sep).map(str::to_string).collect()
    }
}

/// Sprig's `split` result: `map[_0:a _1:b]` of type `map[string]string`.
fn indexed(parts: Vec<String>) -> Value {
    Value::map_of(
        Elem::String,
        parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| (format!("_{i}"), Value::String(part)))
            .collect(),
    )
}

/// Words of an identifier as huandu/xstrings sees them: split at separators and at case changes.
fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' || c == ' ' || c == '.' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && !current.is_empty()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || next.is_some_and(char::is_lowercase) && prev.is_some_and(char::is_uppercase));
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn delimited(s: &str, delimiter: char) -> String {
    words(s)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(&delimiter.to_string())
}

/// huandu/xstrings `ToCamelCase`: `foo_bar` → `FooBar`; only `_` separates words.
fn camelcase(s: &str) -> String {
    let mut out = String::new();
    let mut upper_next = true;
    for c in s.chars() {
        if c == '_' {
            upper_next = true;
            continue;
        }
        if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn swapcase(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().next().unwrap_or(c)
            } else if c.is_lowercase() {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

const ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn random(count: i64, charset: &[u8]) -> Result<Value, String> {
    let count = usize::try_from(count).map_err(|_| "count must be positive".to_string())?;
    check_size(count)?;
    let bytes = super::encoding::random_bytes(count)?;
    ok(bytes
        .iter()
        .map(|b| charset[usize::from(*b) % charset.len()] as char)
        .collect::<String>())
}
