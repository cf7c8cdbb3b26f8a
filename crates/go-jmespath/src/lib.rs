#![doc = include_str!("../README.md")]

mod ast;
mod bindings;
mod error;
mod functions;
mod interpreter;
mod lexer;
mod parser;
mod value;

use serde_json::Value;

pub use bindings::Bindings;
pub use error::{Error, FunctionError};
pub use functions::{ArgSpec, ArgType, Functions};

/// A compiled expression, ready to be searched any number of times.
#[derive(Debug, Clone)]
pub struct Expression {
    text: String,
    root: ast::Node,
}

/// Parses `expression` once.
///
/// # Errors
///
/// [`Error::Syntax`] when it is not valid JMESPath or is nested too deeply.
pub fn compile(expression: &str) -> Result<Expression, Error> {
    Ok(Expression {
        text: expression.to_string(),
        root: parser::parse(expression)?,
    })
}

impl Expression {
    /// The expression's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The expression evaluated against `data`, which is also what `$` stands for, with
    /// `bindings` as its `$variables` and `functions` as what it may call.
    ///
    /// # Errors
    ///
    /// An unknown function or variable, a function given the wrong arguments or failing, or a
    /// value an operation rejects (a slice step of 0, a division by zero).
    pub fn search(
        &self,
        data: &Value,
        bindings: &Bindings,
        functions: &Functions,
    ) -> Result<Value, Error> {
        self.search_with_root(data, data, bindings, functions)
    }

    /// As [`Expression::search`], with `$` standing for `root` instead of `data`. Kyverno-json
    /// evaluates Chainsaw's expressions with no root, so there a bare `$` is `null`.
    ///
    /// # Errors
    ///
    /// As [`Expression::search`].
    pub fn search_with_root(
        &self,
        data: &Value,
        root: &Value,
        bindings: &Bindings,
        functions: &Functions,
    ) -> Result<Value, Error> {
        interpreter::Interpreter { root, functions }.eval(&self.root, data, bindings)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_bare_dollar_is_the_root_the_caller_gives() {
        let expression = compile("[@.a, $]").unwrap();
        let (data, functions) = (json!({"a": 1}), Functions::community());
        let bindings = Bindings::new();
        assert_eq!(
            expression.search(&data, &bindings, &functions).unwrap(),
            json!([1, {"a": 1}])
        );
        assert_eq!(
            expression
                .search_with_root(&data, &Value::Null, &bindings, &functions)
                .unwrap(),
            json!([1, null])
        );
    }
}
