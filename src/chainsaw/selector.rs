//! `chainsaw test --selector`: a Kubernetes label selector over a Test's `metadata.labels`, in the
//! syntax of `labels.Parse` (k8s.io/apimachinery): requirements joined by `,`, each one of `key`,
//! `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`,
//! `key>1`, `key<1`. A Test that does not match is not a trial, as Chainsaw leaves it out when it
//! discovers tests.

use std::collections::{BTreeMap, BTreeSet};

/// A parsed selector; every requirement must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct LabelSelector {
    requirements: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Operator {
    Exists,
    DoesNotExist,
    In(BTreeSet<String>),
    NotIn(BTreeSet<String>),
    GreaterThan(i64),
    LessThan(i64),
}

/// A selector that is not one, with the reason and the selector's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("label selector {selector:?}: {reason}")]
pub(crate) struct SelectorError {
    selector: String,
    reason: String,
}

impl LabelSelector {
    /// Parses `text`; an empty text selects everything.
    ///
    /// # Errors
    ///
    /// [`SelectorError`] for text that is not a selector, or a key or value that is not a valid
    /// label key or value.
    pub(crate) fn parse(text: &str) -> Result<Self, SelectorError> {
        let fail = |reason: String| SelectorError {
            selector: text.to_string(),
            reason,
        };
        let mut parser = Parser {
            tokens: tokens(text),
            at: 0,
        };
        let mut requirements = Vec::new();
        if parser.peek().is_none() {
            return Ok(Self { requirements });
        }
        loop {
            requirements.push(parser.requirement().map_err(fail)?);
            match parser.next() {
                None => return Ok(Self { requirements }),
                Some(Token::Comma) => {}
                Some(other) => return Err(fail(format!("expected `,` before {other}"))),
            }
        }
    }

    /// Whether `labels` meet every requirement.
    pub(crate) fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|requirement| {
            let value = labels.get(&requirement.key);
            match &requirement.operator {
                Operator::Exists => value.is_some(),
                Operator::DoesNotExist => value.is_none(),
                Operator::In(values) => value.is_some_and(|value| values.contains(value)),
                Operator::NotIn(values) => value.is_none_or(|value| !values.contains(value)),
                Operator::GreaterThan(bound) => number(value).is_some_and(|n| n > *bound),
                Operator::LessThan(bound) => number(value).is_some_and(|n| n < *bound),
            }
        })
    }
}

fn number(value: Option<&String>) -> Option<i64> {
    value?.parse().ok()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Not,
    Equals,
    NotEquals,
    Greater,
    Less,
    Open,
    Close,
    Comma,
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Token::Word(word) => write!(f, "{word:?}"),
            Token::Not => f.write_str("`!`"),
            Token::Equals => f.write_str("`=`"),
            Token::NotEquals => f.write_str("`!=`"),
            Token::Greater => f.write_str("`>`"),
            Token::Less => f.write_str("`<`"),
            Token::Open => f.write_str("`(`"),
            Token::Close => f.write_str("`)`"),
            Token::Comma => f.write_str("`,`"),
        }
    }
}

fn tokens(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let token = match c {
            c if c.is_whitespace() => continue,
            '!' if chars.peek() == Some(&'=') => {
                chars.next();
                Token::NotEquals
            }
            '!' => Token::Not,
            '=' => {
                chars.next_if_eq(&'=');
                Token::Equals
            }
            '>' => Token::Greater,
            '<' => Token::Less,
            '(' => Token::Open,
            ')' => Token::Close,
            ',' => Token::Comma,
            c => {
                let mut word = c.to_string();
                while let Some(c) = chars.next_if(|c| !c.is_whitespace() && !"!=<>(),".contains(*c))
                {
                    word.push(c);
                }
                Token::Word(word)
            }
        };
        tokens.push(token);
    }
    tokens
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        if self.peek() == Some(&Token::Not) {
            self.next();
            let key = self.key()?;
            return Ok(Requirement {
                key,
                operator: Operator::DoesNotExist,
            });
        }
        let key = self.key()?;
        let operator = match self.peek() {
            None | Some(Token::Comma) => Operator::Exists,
            Some(Token::Equals) => {
                self.next();
                Operator::In(BTreeSet::from([self.value()?]))
            }
            Some(Token::NotEquals) => {
                self.next();
                Operator::NotIn(BTreeSet::from([self.value()?]))
            }
            Some(Token::Greater) => {
                self.next();
                Operator::GreaterThan(self.integer()?)
            }
            Some(Token::Less) => {
                self.next();
                Operator::LessThan(self.integer()?)
            }
            Some(Token::Word(word)) if word == "in" => {
                self.next();
                Operator::In(self.set()?)
            }
            Some(Token::Word(word)) if word == "notin" => {
                self.next();
                Operator::NotIn(self.set()?)
            }
            Some(other) => {
                return Err(format!("expected an operator after {key:?}, found {other}"));
            }
        };
        Ok(Requirement { key, operator })
    }

    fn key(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Word(key)) => valid_key(&key).map(|()| key),
            Some(other) => Err(format!("expected a label key, found {other}")),
            None => Err("expected a label key, found the end".into()),
        }
    }

    /// A value; an empty one when none follows (`key=`).
    fn value(&mut self) -> Result<String, String> {
        match self.peek() {
            Some(Token::Word(_)) => {
                let Some(Token::Word(value)) = self.next() else {
                    unreachable!("peeked a word")
                };
                valid_value(&value).map(|()| value)
            }
            _ => Ok(String::new()),
        }
    }

    fn integer(&mut self) -> Result<i64, String> {
        match self.next() {
            Some(Token::Word(word)) => word
                .parse()
                .map_err(|_| format!("{word:?} is not an integer")),
            Some(other) => Err(format!("expected an integer, found {other}")),
            None => Err("expected an integer, found the end".into()),
        }
    }

    fn set(&mut self) -> Result<BTreeSet<String>, String> {
        if self.next() != Some(Token::Open) {
            return Err("expected `(` after `in`/`notin`".into());
        }
        let mut values = BTreeSet::new();
        loop {
            values.insert(self.value()?);
            match self.next() {
                Some(Token::Comma) => {}
                Some(Token::Close) => return Ok(values),
                Some(other) => return Err(format!("expected `,` or `)`, found {other}")),
                None => return Err("expected `)`, found the end".into()),
            }
        }
    }
}

/// A label key: an optional DNS subdomain prefix and `/`, then a name of at most 63 characters.
fn valid_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|prefix| {
        !prefix.is_empty()
            && prefix.len() <= 253
            && prefix.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            })
    });
    if prefix_ok && !name.is_empty() && valid_name(name) {
        Ok(())
    } else {
        Err(format!(
            "{key:?} is not a label key (an optional DNS prefix and `/`, then at most 63 \
             letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit)"
        ))
    }
}

fn valid_value(value: &str) -> Result<(), String> {
    if value.is_empty() || valid_name(value) {
        Ok(())
    } else {
        Err(format!(
            "{value:?} is not a label value (at most 63 letters, digits, `-`, `_` or `.`, \
             starting and ending with a letter or digit)"
        ))
    }
}

fn valid_name(name: &str) -> bool {
    let alphanumeric = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    name.len() <= 63
        && alphanumeric(name.chars().next())
        && alphanumeric(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[rstest]
    #[case("", &[], true)]
    #[case("!no-ko-test", &[], true)]
    #[case("!no-ko-test", &[("no-ko-test", "")], false)]
    #[case("tier", &[("tier", "a")], true)]
    #[case("tier", &[], false)]
    #[case("tier=a", &[("tier", "a")], true)]
    #[case("tier==a", &[("tier", "b")], false)]
    #[case("tier != a", &[], true)]
    #[case("tier!=a", &[("tier", "a")], false)]
    #[case("tier in (a, b)", &[("tier", "b")], true)]
    #[case("tier in (a,b)", &[("tier", "c")], false)]
    #[case("tier notin (a,b)", &[("tier", "c")], true)]
    #[case("tier notin (a,b)", &[], true)]
    #[case("size>2", &[("size", "3")], true)]
    #[case("size<2", &[("size", "3")], false)]
    #[case("size>2", &[("size", "many")], false)]
    #[case("env=ci,!slow", &[("env", "ci")], true)]
    #[case("env=ci,!slow", &[("env", "ci"), ("slow", "true")], false)]
    #[case("example.com/team=a", &[("example.com/team", "a")], true)]
    #[case("empty=", &[("empty", "")], true)]
    fn selectors_match_as_kubernetes_label_selectors_do(
        #[case] selector: &str,
        #[case] on: &[(&str, &str)],
        #[case] expected: bool,
    ) {
        let parsed = LabelSelector::parse(selector).unwrap();
        assert_eq!(
            parsed.matches(&labels(on)),
            expected,
            "{selector} on {on:?}"
        );
    }

    #[rstest]
    #[case("tier in a", "expected `(` after `in`/`notin`")]
    #[case("tier in (a", "expected `)`, found the end")]
    #[case("a b", "expected an operator after \"a\", found \"b\"")]
    #[case("a=b c", "expected `,` before \"c\"")]
    #[case("a,", "expected a label key, found the end")]
    #[case("=a", "expected a label key, found `=`")]
    #[case("-bad=a", "\"-bad\" is not a label key")]
    #[case("a=-bad", "\"-bad\" is not a label value")]
    #[case("size>big", "\"big\" is not an integer")]
    fn a_bad_selector_says_what_is_wrong(#[case] selector: &str, #[case] expected: &str) {
        let error = LabelSelector::parse(selector).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!("label selector {selector:?}: "))
                && error.contains(expected),
            "{error}"
        );
    }
}
