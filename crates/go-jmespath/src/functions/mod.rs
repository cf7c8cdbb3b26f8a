//! The function table: signatures, argument checking and dispatch.

mod community;
mod kyverno;
mod kyverno_arithmetic;
mod kyverno_json;
mod kyverno_quantity;
mod kyverno_random;
mod kyverno_semver;
mod kyverno_time;
mod kyverno_x509;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use crate::ast::Node;
use crate::interpreter::Interpreter;
use crate::value::{as_f64, type_name};
use crate::{Bindings, Error, FunctionError};

/// A type a function argument may have (go-jmespath's `JpType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// Any JSON value.
    Any,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
    /// An array whose elements are all numbers.
    ArrayNumber,
    /// An array whose elements are all strings.
    ArrayString,
    /// An array meant to hold arrays; as in go-jmespath, only the outer array is checked.
    ArrayArray,
}

impl ArgType {
    fn name(self) -> &'static str {
        match self {
            ArgType::Any => "any",
            ArgType::Number => "number",
            ArgType::String => "string",
            ArgType::Array => "array",
            ArgType::Object => "object",
            ArgType::ArrayNumber => "array[number]",
            ArgType::ArrayString => "array[string]",
            ArgType::ArrayArray => "array[array]",
        }
    }

    fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (ArgType::Any, _)
            | (ArgType::Number, Value::Number(_))
            | (ArgType::String, Value::String(_)) => true,
            (ArgType::Array | ArgType::ArrayArray, Value::Array(_))
            | (ArgType::Object, Value::Object(_)) => true,
            (ArgType::ArrayNumber, Value::Array(items)) => items.iter().all(Value::is_number),
            (ArgType::ArrayString, Value::Array(items)) => items.iter().all(Value::is_string),
            _ => false,
        }
    }
}

/// One parameter of a function: the types it accepts, and whether it may be left out (optional)
/// or repeated (variadic, last parameter only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgSpec {
    types: Vec<ArgType>,
    optional: bool,
    variadic: bool,
    expref: bool,
}

impl ArgSpec {
    /// A required parameter accepting any of `types`.
    pub fn new(types: &[ArgType]) -> Self {
        ArgSpec {
            types: types.to_vec(),
            optional: false,
            variadic: false,
            expref: false,
        }
    }

    /// The same parameter, which may be left out.
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// The same parameter, which may be repeated; it must be the last.
    #[must_use]
    pub fn variadic(mut self) -> Self {
        self.variadic = true;
        self
    }

    /// An expression reference (`&expr`), which only the built-in functions take.
    fn expref() -> Self {
        ArgSpec {
            types: Vec::new(),
            optional: false,
            variadic: false,
            expref: true,
        }
    }

    fn accepts(&self, argument: &Argument<'_>) -> bool {
        match argument {
            Argument::ExpRef(_) => self.expref,
            Argument::Value(value) => self.types.iter().any(|t| t.accepts(value)),
        }
    }

    fn expected(&self) -> String {
        if self.expref {
            return "expref".to_string();
        }
        self.types
            .iter()
            .map(|t| t.name())
            .collect::<Vec<_>>()
            .join("|")
    }
}

/// An evaluated argument: a value, or an expression reference the function applies itself.
pub(crate) enum Argument<'a> {
    Value(Value),
    ExpRef(ExpRef<'a>),
}

/// `&expression` passed to a function, with the scope it was written in.
pub(crate) struct ExpRef<'a> {
    pub(crate) node: &'a Node,
    pub(crate) bindings: &'a Bindings,
    pub(crate) interpreter: &'a Interpreter<'a>,
}

impl ExpRef<'_> {
    /// The expression evaluated with `value` as `@`.
    pub(crate) fn apply(&self, value: &Value) -> Result<Value, Error> {
        self.interpreter.eval(self.node, value, self.bindings)
    }
}

type ValueFunction = dyn Fn(&[Value]) -> Result<Value, FunctionError> + Send + Sync;

/// A function taking an expression reference, so it evaluates expressions itself.
type ExprefFunction = fn(&[Argument<'_>]) -> Result<Value, Error>;

#[derive(Clone)]
enum Handler {
    Values(Arc<ValueFunction>),
    Exprefs(ExprefFunction),
}

#[derive(Clone)]
struct Entry {
    arguments: Vec<ArgSpec>,
    handler: Handler,
}

/// The functions an expression may call, by name.
#[derive(Clone)]
pub struct Functions {
    table: HashMap<String, Entry>,
}

impl fmt::Debug for Functions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.table.keys().collect();
        names.sort();
        f.debug_struct("Functions").field("names", &names).finish()
    }
}

impl Functions {
    /// go-jmespath's default functions (`abs` … `zip`, 41 of them).
    pub fn community() -> Self {
        let mut functions = Functions {
            table: HashMap::new(),
        };
        community::register(&mut functions);
        functions
    }

    /// What Chainsaw registers: the community functions, kyverno-json's (`at`, `concat`,
    /// `json_parse`, `wildcard`) and Kyverno's, later ones replacing earlier ones of the same name
    /// (`replace`, `split`, `sum`, `trim` and `items` are Kyverno's).
    pub fn kyverno() -> Self {
        let mut functions = Self::community();
        kyverno_json::register(&mut functions);
        kyverno::register(&mut functions);
        functions
    }

    /// Adds `name`, replacing a function of that name. Its arguments are checked against
    /// `arguments` before `function` is called; an empty list means no check at all, as in
    /// go-jmespath.
    pub fn register(
        &mut self,
        name: &str,
        arguments: Vec<ArgSpec>,
        function: impl Fn(&[Value]) -> Result<Value, FunctionError> + Send + Sync + 'static,
    ) {
        self.table.insert(
            name.to_string(),
            Entry {
                arguments,
                handler: Handler::Values(Arc::new(function)),
            },
        );
    }

    /// Adds a built-in function that takes an expression reference.
    fn register_exprefs(&mut self, name: &str, arguments: Vec<ArgSpec>, function: ExprefFunction) {
        self.table.insert(
            name.to_string(),
            Entry {
                arguments,
                handler: Handler::Exprefs(function),
            },
        );
    }

    /// Whether a function of that name is registered.
    pub fn contains(&self, name: &str) -> bool {
        self.table.contains_key(name)
    }

    pub(crate) fn call(&self, name: &str, arguments: &[Argument<'_>]) -> Result<Value, Error> {
        let entry = self.table.get(name).ok_or_else(|| Error::UnknownFunction {
            name: name.to_string(),
        })?;
        check_arguments(name, &entry.arguments, arguments)?;
        match &entry.handler {
            Handler::Exprefs(function) => function(arguments),
            Handler::Values(function) => {
                let mut values = Vec::with_capacity(arguments.len());
                for (position, argument) in arguments.iter().enumerate() {
                    match argument {
                        Argument::Value(value) => values.push(value.clone()),
                        // Only reached when a function is registered without a signature.
                        Argument::ExpRef(_) => {
                            return Err(Error::InvalidType {
                                name: name.to_string(),
                                position: position + 1,
                                expected: "a value".to_string(),
                                actual: "expref",
                            });
                        }
                    }
                }
                function(&values).map_err(|error| Error::Function {
                    name: name.to_string(),
                    error,
                })
            }
        }
    }
}

/// go-jmespath's `resolveArgs`: the count, then each argument's type.
fn check_arguments(name: &str, specs: &[ArgSpec], arguments: &[Argument<'_>]) -> Result<(), Error> {
    let Some(last) = specs.last() else {
        return Ok(());
    };
    let variadic = specs.iter().any(|spec| spec.variadic);
    let min = specs.iter().filter(|spec| !spec.optional).count();
    let max = (!variadic).then_some(specs.len());
    let supplied = arguments.len();
    if supplied < min || max.is_some_and(|max| supplied > max) {
        return Err(Error::InvalidArity {
            name: name.to_string(),
            supplied,
            min,
            max,
            variadic,
        });
    }
    for (position, argument) in arguments.iter().enumerate() {
        let spec = specs.get(position).unwrap_or(last);
        if !spec.accepts(argument) {
            let actual = match argument {
                Argument::ExpRef(_) => "expref",
                Argument::Value(value) => type_name(value),
            };
            return Err(Error::InvalidType {
                name: name.to_string(),
                position: position + 1,
                expected: spec.expected(),
                actual,
            });
        }
    }
    Ok(())
}

// Arguments the signature has already checked; a value of another type reads as empty.

fn number_arg(value: &Value) -> f64 {
    as_f64(value).unwrap_or_default()
}

fn string_arg(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn array_arg(value: &Value) -> &[Value] {
    value.as_array().map(Vec::as_slice).unwrap_or_default()
}

fn object_arg(value: &Value) -> &serde_json::Map<String, Value> {
    static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
        std::sync::LazyLock::new(serde_json::Map::new);
    value.as_object().unwrap_or(&EMPTY)
}

/// The value of an argument the signature has checked; `Null` for an expression reference.
fn value<'a>(arguments: &'a [Argument<'_>], index: usize) -> &'a Value {
    match arguments.get(index) {
        Some(Argument::Value(value)) => value,
        _ => &Value::Null,
    }
}

/// A number argument as an integer, if it is one (go-jmespath's `util.ToInteger`).
fn integer(value: &Value) -> Option<i64> {
    let number = as_f64(value)?;
    // Saturating cast of an integral float, as Go's `int(math.Floor(num))` on 64-bit.
    #[allow(clippy::cast_possible_truncation)]
    (number.fract() == 0.0).then_some(number as i64)
}
