//! Go `text/template`'s lexer (`text/template/parse/lex.go`): text, actions with their trim
//! markers, comments, and the tokens inside actions, each with its byte offset and line.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemType {
    Error,
    Bool,
    Char,
    CharConstant,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // Keywords.
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

impl ItemType {
    fn is_keyword(self) -> bool {
        matches!(
            self,
            Self::Block
                | Self::Break
                | Self::Continue
                | Self::Dot
                | Self::Define
                | Self::Else
                | Self::End
                | Self::If
                | Self::Nil
                | Self::Range
                | Self::Template
                | Self::With
        )
    }
}

/// A token: its type, text, byte offset and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub typ: ItemType,
    pub val: String,
    pub pos: usize,
    pub line: usize,
}

impl std::fmt::Display for Item {
    /// As Go prints a token in parse errors.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.typ {
            ItemType::Eof => f.write_str("EOF"),
            ItemType::Error => f.write_str(&self.val),
            t if t.is_keyword() => write!(f, "<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let head: String = self.val.chars().take(10).collect();
                let quoted = crate::format::quote(&head);
                write!(f, "{quoted}...")
            }
            _ => f.write_str(&crate::format::quote(&self.val)),
        }
    }
}

fn keyword(word: &str) -> Option<ItemType> {
    Some(match word {
        "." => ItemType::Dot,
        "block" => ItemType::Block,
        "break" => ItemType::Break,
        "continue" => ItemType::Continue,
        "define" => ItemType::Define,
        "else" => ItemType::Else,
        "end" => ItemType::End,
        "if" => ItemType::If,
        "range" => ItemType::Range,
        "nil" => ItemType::Nil,
        "template" => ItemType::Template,
        "with" => ItemType::With,
        _ => return None,
    })
}

const LEFT: &str = "{{";
const RIGHT: &str = "}}";

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && b[0] == b'-' && is_space(b[1] as char)
}

fn has_right_trim_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == b'-'
}

/// Splits a template into tokens; the last one is `Eof` or `Error`.
pub(crate) fn lex(input: &str) -> Vec<Item> {
    let mut lexer = Lexer {
        input,
        start: 0,
        pos: 0,
        paren_depth: 0,
        inside_action: false,
        items: Vec::new(),
    };
    lexer.run();
    lexer.items
}

struct Lexer<'a> {
    input: &'a str,
    start: usize,
    pos: usize,
    paren_depth: i32,
    inside_action: bool,
    items: Vec<Item>,
}

enum State {
    Text,
    LeftDelim,
    Comment,
    RightDelim,
    InsideAction,
    Done,
}

impl Lexer<'_> {
    fn run(&mut self) {
        let mut state = State::Text;
        loop {
            state = match state {
                State::Text => self.lex_text(),
                State::LeftDelim => self.lex_left_delim(),
                State::Comment => self.lex_comment(),
                State::RightDelim => self.lex_right_delim(),
                State::InsideAction => self.lex_inside_action(),
                State::Done => return,
            };
        }
    }

    fn rest(&self) -> &str {
        &self.input[self.pos..]
    }

    fn next(&mut self) -> Option<char> {
        let c = self.rest().chars().next()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn backup(&mut self, c: Option<char>) {
        if let Some(c) = c {
            self.pos -= c.len_utf8();
        }
    }

    /// The 1-based line of a byte offset.
    fn line_at(&self, pos: usize) -> usize {
        1 + self.input[..pos].matches('\n').count()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Pushes `start..end` as a token and moves `start` to `pos`.
    fn push(&mut self, typ: ItemType, end: usize) {
        self.items.push(Item {
            typ,
            val: self.input[self.start..end].to_string(),
            pos: self.start,
            line: self.line_at(self.start),
        });
        self.start = self.pos;
    }

    fn emit(&mut self, typ: ItemType) -> State {
        self.push(typ, self.pos);
        if self.inside_action {
            State::InsideAction
        } else {
            State::Text
        }
    }

    fn error(&mut self, message: String) -> State {
        self.items.push(Item {
            typ: ItemType::Error,
            val: message,
            pos: self.start,
            line: self.line_at(self.start),
        });
        State::Done
    }

    fn lex_text(&mut self) -> State {
        if let Some(x) = self.rest().find(LEFT) {
            if x > 0 {
                let delim = self.pos + x;
                let after = &self.input[delim + LEFT.len()..];
                let trim = if has_left_trim_marker(after) {
                    let text = &self.input[self.start..delim];
                    text.len() - text.trim_end_matches(is_space).len()
                } else {
                    0
                };
                self.pos = delim;
                if trim < x {
                    self.push(ItemType::Text, delim - trim);
                }
                self.start = self.pos;
            }
            return State::LeftDelim;
        }
        self.pos = self.input.len();
        if self.pos > self.start {
            self.push(ItemType::Text, self.pos);
        }
        self.push(ItemType::Eof, self.pos);
        State::Done
    }

    fn skip_to_start(&mut self) {
        self.start = self.pos;
    }

    fn lex_left_delim(&mut self) -> State {
        self.pos += LEFT.len();
        let trim = has_left_trim_marker(self.rest());
        let after_marker = if trim { 2 } else { 0 };
        if self.input[self.pos + after_marker..].starts_with("/*") {
            self.pos += after_marker;
            self.skip_to_start();
            return State::Comment;
        }
        self.push(ItemType::LeftDelim, self.pos);
        self.inside_action = true;
        self.pos += after_marker;
        self.skip_to_start();
        self.paren_depth = 0;
        State::InsideAction
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim_marker(rest) && rest[2..].starts_with(RIGHT) {
            return (true, true);
        }
        (rest.starts_with(RIGHT), false)
    }

    fn lex_comment(&mut self) -> State {
        self.pos += 2;
        let Some(x) = self.rest().find("*/") else {
            return self.error("unclosed comment".into());
        };
        self.pos += x + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT.len();
        if trim {
            self.pos += self.leading_space();
        }
        self.skip_to_start();
        State::Text
    }

    fn lex_right_delim(&mut self) -> State {
        let (_, trim) = self.at_right_delim();
        if trim {
            self.pos += 2;
            self.skip_to_start();
        }
        self.pos += RIGHT.len();
        self.push(ItemType::RightDelim, self.pos);
        if trim {
            self.pos += self.leading_space();
            self.skip_to_start();
        }
        self.inside_action = false;
        State::Text
    }

    fn leading_space(&self) -> usize {
        let rest = self.rest();
        rest.len() - rest.trim_start_matches(is_space).len()
    }

    fn lex_inside_action(&mut self) -> State {
        if self.at_right_delim().0 {
            if self.paren_depth == 0 {
                return State::RightDelim;
            }
            return self.error("unclosed left paren".into());
        }
        let c = self.next();
        match c {
            None => self.error("unclosed action".into()),
            Some(c) if is_space(c) => {
                self.backup(Some(c));
                self.lex_space()
            }
            Some('=') => self.emit(ItemType::Assign),
            Some(':') => {
                if self.next() != Some('=') {
                    return self.error("expected :=".into());
                }
                self.emit(ItemType::Declare)
            }
            Some('|') => self.emit(ItemType::Pipe),
            Some('"') => self.lex_quote(),
            Some('`') => self.lex_raw_quote(),
            Some('$') => {
                if self.at_terminator() {
                    return self.emit(ItemType::Variable);
                }
                self.lex_field_or_variable(ItemType::Variable)
            }
            Some('\'') => self.lex_char(),
            Some('.') if self.peek().is_some_and(|c| !c.is_ascii_digit()) => {
                self.lex_field_or_variable(ItemType::Field)
            }
            Some(c) if c == '.' || c == '+' || c == '-' || c.is_ascii_digit() => {
                self.backup(Some(c));
                self.lex_number()
            }
            Some(c) if is_alphanumeric(c) => {
                self.backup(Some(c));
                self.lex_identifier()
            }
            Some('(') => {
                self.paren_depth += 1;
                self.emit(ItemType::LeftParen)
            }
            Some(')') => {
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return self.error("unexpected right paren".into());
                }
                self.emit(ItemType::RightParen)
            }
            Some(c) if c.is_ascii() && !c.is_ascii_control() => self.emit(ItemType::Char),
            Some(c) => self.error(format!(
                "unrecognized character in action: {}",
                go_unicode(c)
            )),
        }
    }

    fn lex_space(&mut self) -> State {
        let mut spaces = 0;
        while self.peek().is_some_and(is_space) {
            self.next();
            spaces += 1;
        }
        let before = &self.input[self.pos - 1..];
        if has_right_trim_marker(before) && before[2..].starts_with(RIGHT) {
            let last = self.input[..self.pos].chars().next_back();
            self.backup(last);
            if spaces == 1 {
                return State::RightDelim;
            }
        }
        self.emit(ItemType::Space)
    }

    fn lex_identifier(&mut self) -> State {
        loop {
            let c = self.next();
            if c.is_some_and(is_alphanumeric) {
                continue;
            }
            self.backup(c);
            if !self.at_terminator() {
                return self.error(format!("bad character {}", go_unicode_opt(c)));
            }
            let word = &self.input[self.start..self.pos];
            let typ = match keyword(word) {
                Some(k) => k,
                None if word == "true" || word == "false" => ItemType::Bool,
                None => ItemType::Identifier,
            };
            return self.emit(typ);
        }
    }

    fn lex_field_or_variable(&mut self, typ: ItemType) -> State {
        if self.at_terminator() {
            return self.emit(if typ == ItemType::Variable {
                ItemType::Variable
            } else {
                ItemType::Dot
            });
        }
        let mut c;
        loop {
            c = self.next();
            if !c.is_some_and(is_alphanumeric) {
                self.backup(c);
                break;
            }
        }
        if !self.at_terminator() {
            return self.error(format!("bad character {}", go_unicode_opt(c)));
        }
        self.emit(typ)
    }

    fn at_terminator(&self) -> bool {
        match self.peek() {
            None => true,
            Some(c) if is_space(c) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            _ => self.rest().starts_with(RIGHT),
        }
    }

    fn lex_char(&mut self) -> State {
        loop {
            match self.next() {
                Some('\\') => {
                    if !matches!(self.next(), None | Some('\n')) {
                        continue;
                    }
                    return self.error("unterminated character constant".into());
                }
                None | Some('\n') => return self.error("unterminated character constant".into()),
                Some('\'') => return self.emit(ItemType::CharConstant),
                Some(_) => {}
            }
        }
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.next();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alphanumeric) {
            self.next();
            return false;
        }
        true
    }

    fn lex_number(&mut self) -> State {
        if !self.scan_number() {
            let text = self.input[self.start..self.pos].to_string();
            return self.error(format!(
                "bad number syntax: {}",
                crate::format::quote(&text)
            ));
        }
        if matches!(self.peek(), Some('+' | '-')) {
            let ok = self.scan_number() && self.input[..self.pos].ends_with('i');
            let text = self.input[self.start..self.pos].to_string();
            if !ok {
                return self.error(format!(
                    "bad number syntax: {}",
                    crate::format::quote(&text)
                ));
            }
            return self.error(format!(
                "complex constants are not supported by kuttl-rs: {text}"
            ));
        }
        self.emit(ItemType::Number)
    }

    fn lex_quote(&mut self) -> State {
        loop {
            match self.next() {
                Some('\\') => {
                    if !matches!(self.next(), None | Some('\n')) {
                        continue;
                    }
                    return self.error("unterminated quoted string".into());
                }
                None | Some('\n') => return self.error("unterminated quoted string".into()),
                Some('"') => return self.emit(ItemType::String),
                Some(_) => {}
            }
        }
    }

    fn lex_raw_quote(&mut self) -> State {
        loop {
            match self.next() {
                None => return self.error("unterminated raw quoted string".into()),
                Some('`') => return self.emit(ItemType::RawString),
                Some(_) => {}
            }
        }
    }
}

/// Go's `%#U`: `U+0021 '!'`.
fn go_unicode(c: char) -> String {
    format!("U+{:04X} '{c}'", c as u32)
}

fn go_unicode_opt(c: Option<char>) -> String {
    c.map_or_else(|| "U+FFFFFFFF".to_string(), go_unicode)
}
