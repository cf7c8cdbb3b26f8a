//! The errors of compiling and evaluating an expression.

/// Why an expression could not be compiled or evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The expression is not valid JMESPath.
    #[error("syntax error at position {offset} in {expression:?}: {message}")]
    Syntax {
        /// Byte offset in `expression` where the error was found.
        offset: usize,
        /// The whole expression.
        expression: String,
        /// What was wrong.
        message: String,
    },
    /// The expression calls a function that is not registered.
    #[error("unknown function: {name}")]
    UnknownFunction {
        /// The function's name.
        name: String,
    },
    /// A function was called with too few or too many arguments (Go's wording).
    #[error("{}", arity_message(.name, *.supplied, *.min, *.max, *.variadic))]
    InvalidArity {
        /// The function's name.
        name: String,
        /// How many arguments were passed.
        supplied: usize,
        /// How many arguments it needs at least.
        min: usize,
        /// How many it takes at most; `None` when the last argument is variadic.
        max: Option<usize>,
        /// Whether the last argument repeats.
        variadic: bool,
    },
    /// An argument does not have a type the function accepts.
    #[error("invalid type for argument #{position} of {name}(): expected {expected}, got {actual}")]
    InvalidType {
        /// The function's name.
        name: String,
        /// The argument's position, from 1.
        position: usize,
        /// The accepted types, as `number|string`.
        expected: String,
        /// The JMESPath type of the value passed (`number`, `string`, `expref`…).
        actual: &'static str,
    },
    /// A value outside what an operation accepts, such as a slice step of 0.
    #[error("invalid value, {message}")]
    InvalidValue {
        /// What was wrong.
        message: String,
    },
    /// A `$name` with no binding.
    #[error("variable not defined: {name}")]
    UndefinedVariable {
        /// The name, with its `$`.
        name: String,
    },
    /// A function failed on its arguments.
    #[error("function {name}: {error}")]
    Function {
        /// The function's name.
        name: String,
        /// The function's own error.
        error: FunctionError,
    },
}

/// The error a function returns; its variant says which kind of failure it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FunctionError {
    /// An argument passed the signature's check but its content has the wrong type, e.g. an
    /// array that must hold pairs.
    #[error("{0}")]
    InvalidType(String),
    /// An argument has the right type but a value the function rejects, e.g. a negative width.
    #[error("{0}")]
    InvalidValue(String),
    /// Any other failure, e.g. text that does not parse.
    #[error("{0}")]
    Failed(String),
}

/// go-jmespath's `NotEnoughArgumentsSupplied` and `TooManyArgumentsSupplied` messages.
fn arity_message(
    name: &str,
    supplied: usize,
    min: usize,
    max: Option<usize>,
    variadic: bool,
) -> String {
    if let Some(max) = max.filter(|max| supplied > *max) {
        return format!(
            "invalid arity, the function '{name}' expects at most {max} arguments but {supplied} were supplied"
        );
    }
    let (more, only) = if variadic {
        ("or more ", "only ")
    } else {
        ("", "")
    };
    let report = if supplied == 0 {
        "none ".to_string()
    } else {
        format!("{only}{supplied} ")
    };
    let plural = if min > 1 { "s" } else { "" };
    format!(
        "invalid arity, the function '{name}' expects {min} argument{plural} {more}but {report}were supplied"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_messages_are_go_s() {
        let few = Error::InvalidArity {
            name: "merge".into(),
            supplied: 0,
            min: 1,
            max: None,
            variadic: true,
        };
        assert_eq!(
            few.to_string(),
            "invalid arity, the function 'merge' expects 1 argument or more but none were supplied"
        );
        let many = Error::InvalidArity {
            name: "abs".into(),
            supplied: 2,
            min: 1,
            max: Some(1),
            variadic: false,
        };
        assert_eq!(
            many.to_string(),
            "invalid arity, the function 'abs' expects at most 1 arguments but 2 were supplied"
        );
        let two = Error::InvalidArity {
            name: "join".into(),
            supplied: 1,
            min: 2,
            max: Some(2),
            variadic: false,
        };
        assert_eq!(
            two.to_string(),
            "invalid arity, the function 'join' expects 2 arguments but 1 were supplied"
        );
    }
}
