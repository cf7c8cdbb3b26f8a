//! Go's `filepath.Match` patterns: `*` (any run of characters but
//! `/`), `?`, `[...]` classes with ranges and `^` negation, and `\` escapes.

/// A compiled, validated pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    source: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(char),
    AnyChar,
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// The pattern is malformed (Go's `filepath.ErrBadPattern`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("syntax error in pattern {0:?}")]
pub struct BadPattern(String);

impl BadPattern {
    /// The pattern.
    pub fn pattern(&self) -> &str {
        &self.0
    }
}

impl Glob {
    /// Compiles a pattern.
    ///
    /// # Errors
    ///
    /// [`BadPattern`] for an unclosed class, an empty class, a bad range or a trailing `\`.
    pub fn new(pattern: &str) -> Result<Self, BadPattern> {
        let bad = || BadPattern(pattern.to_string());
        let mut chars = pattern.chars().peekable();
        let mut tokens = Vec::new();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '*' => Token::Star,
                '?' => Token::AnyChar,
                '\\' => Token::Literal(chars.next().ok_or_else(bad)?),
                '[' => {
                    let negated = chars.next_if_eq(&'^').is_some();
                    let mut ranges = Vec::new();
                    loop {
                        if chars.next_if_eq(&']').is_some() && !ranges.is_empty() {
                            break;
                        }
                        let low = class_char(&mut chars).ok_or_else(bad)?;
                        let high = if chars.next_if_eq(&'-').is_some() {
                            class_char(&mut chars).ok_or_else(bad)?
                        } else {
                            low
                        };
                        if high < low {
                            return Err(bad());
                        }
                        ranges.push((low, high));
                    }
                    Token::Class { negated, ranges }
                }
                c => Token::Literal(c),
            });
        }
        Ok(Self {
            source: pattern.to_string(),
            tokens,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `name` matches the whole pattern.
    pub fn is_match(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        matches(&self.tokens, &name)
    }
}

/// One character of a class: not `-`, `]` or the end; `\` escapes.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    match chars.next()? {
        '-' | ']' => None,
        '\\' => chars.next(),
        c => Some(c),
    }
}

fn matches(tokens: &[Token], name: &[char]) -> bool {
    match tokens.split_first() {
        None => name.is_empty(),
        Some((Token::Star, rest)) => {
            // A star never crosses a path separator.
            let reach = name.iter().position(|&c| c == '/').unwrap_or(name.len());
            (0..=reach).any(|skip| matches(rest, &name[skip..]))
        }
        Some((token, rest)) => match name.split_first() {
            Some((&c, tail)) if token_matches(token, c) => matches(rest, tail),
            _ => false,
        },
    }
}

fn token_matches(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(literal) => *literal == c,
        Token::AnyChar => c != '/',
        Token::Class { negated, ranges } => {
            ranges.iter().any(|&(low, high)| (low..=high).contains(&c)) != *negated
        }
        Token::Star => unreachable!("stars are handled by `matches`"),
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("README*", "README.md", true)]
    #[case("README*", "README", true)]
    #[case("README*", "readme.md", false)]
    #[case("*.yml", "00-pod.yml", true)]
    #[case("*.yml", "00-pod.yaml", false)]
    #[case("*", "a/b", false)]
    #[case("0?-x", "01-x", true)]
    #[case("[0-9]*", "7-step", true)]
    #[case("[^0-9]*", "7-step", false)]
    #[case("[^0-9]*", "notes", true)]
    #[case("\\*", "*", true)]
    #[case("\\*", "a", false)]
    #[case("a*b*c", "aXbYc", true)]
    #[case("a*b*c", "aXbY", false)]
    #[case("[a-c][x\\-z]", "b-", true)]
    fn matches_like_go(#[case] pattern: &str, #[case] name: &str, #[case] expected: bool) {
        assert_eq!(Glob::new(pattern).unwrap().is_match(name), expected);
    }

    #[rstest]
    #[case("[")]
    #[case("[]")]
    #[case("[a-]")]
    #[case("[z-a]")]
    #[case("abc\\")]
    #[case("[^")]
    fn rejects_malformed_patterns(#[case] pattern: &str) {
        assert_eq!(Glob::new(pattern), Err(BadPattern(pattern.to_string())));
    }
}
