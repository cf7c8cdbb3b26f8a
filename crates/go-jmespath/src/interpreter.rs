//! Evaluates a syntax tree against a value, as go-jmespath's tree interpreter does.

use serde_json::{Map, Value};

use crate::ast::{ArithmeticOp, Comparator, Node, NodeKind};
use crate::functions::{Argument, ExpRef, Functions};
use crate::value::{as_f64, equal, is_false, number, slice};
use crate::{Bindings, Error};

/// One search: the root value `$` stands for and the functions it may call.
pub(crate) struct Interpreter<'a> {
    pub(crate) root: &'a Value,
    pub(crate) functions: &'a Functions,
}

impl Interpreter<'_> {
    /// `node` evaluated with `current` as `@`.
    ///
    /// Each case with locals of its own is a separate function: this one recurses once per level
    /// of the tree, and its stack frame would otherwise hold the locals of every case.
    pub(crate) fn eval(
        &self,
        node: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        use NodeKind as K;
        match &node.kind {
            K::Current => Ok(current.clone()),
            K::Root => Ok(self.root.clone()),
            K::Variable(name) => variable(name, bindings),
            K::Literal(value) => Ok(value.clone()),
            K::Field(name) => Ok(current.get(name).cloned().unwrap_or(Value::Null)),
            K::Index(index) => Ok(index_of(current, *index)),
            K::Slice(parts) => slice_of(current, *parts),
            K::Subexpression(left, right) | K::IndexExpression(left, right) => {
                self.subexpression(left, right, current, bindings)
            }
            K::Projection(left, right) => self.projection(left, right, current, bindings),
            K::ValueProjection(left, right) => {
                self.value_projection(left, right, current, bindings)
            }
            K::FilterProjection {
                left,
                right,
                condition,
            } => self.filter_projection(left, right, condition, current, bindings),
            K::Flatten(inner) => self.flatten(inner, current, bindings),
            K::Pipe(left, right) => self.pipe(left, right, current, bindings),
            K::Or(left, right) => self.or(left, right, current, bindings),
            K::And(left, right) => self.and(left, right, current, bindings),
            K::Not(inner) => self.not(inner, current, bindings),
            K::Comparison(comparator, left, right) => {
                self.comparison(*comparator, left, right, current, bindings)
            }
            K::Arithmetic(op, left, right) => self.arithmetic(*op, left, right, current, bindings),
            K::Unary { negate, operand } => self.unary(*negate, operand, current, bindings),
            K::MultiSelectList(items) => self.multi_select_list(items, current, bindings),
            K::MultiSelectHash(pairs) => self.multi_select_hash(pairs, current, bindings),
            K::Function { name, arguments } => self.function(name, arguments, current, bindings),
            // An expression reference means something only as a function argument.
            K::ExpRef(_) => Ok(Value::Null),
            K::Let {
                bindings: pairs,
                body,
            } => self.let_expression(pairs, body, current, bindings),
        }
    }

    fn subexpression(
        &self,
        left: &Node,
        right: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        match self.eval(left, current, bindings)? {
            Value::Null => Ok(Value::Null),
            left => self.eval(right, &left, bindings),
        }
    }

    fn value_projection(
        &self,
        left: &Node,
        right: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        // go-jmespath drops an error of the projected side and gives null.
        let Ok(Value::Object(map)) = self.eval(left, current, bindings) else {
            return Ok(Value::Null);
        };
        self.project(map.values(), right, bindings)
    }

    fn filter_projection(
        &self,
        left: &Node,
        right: &Node,
        condition: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let Ok(Value::Array(items)) = self.eval(left, current, bindings) else {
            return Ok(Value::Null);
        };
        let mut kept = Vec::new();
        for item in &items {
            if !is_false(&self.eval(condition, item, bindings)?) {
                kept.push(item);
            }
        }
        self.project(kept, right, bindings)
    }

    fn flatten(&self, inner: &Node, current: &Value, bindings: &Bindings) -> Result<Value, Error> {
        let Ok(Value::Array(items)) = self.eval(inner, current, bindings) else {
            return Ok(Value::Null);
        };
        let mut flattened = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::Array(nested) => flattened.extend(nested),
                other => flattened.push(other),
            }
        }
        Ok(Value::Array(flattened))
    }

    fn pipe(
        &self,
        left: &Node,
        right: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let left = self.eval(left, current, bindings)?;
        self.eval(right, &left, bindings)
    }

    fn or(
        &self,
        left: &Node,
        right: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let left = self.eval(left, current, bindings)?;
        if is_false(&left) {
            self.eval(right, current, bindings)
        } else {
            Ok(left)
        }
    }

    fn and(
        &self,
        left: &Node,
        right: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let left = self.eval(left, current, bindings)?;
        if is_false(&left) {
            Ok(left)
        } else {
            self.eval(right, current, bindings)
        }
    }

    fn not(&self, inner: &Node, current: &Value, bindings: &Bindings) -> Result<Value, Error> {
        Ok(Value::Bool(is_false(&self.eval(inner, current, bindings)?)))
    }

    fn comparison(
        &self,
        comparator: Comparator,
        left: &Node,
        right: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let left = self.eval(left, current, bindings)?;
        let right = self.eval(right, current, bindings)?;
        Ok(compare(comparator, &left, &right))
    }

    fn arithmetic(
        &self,
        op: ArithmeticOp,
        left: &Node,
        right: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let left = self.eval(left, current, bindings)?;
        let right = self.eval(right, current, bindings)?;
        let (Some(left), Some(right)) = (as_f64(&left), as_f64(&right)) else {
            return Ok(Value::Null);
        };
        finite(match op {
            ArithmeticOp::Add => left + right,
            ArithmeticOp::Subtract => left - right,
            ArithmeticOp::Multiply => left * right,
            ArithmeticOp::Divide => left / right,
            // Go's math.Mod: the sign of the dividend, as Rust's `%` on floats.
            ArithmeticOp::Modulo => left % right,
            ArithmeticOp::IntegerDivide => (left / right).floor(),
        })
    }

    fn unary(
        &self,
        negate: bool,
        operand: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let Some(value) = as_f64(&self.eval(operand, current, bindings)?) else {
            return Ok(Value::Null);
        };
        finite(if negate { -value } else { value })
    }

    fn multi_select_list(
        &self,
        items: &[Node],
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        items
            .iter()
            .map(|item| self.eval(item, current, bindings))
            .collect::<Result<_, _>>()
            .map(Value::Array)
    }

    fn multi_select_hash(
        &self,
        pairs: &[(String, Node)],
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let mut map = Map::new();
        for (key, value) in pairs {
            map.insert(key.clone(), self.eval(value, current, bindings)?);
        }
        Ok(Value::Object(map))
    }

    fn function(
        &self,
        name: &str,
        arguments: &[Node],
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let mut resolved = Vec::with_capacity(arguments.len());
        for argument in arguments {
            resolved.push(match &argument.kind {
                NodeKind::ExpRef(node) => Argument::ExpRef(ExpRef {
                    node,
                    bindings,
                    interpreter: self,
                }),
                _ => Argument::Value(self.eval(argument, current, bindings)?),
            });
        }
        self.functions.call(name, &resolved)
    }

    fn let_expression(
        &self,
        pairs: &[(String, Node)],
        body: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        // Every binding of one `let` is evaluated in the enclosing scope.
        let mut scope = bindings.clone();
        for (name, value) in pairs {
            scope = scope.with(name, self.eval(value, current, bindings)?);
        }
        self.eval(body, current, &scope)
    }

    /// `left[*].right` and slices: `right` on each element; a string slice is taken as is.
    fn projection(
        &self,
        left: &Node,
        right: &Node,
        current: &Value,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let slices_a_string = matches!(&left.kind, NodeKind::IndexExpression(_, index) if matches!(index.kind, NodeKind::Slice(_)));
        match self.eval(left, current, bindings)? {
            Value::Array(items) => self.project(&items, right, bindings),
            string @ Value::String(_) if slices_a_string => self.eval(right, &string, bindings),
            _ => Ok(Value::Null),
        }
    }

    /// `right` on each of `items`, nulls left out.
    fn project<'v>(
        &self,
        items: impl IntoIterator<Item = &'v Value>,
        right: &Node,
        bindings: &Bindings,
    ) -> Result<Value, Error> {
        let mut collected = Vec::new();
        for item in items {
            let value = self.eval(right, item, bindings)?;
            if !value.is_null() {
                collected.push(value);
            }
        }
        Ok(Value::Array(collected))
    }
}

fn variable(name: &str, bindings: &Bindings) -> Result<Value, Error> {
    bindings
        .get(name)
        .cloned()
        .ok_or_else(|| Error::UndefinedVariable {
            name: name.to_string(),
        })
}

fn index_of(current: &Value, index: i64) -> Value {
    match current {
        Value::Array(items) => element(items, index).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn slice_of(current: &Value, parts: [Option<i64>; 3]) -> Result<Value, Error> {
    match current {
        Value::Array(items) => {
            slice(items, parts)
                .map(Value::Array)
                .ok_or_else(|| Error::InvalidValue {
                    message: "invalid slice, step cannot be 0".to_string(),
                })
        }
        // A string slices by code points; a step of 0 gives null there.
        Value::String(s) => {
            let chars: Vec<char> = s.chars().collect();
            Ok(slice(&chars, parts).map_or(Value::Null, |chars| {
                chars.into_iter().collect::<String>().into()
            }))
        }
        _ => Ok(Value::Null),
    }
}

/// The element at `index`, counted from the end when negative.
fn element(items: &[Value], index: i64) -> Option<&Value> {
    let length = i64::try_from(items.len()).ok()?;
    let index = if index < 0 {
        index.checked_add(length)?
    } else {
        index
    };
    usize::try_from(index)
        .ok()
        .and_then(|index| items.get(index))
}

/// `==` and `!=` on any values; the orderings on numbers only, null otherwise.
fn compare(comparator: Comparator, left: &Value, right: &Value) -> Value {
    let ordered = |holds: fn(f64, f64) -> bool| match (as_f64(left), as_f64(right)) {
        (Some(left), Some(right)) => Value::Bool(holds(left, right)),
        _ => Value::Null,
    };
    match comparator {
        Comparator::Equal => Value::Bool(equal(left, right)),
        Comparator::NotEqual => Value::Bool(!equal(left, right)),
        Comparator::Less => ordered(|a, b| a < b),
        Comparator::LessOrEqual => ordered(|a, b| a <= b),
        Comparator::Greater => ordered(|a, b| a > b),
        Comparator::GreaterOrEqual => ordered(|a, b| a >= b),
    }
}

/// Go computes infinities and NaN (`1 / 0`) but cannot encode them as JSON; here they are an error.
fn finite(result: f64) -> Result<Value, Error> {
    number(result).ok_or_else(|| Error::InvalidValue {
        message: format!("arithmetic result {result} is not a finite number"),
    })
}
