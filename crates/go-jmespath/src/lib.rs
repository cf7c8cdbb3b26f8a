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
        interpreter::Interpreter {
            root: data,
            functions,
        }
        .eval(&self.root, data, bindings)
    }
}
