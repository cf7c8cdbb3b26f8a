//! Go's `text/template` builtins: `and or not len index slice print printf println eq ne lt le
//! gt ge html js urlquery call` (sprig's `slice`
//! replaces Go's).

use super::{Table, Ty, fixed, variadic};
use crate::format;
use crate::value::Value;

pub(super) fn register(table: &mut Table) {
    // `and`/`or` short-circuit in the executor; the body is never called.
    table.insert(
        "and",
        variadic(&[Ty::Reflect], Ty::Reflect, |_| Ok(Value::Missing)),
    );
    table.insert(
        "or",
        variadic(&[Ty::Reflect], Ty::Reflect, |_| Ok(Value::Missing)),
    );
    table.insert(
        "not",
        fixed(&[Ty::Reflect], |a| Ok(Value::Bool(!a[0].is_true()))),
    );
    table.insert("len", fixed(&[Ty::Reflect], |a| length(&a[0])));
    table.insert("index", variadic(&[Ty::Reflect], Ty::Reflect, index));
    table.insert(
        "print",
        variadic(&[], Ty::Any, |a| Ok(Value::String(format::sprint(&a)))),
    );
    table.insert(
        "println",
        variadic(&[], Ty::Any, |a| Ok(Value::String(format::sprintln(&a)))),
    );
    table.insert(
        "printf",
        variadic(&[Ty::Str], Ty::Any, |a| {
            Ok(Value::String(format::sprintf(super::text(&a[0]), &a[1..])))
        }),
    );
    table.insert(
        "eq",
        variadic(&[Ty::Reflect], Ty::Reflect, |a| {
            eq(&a[0], &a[1..]).map(Value::Bool)
        }),
    );
    table.insert(
        "ne",
        fixed(&[Ty::Reflect, Ty::Reflect], |a| {
            eq(&a[0], &a[1..]).map(|e| Value::Bool(!e))
        }),
    );
    table.insert(
        "lt",
        fixed(&[Ty::Reflect, Ty::Reflect], |a| {
            lt(&a[0], &a[1]).map(Value::Bool)
        }),
    );
    table.insert(
        "le",
        fixed(&[Ty::Reflect, Ty::Reflect], |a| {
            le(&a[0], &a[1]).map(Value::Bool)
        }),
    );
    table.insert(
        "gt",
        fixed(&[Ty::Reflect, Ty::Reflect], |a| {
            le(&a[0], &a[1]).map(|r| Value::Bool(!r))
        }),
    );
    table.insert(
        "ge",
        fixed(&[Ty::Reflect, Ty::Reflect], |a| {
            lt(&a[0], &a[1]).map(|r| Value::Bool(!r))
        }),
    );
    table.insert(
        "html",
        variadic(&[], Ty::Any, |a| Ok(Value::String(html(&eval_args(&a))))),
    );
    table.insert(
        "js",
        variadic(&[], Ty::Any, |a| Ok(Value::String(js(&eval_args(&a))))),
    );
    table.insert(
        "urlquery",
        variadic(&[], Ty::Any, |a| {
            Ok(Value::String(urlquery(&eval_args(&a))))
        }),
    );
    // `call` fails in the executor, which knows how the callee was written.
    table.insert(
        "call",
        variadic(&[Ty::Reflect], Ty::Reflect, |_| Ok(Value::Missing)),
    );
}

/// Interface values lose their box; a nil one is no value.
fn unbox(value: &Value) -> &Value {
    match value {
        Value::Nil => &Value::Missing,
        other => other,
    }
}

fn length(value: &Value) -> Result<Value, String> {
    Ok(Value::Int(match value {
        Value::Nil => return Err("len of nil pointer".into()),
        Value::Missing => return Err("len of untyped nil".into()),
        Value::String(s) => s.len() as i64,
        Value::List(_, items) => items.len() as i64,
        Value::Map(_, entries) => entries.borrow().len() as i64,
        other => return Err(format!("len of type {}", other.type_name())),
    }))
}

fn index_arg(index: &Value, cap: usize) -> Result<usize, String> {
    let x = match unbox(index) {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Missing => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ));
        }
    };
    match usize::try_from(x) {
        Ok(x) if x <= cap => Ok(x),
        _ => Err(format!("index out of range: {x}")),
    }
}

fn index(args: Vec<Value>) -> Result<Value, String> {
    let mut item = unbox(&args[0]).clone();
    if matches!(item, Value::Missing) {
        return Err("index of untyped nil".into());
    }
    for index in &args[1..] {
        item = match item {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::List(_, mut items) => {
                let x = index_arg(index, items.len())?;
                if x == items.len() {
                    return Err("reflect: slice index out of range".into());
                }
                items.swap_remove(x)
            }
            Value::String(s) => {
                let x = index_arg(index, s.len())?;
                match s.as_bytes().get(x) {
                    Some(b) => Value::Int(i64::from(*b)),
                    None => return Err("reflect: string index out of range".into()),
                }
            }
            Value::Map(_, entries) => match unbox(index) {
                Value::String(key) => entries.borrow().get(key).cloned().unwrap_or(Value::Nil),
                Value::Missing => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(format!(
                        "value has type {}; should be string",
                        other.type_name()
                    ));
                }
            },
            Value::Missing => return Err("index of untyped nil".into()),
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

/// Go's basic kinds for comparisons.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(value: &Value) -> Kind {
    match value {
        Value::Bool(_) => Kind::Bool,
        Value::Int(_) | Value::Int64(_) => Kind::Int,
        Value::Float(_) => Kind::Float,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

fn eq(arg1: &Value, others: &[Value]) -> Result<bool, String> {
    let arg1 = unbox(arg1);
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(arg1);
    for arg in others {
        let arg = unbox(arg);
        let k2 = basic_kind(arg);
        let truth = if k1 != k2 {
            if !matches!(arg1, Value::Missing) && !matches!(arg, Value::Missing) {
                return Err(format!(
                    "incompatible types for comparison: {} and {}",
                    arg1.type_name(),
                    arg.type_name()
                ));
            }
            false
        } else {
            match (arg1, arg) {
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Int(a) | Value::Int64(a), Value::Int(b) | Value::Int64(b)) => a == b,
                (Value::Float(a), Value::Float(b)) => a == b,
                (Value::String(a), Value::String(b)) => a == b,
                (Value::Missing, _) | (_, Value::Missing) => {
                    matches!(arg1, Value::Missing) && matches!(arg, Value::Missing)
                }
                _ if std::mem::discriminant(arg1) != std::mem::discriminant(arg) => {
                    return Err(format!(
                        "non-comparable types {}: {}, {}: {}",
                        format::display(arg1),
                        arg1.type_name(),
                        arg.type_name(),
                        format::display(arg)
                    ));
                }
                _ => {
                    return Err(format!(
                        "non-comparable type {}: {}",
                        format::display(arg),
                        arg.type_name()
                    ));
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

fn lt(arg1: &Value, arg2: &Value) -> Result<bool, String> {
    let (arg1, arg2) = (unbox(arg1), unbox(arg2));
    let (k1, k2) = (basic_kind(arg1), basic_kind(arg2));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err(format!(
            "incompatible types for comparison: {} and {}",
            arg1.type_name(),
            arg2.type_name()
        ));
    }
    Ok(match (arg1, arg2) {
        (Value::Int(a) | Value::Int64(a), Value::Int(b) | Value::Int64(b)) => a < b,
        (Value::Float(a), Value::Float(b)) => a < b,
        (Value::String(a), Value::String(b)) => a < b,
        _ => return Err("invalid type for comparison".into()),
    })
}

fn le(arg1: &Value, arg2: &Value) -> Result<bool, String> {
    Ok(lt(arg1, arg2)? || eq(arg1, std::slice::from_ref(arg2))?)
}

/// The text of `html`/`js`/`urlquery`'s arguments: one string as is, else `fmt.Sprint`.
fn eval_args(args: &[Value]) -> String {
    match args {
        [Value::String(s)] => s.clone(),
        _ => format::sprint(args),
    }
}

fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{fffd}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn js(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `url.QueryEscape`.
fn urlquery(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
