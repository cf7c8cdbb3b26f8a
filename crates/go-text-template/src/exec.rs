//! Executing a parsed template (Go's `text/template/exec.go`): walking the tree, evaluating
//! pipelines, fields, variables and calls with Go's typing rules, and Go's error messages.

use super::ast::{Arg, ArgKind, Command, Control, Node, Number, Pipe};
use super::format;
use super::funcs::{self, Ty};
use super::parse::Templates;
use super::value::{Elem, Value};

/// How deep template calls and the `if`/`range`/`with` bodies inside them may nest while
/// executing: Go allows 100000 template calls; kuttl-rs counts bodies too, as it recurses once a
/// level of either.
const MAX_DEPTH: usize = 10_000;

/// How much work a render may do, so that a runaway template (`range 1000000000`, a template
/// calling itself twice) fails within about a second instead of running for hours as in Go:
/// walking a node, a range iteration and a function call cost [`STEP`], a byte of output 1; the
/// values a pipeline yields and a function takes or returns cost their [`Value::weight`].
const MAX_WORK: u64 = 100_000_000;
const STEP: u64 = 100;

/// Why a walk stopped early.
enum Flow {
    Break,
    Continue,
    Error(String),
}

type Result<T, E = Flow> = std::result::Result<T, E>;

/// Runs the template named `name` from `templates` (parsed from `text`) on `data`.
pub(crate) fn execute(
    file: &str,
    text: &str,
    templates: &Templates,
    data: Value,
) -> std::result::Result<String, String> {
    let root = &templates.trees[file];
    let mut state = State {
        file,
        text,
        templates,
        template: file.to_string(),
        vars: vec![("$".into(), data.clone())],
        at: None,
        depth: 0,
        work: 0,
        out: String::new(),
    };
    match state.walk_list(&data, root) {
        Ok(()) => Ok(state.out),
        Err(Flow::Error(message)) => Err(message),
        Err(Flow::Break | Flow::Continue) => Err("break or continue outside range".into()),
    }
}

/// The node errors are reported at, printed (as Go prints it) only when one is.
#[derive(Clone, Copy)]
enum At<'a> {
    Range(&'a Control),
    Template(&'a Node),
    Pipe(&'a Pipe),
    Command(&'a Command),
    Arg(&'a Arg),
}

impl At<'_> {
    fn pos(self) -> usize {
        match self {
            At::Range(control) => control.pos,
            At::Template(Node::Template { pos, .. }) => *pos,
            At::Template(_) => 0,
            At::Pipe(pipe) => pipe.pos,
            At::Command(cmd) => cmd.pos,
            At::Arg(arg) => arg.pos,
        }
    }
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Range(control) => control.write(f, "range"),
            At::Template(node) => node.fmt(f),
            At::Pipe(pipe) => pipe.fmt(f),
            At::Command(cmd) => cmd.fmt(f),
            At::Arg(arg) => arg.fmt(f),
        }
    }
}

struct State<'a> {
    file: &'a str,
    text: &'a str,
    templates: &'a Templates,
    template: String,
    vars: Vec<(String, Value)>,
    at: Option<At<'a>>,
    depth: usize,
    work: u64,
    out: String,
}

impl<'a> State<'a> {
    fn at(&mut self, at: At<'a>) {
        self.at = Some(at);
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T> {
        let message = message.into();
        let name = format::quote(&self.template);
        Err(Flow::Error(match &self.at {
            None => format!("template: {}: {message}", self.template),
            Some(at) => {
                let pos = at.pos();
                let before = &self.text[..pos.min(self.text.len())];
                let line = 1 + before.matches('\n').count();
                let column = before.rfind('\n').map_or(pos, |nl| pos - nl - 1);
                format!(
                    "template: {}:{line}:{column}: executing {name} at <{at}>: {message}",
                    self.file
                )
            }
        }))
    }

    /// The work `value` costs, counted no further than the limit.
    fn weight(&self, value: &Value) -> u64 {
        value.weight(MAX_WORK.saturating_sub(self.work))
    }

    /// Counts `units` of work against [`MAX_WORK`].
    fn charge(&mut self, units: u64) -> Result<()> {
        self.work += units;
        if self.work > MAX_WORK {
            return self.error(format!("exceeded maximum template work ({MAX_WORK} steps)"));
        }
        Ok(())
    }

    fn write(&mut self, text: &str) -> Result<()> {
        self.out.push_str(text);
        if self.out.len() > funcs::MAX_LEN {
            return self.error(format!(
                "exceeded maximum template output ({} bytes)",
                funcs::MAX_LEN
            ));
        }
        self.charge(text.len() as u64)
    }

    fn walk_list(&mut self, dot: &Value, list: &'a [Node]) -> Result<()> {
        list.iter().try_for_each(|node| self.walk(dot, node))
    }

    fn walk(&mut self, dot: &Value, node: &'a Node) -> Result<()> {
        self.charge(STEP)?;
        match node {
            Node::Text(text) => self.write(text),
            Node::Action(pipe) => {
                let value = self.eval_pipeline(dot, pipe)?;
                if pipe.decl.is_empty() {
                    self.write(&format::display(&value))?;
                }
                Ok(())
            }
            Node::If(control) => self.nested(|state| state.walk_if_or_with(dot, control, false)),
            Node::With(control) => self.nested(|state| state.walk_if_or_with(dot, control, true)),
            Node::Range(control) => self.nested(|state| state.walk_range(dot, control)),
            Node::Template { name, pipe, .. } => self.walk_template(dot, node, name, pipe.as_ref()),
            Node::Break => Err(Flow::Break),
            Node::Continue => Err(Flow::Continue),
        }
    }

    fn check_depth(&self) -> Result<()> {
        if self.depth == MAX_DEPTH {
            return self.error(format!("exceeded maximum template depth ({MAX_DEPTH})"));
        }
        Ok(())
    }

    /// Runs `walk` one level deeper, failing as Go does at its template depth limit.
    fn nested(&mut self, walk: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        self.check_depth()?;
        self.depth += 1;
        let result = walk(self);
        self.depth -= 1;
        result
    }

    fn walk_if_or_with(&mut self, dot: &Value, control: &'a Control, with: bool) -> Result<()> {
        let mark = self.vars.len();
        let value = self.eval_pipeline(dot, &control.pipe)?;
        let result = if value.is_true() {
            let dot = if with { &value } else { dot };
            self.walk_list(dot, &control.list)
        } else if let Some(else_list) = &control.else_list {
            self.walk_list(dot, else_list)
        } else {
            Ok(())
        };
        self.vars.truncate(mark);
        result
    }

    fn walk_range(&mut self, dot: &Value, control: &'a Control) -> Result<()> {
        self.at(At::Range(control));
        let outer = self.vars.len();
        let value = self.eval_pipeline(dot, &control.pipe)?;
        let mark = self.vars.len();
        let decl = control.pipe.decl.len();
        // Lazily, so that `range 1000000000` stops at the work limit instead of allocating first;
        // a map is copied, as the body may `set` keys in it.
        let items: Box<dyn Iterator<Item = (Value, Value)>> = match &value {
            Value::Int(n) | Value::Int64(n) => {
                if decl > 1 {
                    return self.error(format!(
                        "can't use {} to iterate over more than one variable",
                        format::display(&value)
                    ));
                }
                Box::new((0..*n).map(|i| (Value::Missing, Value::Int(i))))
            }
            Value::List(_, items) => Box::new(
                items
                    .clone()
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| (Value::Int(i as i64), item)),
            ),
            Value::Map(_, entries) => Box::new(
                entries
                    .borrow()
                    .iter()
                    .map(|(k, v)| (Value::String(k.clone()), v.clone()))
                    .collect::<Vec<_>>()
                    .into_iter(),
            ),
            Value::Missing | Value::Nil => Box::new(std::iter::empty()),
            _ => {
                let shown = format::display(&value);
                return self.error(format!("range can't iterate over {shown}"));
            }
        };
        let mut result = Ok(());
        let mut empty = true;
        for (index, elem) in items {
            empty = false;
            if let Err(err) = self.charge(STEP) {
                result = Err(err);
                break;
            }
            if decl > 0 {
                if control.pipe.is_assign {
                    let first = if decl > 1 { &index } else { &elem };
                    self.set_var(&control.pipe.decl[0], first.clone());
                    if decl > 1 {
                        self.set_var(&control.pipe.decl[1], elem.clone());
                    }
                } else {
                    let top = self.vars.len() - 1;
                    self.vars[top].1 = elem.clone();
                    if decl > 1 {
                        self.vars[top - 1].1 = index.clone();
                    }
                }
            }
            let step = self.walk_list(&elem, &control.list);
            self.vars.truncate(mark);
            match step {
                Ok(()) | Err(Flow::Continue) => {}
                Err(Flow::Break) => break,
                Err(err) => {
                    result = Err(err);
                    break;
                }
            }
        }
        if result.is_ok()
            && empty
            && let Some(else_list) = &control.else_list
        {
            result = self.walk_list(dot, else_list);
        }
        self.vars.truncate(outer);
        result
    }

    fn walk_template(
        &mut self,
        dot: &Value,
        node: &'a Node,
        name: &str,
        pipe: Option<&'a Pipe>,
    ) -> Result<()> {
        self.at(At::Template(node));
        let Some(tree) = self.templates.trees.get(name) else {
            return self.error(format!("template {} not defined", format::quote(name)));
        };
        self.check_depth()?;
        let dot = match pipe {
            Some(pipe) => self.eval_pipeline(dot, pipe)?,
            None => Value::Missing,
        };
        let saved_vars = std::mem::replace(&mut self.vars, vec![("$".into(), dot.clone())]);
        let saved_template = std::mem::replace(&mut self.template, name.to_string());
        let result = self.nested(|state| state.walk_list(&dot, tree));
        self.template = saved_template;
        self.vars = saved_vars;
        result
    }

    fn set_var(&mut self, name: &str, value: Value) {
        if let Some(slot) = self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            slot.1 = value;
        }
    }

    fn var_value(&self, name: &str) -> Result<Value> {
        match self.vars.iter().rev().find(|(n, _)| n == name) {
            Some((_, value)) => Ok(value.clone()),
            None => self.error(format!("undefined variable: {name}")),
        }
    }

    fn eval_pipeline(&mut self, dot: &Value, pipe: &'a Pipe) -> Result<Value> {
        self.at(At::Pipe(pipe));
        let mut value = None;
        for cmd in &pipe.cmds {
            let result = self.eval_command(dot, cmd, value.take())?;
            // An interface holding nil is no value once it leaves a command.
            value = Some(match result {
                Value::Nil => Value::Missing,
                other => other,
            });
        }
        let value = value.unwrap_or(Value::Missing);
        self.charge(self.weight(&value))?;
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone());
            } else {
                self.vars.push((name.clone(), value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], has_final: bool) -> Result<()> {
        if args.len() > 1 || has_final {
            return self.error(format!("can't give argument to non-function {}", args[0]));
        }
        Ok(())
    }

    fn eval_command(
        &mut self,
        dot: &Value,
        cmd: &'a Command,
        last: Option<Value>,
    ) -> Result<Value> {
        let first = &cmd.args[0];
        match &first.kind {
            ArgKind::Field(idents) => {
                self.at(At::Arg(first));
                let has_args = cmd.args.len() > 1 || last.is_some();
                self.eval_field_chain(dot.clone(), false, idents, has_args)
                    .map(|(v, _)| v)
            }
            ArgKind::Chain(node, fields) => {
                self.at(At::Arg(first));
                let has_args = cmd.args.len() > 1 || last.is_some();
                self.eval_chain(dot, first, node, fields, has_args)
            }
            ArgKind::Identifier(name) => self.eval_function(dot, first, name, Some(cmd), last),
            ArgKind::Pipe(pipe) => {
                self.not_a_function(&cmd.args, last.is_some())?;
                self.eval_pipeline(dot, pipe)
            }
            ArgKind::Variable(idents) => {
                self.at(At::Arg(first));
                let value = self.var_value(&idents[0])?;
                if idents.len() == 1 {
                    self.not_a_function(&cmd.args, last.is_some())?;
                    return Ok(value);
                }
                let has_args = cmd.args.len() > 1 || last.is_some();
                self.eval_field_chain(value, false, &idents[1..], has_args)
                    .map(|(v, _)| v)
            }
            _ => {
                self.at(At::Arg(first));
                self.not_a_function(&cmd.args, last.is_some())?;
                match &first.kind {
                    ArgKind::Bool(b) => Ok(Value::Bool(*b)),
                    ArgKind::Dot => Ok(dot.clone()),
                    ArgKind::Nil => self.error("nil is not a command"),
                    ArgKind::Number(n) => self.ideal_constant(n),
                    ArgKind::String(_, text) => Ok(Value::String(text.clone())),
                    _ => self.error(format!("can't evaluate command {}", first)),
                }
            }
        }
    }

    fn eval_chain(
        &mut self,
        dot: &Value,
        chain: &'a Arg,
        node: &'a Arg,
        fields: &[String],
        has_args: bool,
    ) -> Result<Value> {
        if matches!(node.kind, ArgKind::Nil) {
            return self.error(format!("indirection through explicit nil in {chain}"));
        }
        let receiver = self.eval_arg(dot, Ty::Reflect, node)?;
        self.at(At::Arg(chain));
        self.eval_field_chain(receiver, false, fields, has_args)
            .map(|(v, _)| v)
    }

    fn ideal_constant(&mut self, n: &Number) -> Result<Value> {
        let hex = n.text.len() > 2
            && n.text.starts_with('0')
            && matches!(n.text.as_bytes()[1], b'x' | b'X')
            && !n.text.contains(['p', 'P']);
        let rune = n.text.starts_with('\'');
        if let Some(f) = n.float
            && !hex
            && !rune
            && n.text.contains(['.', 'e', 'E', 'p', 'P'])
        {
            return Ok(Value::Float(f));
        }
        if let Some(i) = n.int {
            return Ok(Value::Int(i));
        }
        if n.uint_only {
            return self.error(format!("{} overflows int", n.text));
        }
        Ok(Value::Missing)
    }

    /// `.a.b.c` from `receiver`; `boxed` says the receiver came out of an `interface {}` slot.
    /// Returns the value and whether it is boxed.
    fn eval_field_chain(
        &mut self,
        receiver: Value,
        boxed: bool,
        idents: &[String],
        has_args: bool,
    ) -> Result<(Value, bool)> {
        let mut current = (receiver, boxed);
        for (i, ident) in idents.iter().enumerate() {
            let last = i + 1 == idents.len();
            current = self.eval_field(current.0, current.1, ident, last && has_args)?;
        }
        Ok(current)
    }

    fn eval_field(
        &mut self,
        receiver: Value,
        boxed: bool,
        name: &str,
        has_args: bool,
    ) -> Result<(Value, bool)> {
        let type_name = if boxed {
            "interface {}".to_string()
        } else {
            receiver.type_name()
        };
        match receiver {
            Value::Missing => Ok((Value::Missing, false)),
            Value::Nil => self.error(format!("nil pointer evaluating interface {{}}.{name}")),
            Value::Env(namespace, vars) => {
                let field = match name {
                    "Namespace" => Value::String(namespace),
                    "Vars" => Value::Map(Elem::Any, vars),
                    _ => {
                        return self
                            .error(format!("can't evaluate field {name} in type template.Env"));
                    }
                };
                if has_args {
                    return self.error(format!(
                        "{name} has arguments but cannot be invoked as function"
                    ));
                }
                Ok((field, false))
            }
            Value::Map(elem, entries) => {
                if has_args {
                    return self.error(format!("{name} is not a method but has arguments"));
                }
                let found = entries.borrow().get(name).cloned();
                Ok((found.unwrap_or(Value::Missing), elem == Elem::Any))
            }
            _ => self.error(format!("can't evaluate field {name} in type {type_name}")),
        }
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        ident: &'a Arg,
        name: &str,
        cmd: Option<&'a Command>,
        last: Option<Value>,
    ) -> Result<Value> {
        self.at(At::Arg(ident));
        let Some(func) = funcs::lookup(name) else {
            return self.error(format!("{} is not a defined function", format::quote(name)));
        };
        let args: &[Arg] = cmd.map_or(&[], |cmd| &cmd.args[1..]);
        let num_in = args.len() + usize::from(last.is_some());
        let fixed = func.params.len();
        match func.variadic {
            Some(_) if num_in < fixed => {
                return self.error(format!(
                    "wrong number of args for {name}: want at least {fixed} got {}",
                    args.len()
                ));
            }
            None if num_in != fixed => {
                return self.error(format!(
                    "wrong number of args for {name}: want {fixed} got {num_in}"
                ));
            }
            _ => {}
        }
        if name == "and" || name == "or" {
            let mut value = Value::Missing;
            for arg in args {
                value = self.eval_arg(dot, Ty::Reflect, arg)?;
                if value.is_true() == (name == "or") {
                    return Ok(value);
                }
            }
            return Ok(last.unwrap_or(value));
        }
        let param = |i: usize| {
            func.params
                .get(i)
                .copied()
                .or(func.variadic)
                .unwrap_or(Ty::Any)
        };
        let mut argv = Vec::with_capacity(num_in);
        for (i, arg) in args.iter().enumerate() {
            argv.push(self.eval_arg(dot, param(i), arg)?);
        }
        let callee = args.first().map(ToString::to_string);
        if let Some(last) = last {
            argv.push(self.validate(last, false, param(argv.len()))?);
        }
        let units = argv.iter().map(|arg| self.weight(arg)).sum::<u64>();
        self.charge(STEP + units)?;
        let result = match name {
            // Templates get no function values, so `call` always fails; Go names the callee.
            "call" => Err(match &argv[0] {
                Value::Missing | Value::Nil => "call of nil".to_string(),
                other => format!(
                    "non-function {} of type {}",
                    callee.unwrap_or_else(|| format::display(other)),
                    other.type_name()
                ),
            }),
            _ => (func.call)(argv).and_then(|value| {
                funcs::check_size(value.size())?;
                Ok(value)
            }),
        };
        if let Ok(value) = &result {
            self.charge(self.weight(value))?;
        }
        result.or_else(|err| {
            self.at(cmd.map_or(At::Arg(ident), At::Command));
            self.error(format!("error calling {name}: {err}"))
        })
    }

    /// Go's `validateType`: checks that a value fits a parameter, unboxing interfaces.
    fn validate(&self, value: Value, boxed: bool, ty: Ty) -> Result<Value> {
        match value {
            Value::Missing => match ty.zero() {
                Some(zero) => Ok(zero),
                None => self.error(format!("invalid value; expected {ty}")),
            },
            Value::Nil if !matches!(ty, Ty::Any | Ty::Reflect) => self.error(format!(
                "wrong type for value; expected {ty}; got interface {{}}"
            )),
            value if ty.accepts(&value) => Ok(value),
            value => {
                let got = if boxed && matches!(value, Value::Nil) {
                    "interface {}".to_string()
                } else {
                    value.type_name()
                };
                self.error(format!("wrong type for value; expected {ty}; got {got}"))
            }
        }
    }

    fn eval_arg(&mut self, dot: &Value, ty: Ty, arg: &'a Arg) -> Result<Value> {
        self.at(At::Arg(arg));
        match &arg.kind {
            ArgKind::Dot => return self.validate(dot.clone(), false, ty),
            ArgKind::Nil => {
                return match ty.zero() {
                    Some(zero) => Ok(zero),
                    None => self.error(format!("cannot assign nil to {ty}")),
                };
            }
            ArgKind::Field(idents) => {
                let (value, boxed) = self.eval_field_chain(dot.clone(), false, idents, false)?;
                return self.validate(value, boxed, ty);
            }
            ArgKind::Variable(idents) => {
                let value = self.var_value(&idents[0])?;
                let (value, boxed) = self.eval_field_chain(value, false, &idents[1..], false)?;
                return self.validate(value, boxed, ty);
            }
            ArgKind::Pipe(pipe) => {
                let value = self.eval_pipeline(dot, pipe)?;
                return self.validate(value, false, ty);
            }
            ArgKind::Identifier(name) => {
                let value = self.eval_function(dot, arg, name, None, None)?;
                return self.validate(value, false, ty);
            }
            ArgKind::Chain(node, fields) => {
                let value = self.eval_chain(dot, arg, node, fields, false)?;
                return self.validate(value, false, ty);
            }
            _ => {}
        }
        match (ty, &arg.kind) {
            (Ty::Bool, ArgKind::Bool(b)) => Ok(Value::Bool(*b)),
            (Ty::Bool, _) => self.error(format!("expected bool; found {arg}")),
            (Ty::Str, ArgKind::String(_, text)) => Ok(Value::String(text.clone())),
            (Ty::Str, _) => self.error(format!("expected string; found {arg}")),
            (Ty::Int, ArgKind::Number(Number { int: Some(i), .. })) => Ok(Value::Int(*i)),
            (Ty::Int, _) => self.error(format!("expected integer; found {arg}")),
            (Ty::Float, ArgKind::Number(Number { float: Some(f), .. })) => Ok(Value::Float(*f)),
            (Ty::Float, _) => self.error(format!("expected float; found {arg}")),
            (Ty::Any | Ty::Reflect, ArgKind::Bool(b)) => Ok(Value::Bool(*b)),
            (Ty::Any | Ty::Reflect, ArgKind::Number(n)) => self.ideal_constant(n),
            (Ty::Any | Ty::Reflect, ArgKind::String(_, text)) => Ok(Value::String(text.clone())),
            _ => self.error(format!("can't handle {arg} for arg of type {ty}")),
        }
    }
}
