//! Sprig's defaults and flow functions: `default empty coalesce ternary fail`.

use super::{Table, Ty, fixed, text, variadic};
use crate::value::Value;

pub(super) fn register(table: &mut Table) {
    table.insert(
        "default",
        variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(match a.get(1) {
                Some(given) if !is_empty(given) => given.clone(),
                _ => a[0].clone(),
            })
        }),
    );
    table.insert(
        "empty",
        fixed(&[Ty::Any], |a| Ok(Value::Bool(is_empty(&a[0])))),
    );
    table.insert(
        "coalesce",
        variadic(&[], Ty::Any, |a| {
            Ok(a.into_iter().find(|v| !is_empty(v)).unwrap_or(Value::Nil))
        }),
    );
    table.insert(
        "ternary",
        fixed(&[Ty::Any, Ty::Any, Ty::Bool], |a| {
            Ok(if matches!(a[2], Value::Bool(true)) {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }),
    );
    table.insert("fail", fixed(&[Ty::Str], |a| Err(text(&a[0]).to_string())));
}

/// Sprig's `empty`: nil, or the zero value of its type (every struct is non-empty).
pub(super) fn is_empty(value: &Value) -> bool {
    !matches!(value, Value::Env(..)) && !value.is_true()
}
