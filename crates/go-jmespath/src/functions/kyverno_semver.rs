//! Kyverno's `semver_compare`: blang/semver v4's `Parse` and `ParseRange`, wildcard quirks
//! included (`!4.x.x` expands to `<4.0.0 >=4.1.0`).

use std::cmp::Ordering;

/// A semantic version; build metadata is checked but takes no part in comparisons.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Prerelease>,
}

#[derive(Debug, PartialEq, Eq)]
enum Prerelease {
    Number(u64),
    Text(String),
}

impl Ord for Prerelease {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Prerelease::Number(a), Prerelease::Number(b)) => a.cmp(b),
            (Prerelease::Number(_), Prerelease::Text(_)) => Ordering::Less,
            (Prerelease::Text(_), Prerelease::Number(_)) => Ordering::Greater,
            (Prerelease::Text(a), Prerelease::Text(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Prerelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let release =
            (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
        // A version without a prerelease is greater than one with.
        release.then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => self.pre.cmp(&other.pre),
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn is_number(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

fn number(text: &str, what: &str) -> Result<u64, String> {
    if !is_number(text) {
        return Err(format!(
            "Invalid character(s) found in {what} number {text:?}"
        ));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(format!(
            "{} number must not contain leading zeroes {text:?}",
            capitalized(what)
        ));
    }
    text.parse()
        .map_err(|_| format!("strconv.ParseUint: parsing {text:?}: invalid syntax"))
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

impl Version {
    /// blang's `Parse`: `major.minor.patch[-pre][+build]`, with its messages.
    pub(super) fn parse(text: &str) -> Result<Version, String> {
        if text.is_empty() {
            return Err("Version string empty".to_string());
        }
        let parts: Vec<&str> = text.splitn(3, '.').collect();
        let [major, minor, rest] = parts.as_slice() else {
            return Err("No Major.Minor.Patch elements found".to_string());
        };
        let (rest, build) = rest
            .split_once('+')
            .map_or((*rest, None), |(r, b)| (r, Some(b)));
        let (patch, pre) = rest
            .split_once('-')
            .map_or((rest, None), |(p, pre)| (p, Some(pre)));
        let mut version = Version {
            major: number(major, "major")?,
            minor: number(minor, "minor")?,
            patch: number(patch, "patch")?,
            pre: Vec::new(),
        };
        for part in pre
            .map(|pre| pre.split('.').collect::<Vec<_>>())
            .unwrap_or_default()
        {
            version.pre.push(prerelease(part)?);
        }
        for part in build
            .map(|build| build.split('.').collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if part.is_empty() {
                return Err("Build meta data is empty".to_string());
            }
            if !part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(format!(
                    "Invalid character(s) found in build meta data {part:?}"
                ));
            }
        }
        Ok(version)
    }
}

fn prerelease(part: &str) -> Result<Prerelease, String> {
    if part.is_empty() {
        return Err("Prerelease is empty".to_string());
    }
    if is_number(part) {
        if part.len() > 1 && part.starts_with('0') {
            return Err(format!(
                "Numeric PreRelease version must not contain leading zeroes {part:?}"
            ));
        }
        return part
            .parse()
            .map(Prerelease::Number)
            .map_err(|_| format!("strconv.ParseUint: parsing {part:?}: value out of range"));
    }
    if part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Ok(Prerelease::Text(part.to_string()));
    }
    Err(format!("Invalid character(s) found in prerelease {part:?}"))
}

/// A parsed range: any of the groups matches when all of its comparisons hold.
pub(super) struct Range(Vec<Vec<(Ordering, bool, Version)>>);

impl Range {
    /// blang's `ParseRange`.
    pub(super) fn parse(text: &str) -> Result<Range, String> {
        let parts = split_and_trim(text);
        let mut groups = Vec::new();
        for group in split_or(&parts)? {
            let mut comparisons = Vec::new();
            for part in expand_wildcards(group)? {
                let (operator, version) = split_comparator(&part)?;
                let (ordering, negated) = match operator {
                    "" | "=" | "==" => (Ordering::Equal, false),
                    "!" | "!=" => (Ordering::Equal, true),
                    ">" => (Ordering::Greater, false),
                    ">=" => (Ordering::Less, true),
                    "<" => (Ordering::Less, false),
                    "<=" => (Ordering::Greater, true),
                    _ => {
                        return Err(format!(
                            "Could not parse comparator {operator:?} in {part:?}"
                        ));
                    }
                };
                let version = Version::parse(version)
                    .map_err(|e| format!("Could not parse Range {part:?}: Could not parse version {version:?} in {part:?}: {e}"))?;
                comparisons.push((ordering, negated, version));
            }
            groups.push(comparisons);
        }
        Ok(Range(groups))
    }

    /// Whether `version` is in the range.
    pub(super) fn contains(&self, version: &Version) -> bool {
        self.0.iter().any(|group| {
            group
                .iter()
                .all(|(ordering, negated, bound)| (version.cmp(bound) == *ordering) != *negated)
        })
    }
}

/// blang's `splitAndTrim`: split at spaces not following `>`, `<` or `=`; one-character pieces
/// are dropped, as there.
fn split_and_trim(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut parts = Vec::new();
    let (mut last, mut last_char) = (0usize, 0u8);
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            if last + 1 < i {
                parts.push(text[last..i].replace(' ', ""));
            }
            last = i + 1;
        } else if byte != b' ' {
            last_char = byte;
        }
    }
    if last + 1 < bytes.len() {
        parts.push(text[last..].replace(' ', ""));
    }
    parts
}

fn split_or(parts: &[String]) -> Result<Vec<&[String]>, String> {
    let mut groups = Vec::new();
    let mut last = 0;
    for (i, part) in parts.iter().enumerate() {
        if part == "||" {
            if i == 0 {
                return Err("First element in range is '||'".to_string());
            }
            groups.push(&parts[last..i]);
            last = i + 1;
        }
    }
    if last == parts.len() {
        return Err("Last element in range is '||'".to_string());
    }
    groups.push(&parts[last..]);
    Ok(groups)
}

fn split_comparator(part: &str) -> Result<(&str, &str), String> {
    let digit = part
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| format!("Could not get version from string: {part:?}"))?;
    Ok((part[..digit].trim(), &part[digit..]))
}

/// blang's `expandWildcardVersion`: `x` parts become explicit bounds.
fn expand_wildcards(group: &[String]) -> Result<Vec<String>, String> {
    let mut expanded = Vec::new();
    for part in group {
        if !part.contains('x') {
            expanded.push(part.clone());
            continue;
        }
        let (operator, version) = split_comparator(part)?;
        let pieces: Vec<&str> = version.split('.').collect();
        // The position of a trailing `x`: 2 for `1.x`, 3 for `1.2.x` (and for `1.x.x`).
        let wildcard = if pieces.last() == Some(&"x") {
            pieces.len()
        } else {
            0
        };
        let mut flat = version.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
        if flat.split('.').count() == 2 {
            flat.push_str(".0");
        }
        let increment = |index: usize| -> String {
            let mut pieces: Vec<String> = flat.split('.').map(str::to_string).collect();
            match pieces.get(index).and_then(|p| p.parse::<i64>().ok()) {
                Some(n) => {
                    pieces[index] = (n + 1).to_string();
                    pieces.join(".")
                }
                None => String::new(),
            }
        };
        let next = || match wildcard {
            3 => increment(1),
            2 => increment(0),
            _ => String::new(),
        };
        let replacement = match operator {
            ">" => format!(">={}", next()),
            ">=" => format!(">={flat}"),
            "<" => format!("<{flat}"),
            "<=" => format!("<{}", next()),
            "" | "=" | "==" => {
                expanded.push(format!(">={flat}"));
                format!("<{}", next())
            }
            "!=" | "!" => {
                expanded.push(format!("<{flat}"));
                format!(">={}", next())
            }
            _ => String::new(),
        };
        expanded.push(replacement);
    }
    Ok(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(version: &str, range: &str) -> bool {
        Range::parse(range)
            .unwrap()
            .contains(&Version::parse(version).unwrap_or_default())
    }

    #[test]
    fn ranges_as_blang_reads_them() {
        assert!(matches("4.1.3", ">=4.1.x"));
        assert!(!matches("4.1.3", "!4.x.x"));
        assert!(matches("1.8.6", ">1.0.0 <2.0.0"));
        assert!(!matches("2.1.5", "<2.0.0 || >=3.0.0"));
        assert!(matches("1.0.0-alpha", "<1.0.0"));
        assert!(matches("1.2.3", "1.2.x"));
        assert!(!matches("1.3.0", "1.2.x"));
        assert!(matches("1.0.0", "<= 1.0.0"));
        assert!(Range::parse("|| 1.0.0").is_err());
        assert!(Range::parse(">abc").is_err());
    }
}
