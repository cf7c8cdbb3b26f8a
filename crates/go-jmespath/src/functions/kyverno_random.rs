//! Kyverno's `random(pattern)`: a random string the regular expression matches, as
//! zach-klippenstein/goregen generates it (unbounded repeats stop after 10 more).

use regex_syntax::hir::{Class, Hir, HirKind};

/// How many repeats `*`, `+` and `{n,}` may add beyond their minimum (goregen's default).
const MAX_UNBOUNDED_REPEATS: u32 = 10;
/// The longest string generated, and the most pattern pieces visited (repeats of an empty piece
/// add nothing); a pattern asking for more is an error rather than a huge value or a long hang.
const MAX_LENGTH: usize = 1 << 20;

/// A random string matching `pattern`.
pub(super) fn generate(pattern: &str) -> Result<String, String> {
    if pattern.is_empty() {
        return Err("no pattern provided".to_string());
    }
    let hir = regex_syntax::parse(pattern).map_err(|e| format!("error parsing regexp: {e}"))?;
    let mut out = Vec::new();
    emit(&hir, &mut out, &mut 0)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn emit(hir: &Hir, out: &mut Vec<u8>, visited: &mut usize) -> Result<(), String> {
    *visited += 1;
    if out.len() > MAX_LENGTH || *visited > MAX_LENGTH {
        return Err(format!(
            "the generated string would be longer than {MAX_LENGTH} bytes"
        ));
    }
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(literal) => out.extend_from_slice(&literal.0),
        HirKind::Class(Class::Unicode(class)) => {
            let ranges = class.ranges();
            let total: u64 = ranges
                .iter()
                .map(|r| u64::from(u32::from(r.end()) - u32::from(r.start())) + 1)
                .sum();
            if total == 0 {
                return Err("the pattern has a class that matches nothing".to_string());
            }
            let mut pick = fastrand::u64(0..total);
            for range in ranges {
                let size = u64::from(u32::from(range.end()) - u32::from(range.start())) + 1;
                if pick < size {
                    let code = u32::from(range.start()) + u32::try_from(pick).unwrap_or(0);
                    let c = char::from_u32(code).unwrap_or(range.start());
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                    break;
                }
                pick -= size;
            }
        }
        HirKind::Class(Class::Bytes(class)) => {
            let ranges = class.ranges();
            let Some(range) = ranges.get(fastrand::usize(0..ranges.len().max(1))) else {
                return Err("the pattern has a class that matches nothing".to_string());
            };
            out.push(fastrand::u8(range.start()..=range.end()));
        }
        HirKind::Repetition(repetition) => {
            let max = repetition
                .max
                .unwrap_or(repetition.min.saturating_add(MAX_UNBOUNDED_REPEATS));
            for _ in 0..fastrand::u32(repetition.min..=max.max(repetition.min)) {
                emit(&repetition.sub, out, visited)?;
            }
        }
        HirKind::Capture(capture) => emit(&capture.sub, out, visited)?,
        HirKind::Concat(parts) => {
            for part in parts {
                emit(part, out, visited)?;
            }
        }
        HirKind::Alternation(choices) => {
            if let Some(choice) = choices.get(fastrand::usize(0..choices.len().max(1))) {
                emit(choice, out, visited)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_strings_match_their_pattern() {
        for pattern in [
            "[a-z]{5}",
            "(foo|bar)-[0-9]+",
            "x*y?z{2,}",
            "[^a]\\d\\w",
            "^ab$",
        ] {
            let matcher = regex::Regex::new(&format!("^(?:{pattern})$")).unwrap();
            for _ in 0..50 {
                let generated = generate(pattern).unwrap();
                assert!(matcher.is_match(&generated), "{pattern}: {generated:?}");
            }
        }
        assert!(generate("").is_err());
        assert!(generate("(").is_err());
        for huge in ["(a{1000}){2000}", "(([xy]?){1000}){3000}"] {
            let result = generate(huge).map(|s| s.len());
            assert!(
                matches!(&result, Err(e) if e.contains("longer than")),
                "{huge}: {result:?}"
            );
        }
    }
}
