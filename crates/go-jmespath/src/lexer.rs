//! Splits an expression into tokens, as go-jmespath's `parsing/lexer.go` does.

use crate::Error;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Star,
    Dot,
    Filter,
    Flatten,
    Lparen,
    Rparen,
    Lbracket,
    Rbracket,
    Lbrace,
    Rbrace,
    Or,
    Pipe,
    Number,
    UnquotedIdentifier,
    QuotedIdentifier,
    Comma,
    Colon,
    Plus,
    Minus,
    Multiply,
    Divide,
    Modulo,
    Div,
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
    Ne,
    JsonLiteral,
    StringLiteral,
    Current,
    Root,
    Expref,
    And,
    Not,
    Varref,
    Assign,
    Eof,
}

impl TokenKind {
    /// How the token reads in an error message.
    pub(crate) fn describe(self) -> &'static str {
        use TokenKind as K;
        match self {
            K::Star => "'*'",
            K::Dot => "'.'",
            K::Filter => "'[?'",
            K::Flatten => "'[]'",
            K::Lparen => "'('",
            K::Rparen => "')'",
            K::Lbracket => "'['",
            K::Rbracket => "']'",
            K::Lbrace => "'{'",
            K::Rbrace => "'}'",
            K::Or => "'||'",
            K::Pipe => "'|'",
            K::Number => "a number",
            K::UnquotedIdentifier | K::QuotedIdentifier => "an identifier",
            K::Comma => "','",
            K::Colon => "':'",
            K::Plus => "'+'",
            K::Minus => "'-'",
            K::Multiply => "'×'",
            K::Divide => "'/'",
            K::Modulo => "'%'",
            K::Div => "'//'",
            K::Lt => "'<'",
            K::Lte => "'<='",
            K::Gt => "'>'",
            K::Gte => "'>='",
            K::Eq => "'=='",
            K::Ne => "'!='",
            K::JsonLiteral => "a JSON literal",
            K::StringLiteral => "a raw string",
            K::Current => "'@'",
            K::Root => "'$'",
            K::Expref => "'&'",
            K::And => "'&&'",
            K::Not => "'!'",
            K::Varref => "a variable",
            K::Assign => "'='",
            K::Eof => "the end of the expression",
        }
    }
}

/// A token: its kind, its text (decoded for quoted identifiers and raw strings) and its byte
/// offset in the expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) value: String,
    pub(crate) position: usize,
}

/// The tokens of `expression`, ending with an [`TokenKind::Eof`] token.
pub(crate) fn tokenize(expression: &str) -> Result<Vec<Token>, Error> {
    Lexer {
        expression,
        position: 0,
    }
    .run()
}

struct Lexer<'a> {
    expression: &'a str,
    position: usize,
}

impl Lexer<'_> {
    fn run(mut self) -> Result<Vec<Token>, Error> {
        use TokenKind as K;
        let mut tokens = Vec::new();
        while let Some(c) = self.peek() {
            let start = self.position;
            self.position += c.len_utf8();
            let single = |kind| Token {
                kind,
                value: c.to_string(),
                position: start,
            };
            let token = match c {
                'a'..='z' | 'A'..='Z' | '_' => self.identifier(start, K::UnquotedIdentifier),
                '.' => single(K::Dot),
                '*' => single(K::Star),
                ',' => single(K::Comma),
                ':' => single(K::Colon),
                '{' => single(K::Lbrace),
                '}' => single(K::Rbrace),
                ']' => single(K::Rbracket),
                '(' => single(K::Lparen),
                ')' => single(K::Rparen),
                '@' => single(K::Current),
                '+' => single(K::Plus),
                '%' => single(K::Modulo),
                '\u{2212}' => single(K::Minus),
                '\u{d7}' => single(K::Multiply),
                '\u{f7}' => single(K::Divide),
                '-' if self.peek().is_some_and(|c| c.is_ascii_digit()) => self.number(start),
                '-' => single(K::Minus),
                '0'..='9' => self.number(start),
                '/' => self.one_or_two(start, '/', K::Div, K::Divide),
                '[' => self.lbracket(start),
                '"' => self.quoted_identifier(start)?,
                '\'' => self.raw_string(start)?,
                '`' => self.json_literal(start)?,
                '|' => self.one_or_two(start, '|', K::Or, K::Pipe),
                '<' => self.one_or_two(start, '=', K::Lte, K::Lt),
                '>' => self.one_or_two(start, '=', K::Gte, K::Gt),
                '!' => self.one_or_two(start, '=', K::Ne, K::Not),
                '=' => self.one_or_two(start, '=', K::Eq, K::Assign),
                '&' => self.one_or_two(start, '&', K::And, K::Expref),
                '$' => {
                    let mut token = self.identifier(start, K::Varref);
                    if token.value == "$" {
                        token.kind = K::Root;
                    }
                    token
                }
                ' ' | '\t' | '\n' | '\r' => continue,
                other => return Err(self.error(start, format!("unknown character {other:?}"))),
            };
            tokens.push(token);
        }
        tokens.push(Token {
            kind: K::Eof,
            value: String::new(),
            position: self.expression.len(),
        });
        Ok(tokens)
    }

    fn peek(&self) -> Option<char> {
        self.expression[self.position..].chars().next()
    }

    fn error(&self, offset: usize, message: String) -> Error {
        Error::Syntax {
            offset,
            expression: self.expression.to_string(),
            message,
        }
    }

    fn token(&self, kind: TokenKind, start: usize) -> Token {
        Token {
            kind,
            value: self.expression[start..self.position].to_string(),
            position: start,
        }
    }

    fn identifier(&mut self, start: usize, kind: TokenKind) -> Token {
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.position += 1;
        }
        self.token(kind, start)
    }

    fn number(&mut self, start: usize) -> Token {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.position += 1;
        }
        self.token(TokenKind::Number, start)
    }

    /// `second` right after the first character makes the two-character token `matched`.
    fn one_or_two(
        &mut self,
        start: usize,
        second: char,
        matched: TokenKind,
        single: TokenKind,
    ) -> Token {
        if self.peek() == Some(second) {
            self.position += 1;
            self.token(matched, start)
        } else {
            self.token(single, start)
        }
    }

    /// `[?`, `[]` or `[`.
    fn lbracket(&mut self, start: usize) -> Token {
        match self.peek() {
            Some('?') => {
                self.position += 1;
                self.token(TokenKind::Filter, start)
            }
            Some(']') => {
                self.position += 1;
                self.token(TokenKind::Flatten, start)
            }
            _ => self.token(TokenKind::Lbracket, start),
        }
    }

    /// The text up to the unescaped `end` (a backslash skips the next character), consuming `end`.
    fn until(&mut self, start: usize, end: char) -> Result<&str, Error> {
        let body_start = self.position;
        let mut escaped = false;
        for (offset, c) in self.expression[body_start..].char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == end {
                self.position = body_start + offset + c.len_utf8();
                return Ok(&self.expression[body_start..body_start + offset]);
            }
        }
        Err(self.error(start, format!("unclosed delimiter: {end}")))
    }

    fn json_literal(&mut self, start: usize) -> Result<Token, Error> {
        let value = self.until(start, '`')?.replace("\\`", "`");
        Ok(Token {
            kind: TokenKind::JsonLiteral,
            value,
            position: start,
        })
    }

    fn quoted_identifier(&mut self, start: usize) -> Result<Token, Error> {
        let body = self.until(start, '"')?;
        let value = serde_json::from_str::<String>(&format!("\"{body}\""))
            .map_err(|e| self.error(start, format!("invalid quoted identifier: {e}")))?;
        Ok(Token {
            kind: TokenKind::QuotedIdentifier,
            value,
            position: start,
        })
    }

    /// A `'raw string'`, where only `\'` and `\\` are escapes.
    fn raw_string(&mut self, start: usize) -> Result<Token, Error> {
        let mut value = String::new();
        let mut chars = self.expression[self.position..].char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '\'' => {
                    self.position += offset + 1;
                    return Ok(Token {
                        kind: TokenKind::StringLiteral,
                        value,
                        position: start,
                    });
                }
                '\\' => match chars.clone().next() {
                    Some((_, escaped @ ('\'' | '\\'))) => {
                        chars.next();
                        value.push(escaped);
                    }
                    _ => value.push('\\'),
                },
                c => value.push(c),
            }
        }
        Err(self.error(start, "unclosed delimiter: '".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind as K;

    fn kinds(expression: &str) -> Vec<TokenKind> {
        tokenize(expression)
            .unwrap()
            .into_iter()
            .map(|t| t.kind)
            .collect()
    }

    #[test]
    fn operators_and_unicode_forms() {
        assert_eq!(
            kinds("a // b − c × d ÷ e"),
            [
                K::UnquotedIdentifier,
                K::Div,
                K::UnquotedIdentifier,
                K::Minus,
                K::UnquotedIdentifier,
                K::Multiply,
                K::UnquotedIdentifier,
                K::Divide,
                K::UnquotedIdentifier,
                K::Eof
            ]
        );
        assert_eq!(
            kinds("$ $x = -1"),
            [K::Root, K::Varref, K::Assign, K::Number, K::Eof]
        );
    }

    #[test]
    fn strings_decode_their_escapes() {
        let tokens = tokenize(r#"'it\'s \\ \n' "a\"b" `"\`"`"#).unwrap();
        assert_eq!(tokens[0].value, "it's \\ \\n");
        assert_eq!(tokens[1].value, "a\"b");
        assert_eq!(tokens[2].value, "\"`\"");
    }

    #[test]
    fn unclosed_delimiters_are_syntax_errors() {
        for expression in ["'abc", "\"abc", "`abc", "'abc\\'"] {
            assert!(
                matches!(tokenize(expression), Err(Error::Syntax { .. })),
                "{expression}"
            );
        }
    }
}
