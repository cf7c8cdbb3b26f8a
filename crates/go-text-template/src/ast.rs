//! The parse tree of a template (Go's `text/template/parse/node.go`), printed back as Go prints it
//! in error messages.

use std::fmt;

/// A node of a template body.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Action(Pipe),
    If(Control),
    Range(Control),
    With(Control),
    Template {
        pos: usize,
        name: String,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

/// `if`, `range` and `with`: a pipeline, a body and an optional `else` body.
#[derive(Debug, Clone)]
pub(crate) struct Control {
    pub pos: usize,
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

/// `$x := cmd | cmd`.
#[derive(Debug, Clone)]
pub(crate) struct Pipe {
    pub pos: usize,
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

/// One stage of a pipeline: an operand and its arguments.
#[derive(Debug, Clone)]
pub(crate) struct Command {
    pub pos: usize,
    pub args: Vec<Arg>,
}

/// An operand and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub pos: usize,
    pub kind: ArgKind,
}

/// A number literal with every reading Go's parser accepts.
#[derive(Debug, Clone)]
pub(crate) struct Number {
    pub text: String,
    pub int: Option<i64>,
    pub float: Option<f64>,
    /// Only an unsigned integer (too big for `int64`).
    pub uint_only: bool,
}

/// Operands.
#[derive(Debug, Clone)]
pub(crate) enum ArgKind {
    Bool(bool),
    Dot,
    Nil,
    Number(Number),
    /// The quoted text as written, and its value.
    String(String, String),
    Field(Vec<String>),
    /// `$x.a.b`: the variable name first.
    Variable(Vec<String>),
    Identifier(String),
    Chain(Box<Arg>, Vec<String>),
    Pipe(Box<Pipe>),
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ArgKind::Bool(b) => write!(f, "{b}"),
            ArgKind::Dot => f.write_str("."),
            ArgKind::Nil => f.write_str("nil"),
            ArgKind::Number(n) => f.write_str(&n.text),
            ArgKind::String(quoted, _) => f.write_str(quoted),
            ArgKind::Field(idents) => write!(f, ".{}", idents.join(".")),
            ArgKind::Variable(idents) => f.write_str(&idents.join(".")),
            ArgKind::Identifier(name) => f.write_str(name),
            ArgKind::Chain(node, fields) => {
                match &node.kind {
                    ArgKind::Pipe(pipe) => write!(f, "({pipe})")?,
                    _ => write!(f, "{node}")?,
                }
                for field in fields {
                    write!(f, ".{field}")?;
                }
                Ok(())
            }
            ArgKind::Pipe(pipe) => write!(f, "{pipe}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match &arg.kind {
                ArgKind::Pipe(pipe) => write!(f, "({pipe})")?,
                _ => write!(f, "{arg}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            f.write_str(&self.decl.join(", "))?;
            f.write_str(if self.is_assign { " = " } else { " := " })?;
        }
        for (i, cmd) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{cmd}")?;
        }
        Ok(())
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, list: &[Node]) -> fmt::Result {
    list.iter().try_for_each(|node| write!(f, "{node}"))
}

impl Control {
    pub(crate) fn write(&self, f: &mut fmt::Formatter<'_>, keyword: &str) -> fmt::Result {
        write!(f, "{{{{{keyword} {}}}}}", self.pipe)?;
        write_list(f, &self.list)?;
        if let Some(else_list) = &self.else_list {
            f.write_str("{{else}}")?;
            write_list(f, else_list)?;
        }
        f.write_str("{{end}}")
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Text(text) => f.write_str(text),
            Node::Action(pipe) => write!(f, "{{{{{pipe}}}}}"),
            Node::If(c) => c.write(f, "if"),
            Node::Range(c) => c.write(f, "range"),
            Node::With(c) => c.write(f, "with"),
            Node::Template { name, pipe, .. } => {
                let name = crate::format::quote(name);
                match pipe {
                    Some(pipe) => write!(f, "{{{{template {name} {pipe}}}}}"),
                    None => write!(f, "{{{{template {name}}}}}"),
                }
            }
            Node::Break => f.write_str("{{break}}"),
            Node::Continue => f.write_str("{{continue}}"),
        }
    }
}
