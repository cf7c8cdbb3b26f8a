//! Go `text/template`'s parser (`text/template/parse/parse.go`): tokens to trees, one per
//! template (`define` and `block` add named ones), with Go's checks and error messages.

use std::collections::BTreeMap;

use super::ast::{Arg, ArgKind, Command, Control, Node, Number, Pipe};
use super::lexer::{self, Item, ItemType};

/// How deep parentheses and `if`/`range`/`with`/`block` bodies may nest. Go limits parentheses
/// only (to 10000); parsing recurses once a level of either, so kuttl-rs counts both.
const MAX_DEPTH: usize = 100;

/// The templates of one file: the file's own body under its name, and every `define`/`block`.
#[derive(Debug, Default)]
pub(crate) struct Templates {
    pub trees: BTreeMap<String, Vec<Node>>,
}

/// A parse error: Go's message, `template: <name>:<line>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Parses a template named `name`; `has_function` says which identifiers are functions.
pub(crate) fn parse(
    name: &str,
    text: &str,
    has_function: &dyn Fn(&str) -> Result<(), String>,
) -> Result<Templates, ParseError> {
    let mut parser = Parser {
        name,
        items: lexer::lex(text),
        next: 0,
        last_line: 1,
        vars: vec!["$".into()],
        range_depth: 0,
        depth: 0,
        action_line: 0,
        has_function,
        templates: Templates::default(),
    };
    let root = parser.parse_top()?;
    parser.add(name.to_string(), root)?;
    Ok(parser.templates)
}

type Result<T, E = ParseError> = std::result::Result<T, E>;

struct Parser<'a> {
    name: &'a str,
    items: Vec<Item>,
    next: usize,
    last_line: usize,
    vars: Vec<String>,
    range_depth: usize,
    /// Open parentheses and control bodies.
    depth: usize,
    action_line: usize,
    has_function: &'a dyn Fn(&str) -> Result<(), String>,
    templates: Templates,
}

/// What ended a list: `{{end}}`, `{{else}}` (with what follows it: `if`/`with` or nothing).
enum ListEnd {
    End,
    Else(Option<ItemType>),
}

impl ListEnd {
    fn describe(&self) -> &'static str {
        match self {
            ListEnd::End => "{{end}}",
            ListEnd::Else(_) => "{{else}}",
        }
    }
}

impl Parser<'_> {
    fn error<T>(&self, message: impl Into<String>) -> Result<T> {
        Err(ParseError {
            line: self.last_line,
            message: format!(
                "template: {}:{}: {}",
                self.name,
                self.last_line,
                message.into()
            ),
        })
    }

    fn next_item(&mut self) -> Item {
        let item = self.items[self.next.min(self.items.len() - 1)].clone();
        self.next += 1;
        self.last_line = item.line;
        item
    }

    fn backup(&mut self) {
        self.next -= 1;
    }

    fn peek(&self) -> &Item {
        &self.items[self.next.min(self.items.len() - 1)]
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let item = self.next_item();
            if item.typ != ItemType::Space {
                return item;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let item = self.next_non_space();
        self.backup();
        item
    }

    fn unexpected<T>(&self, item: &Item, context: &str) -> Result<T> {
        if item.typ == ItemType::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != item.line {
                extra = format!(" in action started at {}:{}", self.name, self.action_line);
                if item.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.error(format!("{item}{extra}"));
        }
        self.error(format!("unexpected {item} in {context}"))
    }

    fn expect(&mut self, typ: ItemType, context: &str) -> Result<Item> {
        let item = self.next_non_space();
        if item.typ != typ {
            return self.unexpected(&item, context);
        }
        Ok(item)
    }

    /// Runs `parse` one nesting level deeper; `what` names the limit in the error.
    fn nested<T>(&mut self, what: &str, parse: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        if self.depth >= MAX_DEPTH {
            return self.error(format!("max {what} depth exceeded"));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn add(&mut self, name: String, root: Vec<Node>) -> Result<()> {
        let empty = |nodes: &[Node]| {
            nodes
                .iter()
                .all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()))
        };
        match self.templates.trees.get(&name) {
            Some(existing) if !empty(existing) && !empty(&root) => self.error(format!(
                "template: multiple definition of template {}",
                super::format::quote(&name)
            )),
            Some(existing) if !empty(existing) => Ok(()),
            _ => {
                self.templates.trees.insert(name, root);
                Ok(())
            }
        }
    }

    fn parse_top(&mut self) -> Result<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().typ != ItemType::Eof {
            if self.peek().typ == ItemType::LeftDelim {
                let before = self.next;
                self.next_item();
                if self.next_non_space().typ == ItemType::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.next = before;
            }
            match self.text_or_action()? {
                Ok(node) => root.push(node),
                Err(end) => return self.error(format!("unexpected {}", end.describe())),
            }
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> Result<()> {
        let context = "define clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, context)?;
        self.expect(ItemType::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, ListEnd::End) {
            return self.error(format!("unexpected {} in {context}", end.describe()));
        }
        self.add(name, list)
    }

    fn item_list(&mut self) -> Result<(Vec<Node>, ListEnd)> {
        let mut list = Vec::new();
        while self.peek_non_space().typ != ItemType::Eof {
            match self.text_or_action()? {
                Ok(node) => list.push(node),
                Err(end) => return Ok((list, end)),
            }
        }
        self.error("unexpected EOF")
    }

    /// A node, or the `{{end}}`/`{{else}}` that ends the current list.
    fn text_or_action(&mut self) -> Result<Result<Node, ListEnd>> {
        let token = self.next_non_space();
        match token.typ {
            ItemType::Text => Ok(Ok(Node::Text(token.val))),
            ItemType::LeftDelim => {
                self.action_line = token.line;
                let result = self.action();
                self.action_line = 0;
                result
            }
            _ => self.unexpected(&token, "input"),
        }
    }

    fn action(&mut self) -> Result<Result<Node, ListEnd>> {
        let token = self.next_non_space();
        Ok(Ok(match token.typ {
            ItemType::Block => self.block_control()?,
            ItemType::Break | ItemType::Continue => {
                let word = if token.typ == ItemType::Break {
                    "break"
                } else {
                    "continue"
                };
                let next = self.next_non_space();
                if next.typ != ItemType::RightDelim {
                    return self.unexpected(&next, &format!("{{{{{word}}}}}"));
                }
                if self.range_depth == 0 {
                    return self.error(format!("{{{{{word}}}}} outside {{{{range}}}}"));
                }
                if token.typ == ItemType::Break {
                    Node::Break
                } else {
                    Node::Continue
                }
            }
            ItemType::Else => {
                let peek = self.peek_non_space();
                if matches!(peek.typ, ItemType::If | ItemType::With) {
                    return Ok(Err(ListEnd::Else(Some(peek.typ))));
                }
                self.expect(ItemType::RightDelim, "else")?;
                return Ok(Err(ListEnd::Else(None)));
            }
            ItemType::End => {
                self.expect(ItemType::RightDelim, "end")?;
                return Ok(Err(ListEnd::End));
            }
            ItemType::If => Node::If(self.nested_control("if")?),
            ItemType::Range => Node::Range(self.nested_control("range")?),
            ItemType::With => Node::With(self.nested_control("with")?),
            ItemType::Template => self.template_control()?,
            _ => {
                self.backup();
                Node::Action(self.pipeline("command", ItemType::RightDelim)?)
            }
        }))
    }

    fn nested_control(&mut self, context: &str) -> Result<Control> {
        self.nested("nesting", |parser| parser.parse_control(context))
    }

    fn parse_control(&mut self, context: &str) -> Result<Control> {
        let vars = self.vars.len();
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, end) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let else_list = match end {
            ListEnd::End => None,
            ListEnd::Else(Some(ItemType::If)) if context == "if" => {
                self.next_non_space();
                Some(vec![Node::If(self.nested_control("if")?)])
            }
            ListEnd::Else(Some(ItemType::With)) if context == "with" => {
                self.next_non_space();
                Some(vec![Node::With(self.nested_control("with")?)])
            }
            ListEnd::Else(_) => Some(self.else_body()?),
        };
        self.vars.truncate(vars);
        Ok(Control {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn else_body(&mut self) -> Result<Vec<Node>> {
        let (list, end) = self.item_list()?;
        if !matches!(end, ListEnd::End) {
            return self.error(format!("expected end; found {}", end.describe()));
        }
        Ok(list)
    }

    fn block_control(&mut self) -> Result<Node> {
        let context = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, context)?;
        let pipe = self.pipeline(context, ItemType::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_depth = std::mem::take(&mut self.range_depth);
        let (list, end) = self.nested("nesting", Self::item_list)?;
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        if !matches!(end, ListEnd::End) {
            return self.error(format!("unexpected {} in {context}", end.describe()));
        }
        self.add(name.clone(), list)?;
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn template_control(&mut self) -> Result<Node> {
        let context = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, context)?;
        let pipe = if self.next_non_space().typ == ItemType::RightDelim {
            None
        } else {
            self.backup();
            Some(self.pipeline(context, ItemType::RightDelim)?)
        };
        Ok(Node::Template {
            pos: token.pos,
            name,
            pipe,
        })
    }

    fn template_name(&self, token: &Item, context: &str) -> Result<String> {
        match token.typ {
            ItemType::String | ItemType::RawString => self.unquote(&token.val),
            _ => self.unexpected(token, context),
        }
    }

    fn unquote(&self, quoted: &str) -> Result<String> {
        match super::format::unquote(quoted) {
            Some(text) => Ok(text),
            None => self.error("invalid syntax"),
        }
    }

    fn pipeline(&mut self, context: &str, end: ItemType) -> Result<Pipe> {
        let start = self.peek_non_space();
        let mut pipe = Pipe {
            pos: start.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        loop {
            let v = self.peek_non_space();
            if v.typ != ItemType::Variable {
                break;
            }
            let before = self.next;
            self.next_non_space();
            let next = self.peek_non_space();
            match next.typ {
                ItemType::Assign | ItemType::Declare => {
                    pipe.is_assign = next.typ == ItemType::Assign;
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    break;
                }
                ItemType::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push(v.val.clone());
                    self.vars.push(v.val);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space().typ {
                            ItemType::Variable | ItemType::RightDelim | ItemType::RightParen => {
                                continue;
                            }
                            _ => return self.error("range can only initialize variables"),
                        }
                    }
                    return self.error(format!("too many declarations in {context}"));
                }
                _ => {
                    self.next = before;
                    break;
                }
            }
        }
        loop {
            let token = self.next_non_space();
            match token.typ {
                t if t == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemType::Bool
                | ItemType::CharConstant
                | ItemType::Dot
                | ItemType::Field
                | ItemType::Identifier
                | ItemType::Number
                | ItemType::Nil
                | ItemType::RawString
                | ItemType::String
                | ItemType::Variable
                | ItemType::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return self.unexpected(&token, context),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> Result<()> {
        if pipe.cmds.is_empty() {
            return self.error(format!("missing value for {context}"));
        }
        for (i, cmd) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                cmd.args[0].kind,
                ArgKind::Bool(_)
                    | ArgKind::Dot
                    | ArgKind::Nil
                    | ArgKind::Number(_)
                    | ArgKind::String(..)
            ) {
                return self.error(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> Result<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let token = self.next_item();
            match token.typ {
                ItemType::Space => continue,
                ItemType::RightDelim | ItemType::RightParen => self.backup(),
                ItemType::Pipe => {}
                _ => return self.unexpected(&token, "operand"),
            }
            break;
        }
        if cmd.args.is_empty() {
            return self.error("empty command");
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> Result<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().typ != ItemType::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek().pos;
        let mut fields = Vec::new();
        while self.peek().typ == ItemType::Field {
            let field = self.next_item();
            fields.extend(field.val[1..].split('.').map(str::to_string));
        }
        let kind = match node.kind {
            ArgKind::Field(mut idents) => {
                idents.extend(fields);
                ArgKind::Field(idents)
            }
            ArgKind::Variable(mut idents) => {
                idents.extend(fields);
                ArgKind::Variable(idents)
            }
            ArgKind::Bool(_)
            | ArgKind::String(..)
            | ArgKind::Number(_)
            | ArgKind::Nil
            | ArgKind::Dot => {
                return self.error(format!(
                    "unexpected . after term {}",
                    super::format::quote(&node.to_string())
                ));
            }
            other => ArgKind::Chain(
                Box::new(Arg {
                    pos: node.pos,
                    kind: other,
                }),
                fields,
            ),
        };
        Ok(Some(Arg {
            pos: chain_pos,
            kind,
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>> {
        let token = self.next_non_space();
        let kind = match token.typ {
            ItemType::Identifier => {
                if let Err(message) = (self.has_function)(&token.val) {
                    return self.error(message);
                }
                ArgKind::Identifier(token.val)
            }
            ItemType::Dot => ArgKind::Dot,
            ItemType::Nil => ArgKind::Nil,
            ItemType::Variable => {
                let idents: Vec<String> = token.val.split('.').map(str::to_string).collect();
                if !self.vars.contains(&idents[0]) {
                    return self.error(format!(
                        "undefined variable {}",
                        super::format::quote(&idents[0])
                    ));
                }
                ArgKind::Variable(idents)
            }
            ItemType::Field => {
                ArgKind::Field(token.val[1..].split('.').map(str::to_string).collect())
            }
            ItemType::Bool => ArgKind::Bool(token.val == "true"),
            ItemType::CharConstant | ItemType::Number => {
                ArgKind::Number(self.number(&token.val, token.typ)?)
            }
            ItemType::LeftParen => {
                ArgKind::Pipe(Box::new(self.nested("expression", |parser| {
                    parser.pipeline("parenthesized pipeline", ItemType::RightParen)
                })?))
            }
            ItemType::String | ItemType::RawString => {
                let text = self.unquote(&token.val)?;
                ArgKind::String(token.val, text)
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        };
        Ok(Some(Arg {
            pos: token.pos,
            kind,
        }))
    }

    fn number(&self, text: &str, typ: ItemType) -> Result<Number> {
        if typ == ItemType::CharConstant {
            let Some(c) = super::format::unquote_char(text) else {
                return self.error(format!("malformed character constant: {text}"));
            };
            return Ok(Number {
                text: text.to_string(),
                int: Some(i64::from(u32::from(c))),
                float: Some(f64::from(u32::from(c))),
                uint_only: false,
            });
        }
        let (int, uint) = parse_go_integer(text);
        let mut float = int.map(|i| i as f64).or(uint.map(|u| u as f64));
        let mut int = int;
        if float.is_none() {
            float = parse_go_float(text);
            if let Some(f) = float
                && int.is_none()
                && f.fract() == 0.0
                && f.abs() < 9.2e18
            {
                int = Some(f as i64);
            }
        }
        if int.is_none() && uint.is_none() && float.is_none() {
            return self.error(format!(
                "illegal number syntax: {}",
                super::format::quote(text)
            ));
        }
        Ok(Number {
            text: text.to_string(),
            int,
            float,
            uint_only: int.is_none() && uint.is_some(),
        })
    }
}

/// `strconv.ParseInt(text, 0, 64)` and `ParseUint`: sign, `0x`/`0o`/`0b`/`0` prefixes, `_`.
fn parse_go_integer(text: &str) -> (Option<i64>, Option<u64>) {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest.to_string())
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest.to_string())
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower.clone())
    };
    let body = body.replace('_', "");
    if body.is_empty() {
        return (None, None);
    }
    let Ok(magnitude) = u64::from_str_radix(&body, radix) else {
        return (None, None);
    };
    let uint = (!negative && !text.starts_with('+')).then_some(magnitude);
    let int = if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    };
    (int, uint)
}

/// `strconv.ParseFloat(text, 64)` for decimal forms (hex floats are rare in templates).
fn parse_go_float(text: &str) -> Option<f64> {
    let clean = text.replace('_', "");
    if clean.contains(['x', 'X']) || clean.ends_with(['i']) {
        return None;
    }
    clean.parse::<f64>().ok().filter(|f| f.is_finite())
}
