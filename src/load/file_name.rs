//! KUTTL's file-name grammar, applied to every entry of a test folder and every file of a step
//! folder: `^(\d+-)?([^-.]+)(-[^.]+)?((?:\.gotmpl)?\.yaml)?$`.

use std::sync::LazyLock;

use regex::Regex;

static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+-)?([^-.]+)(-[^.]+)?((?:\.gotmpl)?\.yaml)?$").expect("valid pattern")
});

/// What a step file does with its objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// Objects are created or patched.
    Apply,
    /// Objects must exist and match.
    Assert,
    /// Objects must not exist, or must not match.
    Errors,
}

/// A file name that follows the grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// What the file does.
    pub file_type: FileType,
    /// The step index, when the name starts with digits and a dash.
    pub index: Option<u32>,
    /// The part that names the step (apply files only).
    pub step_name: Option<String>,
    /// Whether the file is a Go template (`.gotmpl.yaml`).
    pub template: bool,
}

/// Why a name does not follow the grammar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileNameError {
    /// The name does not match the pattern.
    #[error("name does not follow pattern \"(<number>-)<name>(-<name>)((.gotmpl).yaml)\"")]
    Pattern,
    /// The index does not fit a signed 32-bit integer.
    #[error("parsing index failed: {0} is out of range")]
    Index(String),
}

/// Parses a base name.
///
/// # Errors
///
/// [`FileNameError`] when the name does not follow the grammar.
pub fn parse(name: &str) -> Result<FileName, FileNameError> {
    let captures = PATTERN.captures(name).ok_or(FileNameError::Pattern)?;
    let index = captures
        .get(1)
        .map(|digits| {
            let digits = digits.as_str().trim_end_matches('-');
            digits
                .parse::<i32>()
                .ok()
                .and_then(|index| u32::try_from(index).ok())
                .ok_or_else(|| FileNameError::Index(digits.to_string()))
        })
        .transpose()?;
    let first = &captures[2];
    let file_type = if first.eq_ignore_ascii_case("assert") {
        FileType::Assert
    } else if first.eq_ignore_ascii_case("errors") {
        FileType::Errors
    } else {
        FileType::Apply
    };
    let step_name = (file_type == FileType::Apply).then(|| {
        let rest = captures.get(3).map_or("", |rest| rest.as_str());
        format!("{first}{rest}")
    });
    let template = captures
        .get(4)
        .is_some_and(|ext| ext.as_str() == ".gotmpl.yaml");
    Ok(FileName {
        file_type,
        index,
        step_name,
        template,
    })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::FileType::{Apply, Assert, Errors};
    use super::*;

    // Every example of spec §1.2: (name, type, index, step name, template).
    #[rstest]
    #[case("00-assert.yaml", Assert, Some(0), None, false)]
    #[case("00-errors.yaml", Errors, Some(0), None, false)]
    #[case("00-assert-bar.yaml", Assert, Some(0), None, false)]
    #[case("00-errors-bar.yaml", Errors, Some(0), None, false)]
    #[case("00-Assert.yaml", Assert, Some(0), None, false)]
    #[case("00-foo.yaml", Apply, Some(0), Some("foo"), false)]
    #[case("00-foo-bar-baz.yaml", Apply, Some(0), Some("foo-bar-baz"), false)]
    #[case("00-assertion.yaml", Apply, Some(0), Some("assertion"), false)]
    #[case("00-foo.gotmpl.yaml", Apply, Some(0), Some("foo"), true)]
    #[case("00-assert.gotmpl.yaml", Assert, Some(0), None, true)]
    #[case("01234-foo.yaml", Apply, Some(1234), Some("foo"), false)]
    #[case("01-foo", Apply, Some(1), Some("foo"), false)]
    #[case("1-foo", Apply, Some(1), Some("foo"), false)]
    #[case("01.yaml", Apply, None, Some("01"), false)]
    #[case("foo-01.yaml", Apply, None, Some("foo-01"), false)]
    #[case("foo", Apply, None, Some("foo"), false)]
    #[case("assert.yaml", Assert, None, None, false)]
    #[case("pod.yaml", Apply, None, Some("pod"), false)]
    #[case("007-ERRORS.yaml", Errors, Some(7), None, false)]
    #[case("2147483647-max.yaml", Apply, Some(2_147_483_647), Some("max"), false)]
    // The optional index backtracks like the Go regexp: `01--foo` has no index.
    #[case("01--foo.yaml", Apply, None, Some("01--foo"), false)]
    fn parses_valid_names(
        #[case] name: &str,
        #[case] file_type: FileType,
        #[case] index: Option<u32>,
        #[case] step_name: Option<&str>,
        #[case] template: bool,
    ) {
        assert_eq!(
            parse(name),
            Ok(FileName {
                file_type,
                index,
                step_name: step_name.map(str::to_string),
                template
            })
        );
    }

    #[rstest]
    #[case("1.foo.yaml")]
    #[case("00-foo.bar.yaml")]
    #[case("00-foo.yml")]
    #[case("00-foo.json")]
    #[case("00-foo.YAML")]
    #[case("1-foo.gotmpl")]
    #[case(".gitignore")]
    #[case("README.md")]
    #[case("")]
    fn rejects_names_off_the_pattern(#[case] name: &str) {
        assert_eq!(parse(name), Err(FileNameError::Pattern));
    }

    #[rstest]
    #[case("99999999999999999999-foo.yaml", "99999999999999999999")]
    #[case("2147483648-foo.yaml", "2147483648")]
    fn rejects_indices_beyond_int32(#[case] name: &str, #[case] digits: &str) {
        assert_eq!(parse(name), Err(FileNameError::Index(digits.to_string())));
    }
}
