//! Chainsaw's expressions in strings and keys: `(expr)`, `(jp;expr)`, `(cel;expr)`, `\escaped\`,
//! `~name.(expr)` (foreach) and `(expr)->name` (binding), as kyverno-json's `core/expression` and
//! Chainsaw's `pkg/expressions` read them; and their evaluation with the JMESPath dialect of
//! [`go_jmespath`] and Chainsaw's function set.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::api::Compiler;

/// Named values expressions see: `$namespace`, `$values`, bindings, outputs, ….
pub(crate) type Bindings = jp::Bindings;

/// What a string holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Statement {
    /// Literal text (an escaped `\(…)\` included, without its backslashes).
    Plain(String),
    /// An expression, with the engine it names (`None`: the default one).
    Expression(Expression),
}

/// An expression's text and engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expression {
    pub engine: Option<Compiler>,
    pub text: String,
    /// An engine name Chainsaw does not know (`(foo;…)`), kept for the error.
    pub unknown_engine: Option<String>,
}

/// A map key or leaf of an assertion tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    /// `~` (with the index or key's binding name, if any).
    pub foreach: Option<Option<String>>,
    /// `->name`.
    pub binding: Option<String>,
    pub statement: Statement,
}

/// Reads a string: `(expr)` and `(engine;expr)` are expressions, `\text\` is the escaped text.
pub(crate) fn parse(text: &str) -> Statement {
    if let Some(inner) = text
        .strip_prefix('\\')
        .and_then(|rest| rest.strip_suffix('\\'))
        .filter(|inner| !inner.is_empty())
    {
        return Statement::Plain(inner.to_string());
    }
    let Some(inner) = text
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
        .filter(|inner| !inner.is_empty())
    else {
        return Statement::Plain(text.to_string());
    };
    // `^\((?:(\w+);)?(.+)\)$`: an engine is a word followed by `;`.
    let (engine, body) = match inner.split_once(';') {
        Some((name, body))
            if !name.is_empty()
                && !body.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            (Some(name), body)
        }
        _ => (None, inner),
    };
    let (engine, unknown_engine) = match engine {
        None => (None, None),
        Some("jp") => (Some(Compiler::Jp), None),
        Some("cel") => (Some(Compiler::Cel), None),
        Some(other) => (None, Some(other.to_string())),
    };
    Statement::Expression(Expression {
        engine,
        text: body.to_string(),
        unknown_engine,
    })
}

/// Reads an assertion-tree key: `~name.rest` (foreach), then `rest->name` (binding), then
/// [`parse`].
pub(crate) fn parse_key(text: &str) -> Key {
    let mut rest = text;
    let mut foreach = None;
    // `^~(\w+)?\.(.*)`
    if let Some(after) = rest.strip_prefix('~') {
        let name_len = after
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
            .map_or(after.len(), |(at, _)| at);
        if let Some(body) = after[name_len..].strip_prefix('.') {
            let name = &after[..name_len];
            foreach = Some((!name.is_empty()).then(|| name.to_string()));
            rest = body;
        }
    }
    // `(.*)\s*->\s*(\w+)$`
    let mut binding = None;
    if let Some(at) = rest.rfind("->") {
        let name = rest[at + 2..].trim_start();
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            binding = Some(name.to_string());
            rest = &rest[..at];
        }
    }
    Key {
        foreach,
        binding,
        statement: parse(rest),
    }
}

/// The expression engines of a run (JMESPath with Chainsaw's functions, compiled expressions
/// cached by their text; CEL), and the engine of expressions that name none. Cheap to clone:
/// a scope with its own `compiler` is a clone with another default.
#[derive(Clone)]
pub(crate) struct Expressions {
    shared: Arc<Shared>,
    default_engine: Compiler,
}

struct Shared {
    functions: jp::Functions,
    compiled: Mutex<HashMap<String, Arc<jp::Expression>>>,
}

impl Expressions {
    /// Engines with `functions`, and `default_engine` for expressions that name none.
    pub(crate) fn new(functions: jp::Functions, default_engine: Compiler) -> Self {
        Self {
            shared: Arc::new(Shared {
                functions,
                compiled: Mutex::new(HashMap::new()),
            }),
            default_engine,
        }
    }

    /// These engines, with `engine` (when set) for expressions that name none: a test's, step's,
    /// operation's or binding's `compiler`.
    pub(crate) fn with_default(&self, engine: Option<Compiler>) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
            default_engine: engine.unwrap_or(self.default_engine),
        }
    }

    /// These engines with more functions (the ones that call a test's cluster), and a cache of
    /// their own.
    pub(crate) fn with_functions(&self, add: impl FnOnce(&mut jp::Functions)) -> Self {
        let mut functions = self.shared.functions.clone();
        add(&mut functions);
        Self {
            shared: Arc::new(Shared {
                functions,
                compiled: Mutex::new(HashMap::new()),
            }),
            default_engine: self.default_engine,
        }
    }

    /// Evaluates `expression` with `@` (CEL: `object`) set to `data`; a bare `$` is `null`, as
    /// in Chainsaw.
    ///
    /// # Errors
    ///
    /// The expression does not compile or fails, or names an engine Chainsaw does not know; the
    /// message names the expression.
    pub(crate) fn search(
        &self,
        expression: &Expression,
        data: &Value,
        bindings: &Bindings,
    ) -> Result<Value, String> {
        if let Some(unknown) = &expression.unknown_engine {
            return Err(format!("unknown compiler {unknown:?} in ({unknown};…)"));
        }
        match expression.engine.unwrap_or(self.default_engine) {
            Compiler::Jp => {
                let compiled = self.compile(&expression.text)?;
                // `$` is `null`: kyverno-json's interpreter is made with no root.
                compiled
                    .search_with_root(data, &Value::Null, bindings, &self.shared.functions)
                    .map_err(|err| format!("{err} (in expression {:?})", expression.text))
            }
            Compiler::Cel => super::cel::evaluate(&expression.text, data, bindings),
        }
    }

    fn compile(&self, text: &str) -> Result<Arc<jp::Expression>, String> {
        let mut compiled = self
            .shared
            .compiled
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(found) = compiled.get(text) {
            return Ok(Arc::clone(found));
        }
        let expression = Arc::new(jp::compile(text).map_err(|err| err.to_string())?);
        compiled.insert(text.to_string(), Arc::clone(&expression));
        Ok(expression)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expression(text: &str) -> Statement {
        Statement::Expression(Expression {
            engine: None,
            text: text.into(),
            unknown_engine: None,
        })
    }

    #[test]
    fn strings_are_read_as_chainsaw_reads_them() {
        assert_eq!(parse("plain"), Statement::Plain("plain".into()));
        assert_eq!(parse("($namespace)"), expression("$namespace"));
        assert_eq!(parse("\\(not)\\"), Statement::Plain("(not)".into()));
        assert_eq!(parse("()"), Statement::Plain("()".into()));
        // Greedy, as the regular expression is: the outer parentheses delimit.
        assert_eq!(parse("(a) and (b)"), expression("a) and (b"));
        assert_eq!(parse("(a) and (b"), Statement::Plain("(a) and (b".into()));
        assert_eq!(
            parse("(cel;object.x)"),
            Statement::Expression(Expression {
                engine: Some(Compiler::Cel),
                text: "object.x".into(),
                unknown_engine: None,
            })
        );
        // A `;` after something that is not a word is part of the expression.
        assert_eq!(parse("(join(';', @))"), expression("join(';', @)"));
    }

    #[test]
    fn keys_read_foreach_and_binding() {
        let key = parse_key("~index.(spec.containers)->containers");
        assert_eq!(key.foreach, Some(Some("index".into())));
        assert_eq!(key.binding, Some("containers".into()));
        assert_eq!(key.statement, expression("spec.containers"));
        let key = parse_key("~.(items)");
        assert_eq!(key.foreach, Some(None));
        assert_eq!(
            parse_key("metadata").statement,
            Statement::Plain("metadata".into())
        );
        assert_eq!(parse_key("~notforeach").foreach, None);
    }
}
