//! Sprig's list functions (sprig's `slice` replaces Go's builtin of that name, as in KUTTL).

use super::convert::to_int64;
use super::defaults::is_empty;
use super::strings::{strslice, strval};
use super::{Table, Ty, check_size, fixed, insert_as, int, kind, variadic};
use crate::value::{Elem, Value};

pub(super) fn register(table: &mut Table) {
    table.insert("list", variadic(&[], Ty::Any, |a| Ok(Value::list(a))));
    insert_as(
        table,
        &["first", "mustFirst"],
        fixed(&[Ty::Any], |a| {
            Ok(items(&a[0], "find first on")?
                .first()
                .cloned()
                .unwrap_or(Value::Nil))
        }),
    );
    insert_as(
        table,
        &["last", "mustLast"],
        fixed(&[Ty::Any], |a| {
            Ok(items(&a[0], "find last on")?
                .last()
                .cloned()
                .unwrap_or(Value::Nil))
        }),
    );
    insert_as(
        table,
        &["rest", "mustRest"],
        fixed(&[Ty::Any], |a| tail(&a[0], "find rest on", |l| l.get(1..))),
    );
    insert_as(
        table,
        &["initial", "mustInitial"],
        fixed(&[Ty::Any], |a| {
            tail(&a[0], "find initial on", |l| {
                l.get(..l.len().saturating_sub(1)).filter(|_| !l.is_empty())
            })
        }),
    );
    insert_as(
        table,
        &["append", "push", "mustAppend", "mustPush"],
        fixed(&[Ty::Any, Ty::Any], |a| push(&a[0], &a[1], "push on")),
    );
    insert_as(
        table,
        &["prepend", "mustPrepend"],
        fixed(&[Ty::Any, Ty::Any], |a| prepend(&a[0], &a[1])),
    );
    table.insert("concat", variadic(&[], Ty::Any, concat));
    insert_as(
        table,
        &["reverse", "mustReverse"],
        fixed(&[Ty::Any], |a| {
            Ok(Value::list(
                items(&a[0], "find reverse on")?.into_iter().rev().collect(),
            ))
        }),
    );
    insert_as(
        table,
        &["uniq", "mustUniq"],
        fixed(&[Ty::Any], |a| uniq(&a[0])),
    );
    insert_as(
        table,
        &["without", "mustWithout"],
        variadic(&[Ty::Any], Ty::Any, |a| without(&a[0], &a[1..])),
    );
    insert_as(
        table,
        &["has", "mustHas"],
        fixed(&[Ty::Any, Ty::Any], |a| has(&a[0], &a[1])),
    );
    insert_as(
        table,
        &["compact", "mustCompact"],
        fixed(&[Ty::Any], |a| compact(&a[0])),
    );
    insert_as(
        table,
        &["slice", "mustSlice"],
        variadic(&[Ty::Any], Ty::Any, |a| slice(&a[0], &a[1..])),
    );
    table.insert("sortAlpha", fixed(&[Ty::Any], |a| Ok(sort_alpha(&a[0]))));
    table.insert(
        "until",
        fixed(&[Ty::Int], |a| {
            let count = int(&a[0]);
            until_step(0, count, if count < 0 { -1 } else { 1 })
        }),
    );
    table.insert(
        "untilStep",
        fixed(&[Ty::Int, Ty::Int, Ty::Int], |a| {
            until_step(int(&a[0]), int(&a[1]), int(&a[2]))
        }),
    );
    table.insert("seq", variadic(&[], Ty::Int, |a| seq(&a)));
    insert_as(
        table,
        &["chunk", "mustChunk"],
        fixed(&[Ty::Int, Ty::Any], |a| chunk(int(&a[0]), &a[1])),
    );
}

/// A list's elements; anything else is sprig's "Cannot <what> type <kind>".
fn items(value: &Value, what: &str) -> Result<Vec<Value>, String> {
    match value {
        Value::List(_, items) => Ok(items.clone()),
        Value::Missing | Value::Nil => {
            Err("runtime error: invalid memory address or nil pointer dereference".into())
        }
        other => Err(format!("Cannot {what} type {}", kind(other))),
    }
}

fn tail(
    value: &Value,
    what: &str,
    part: fn(&[Value]) -> Option<&[Value]>,
) -> Result<Value, String> {
    let items = items(value, what)?;
    Ok(match part(&items) {
        Some(part) if !items.is_empty() => Value::list(part.to_vec()),
        _ => Value::Nil,
    })
}

fn push(list: &Value, item: &Value, what: &str) -> Result<Value, String> {
    let mut items = items(list, what)?;
    items.push(item.clone());
    Ok(Value::list(items))
}

fn prepend(list: &Value, item: &Value) -> Result<Value, String> {
    let mut items = items(list, "prepend on")?;
    items.insert(0, item.clone());
    Ok(Value::list(items))
}

fn concat(lists: Vec<Value>) -> Result<Value, String> {
    let mut out = Vec::new();
    for list in &lists {
        match list {
            Value::List(_, items) => out.extend(items.iter().cloned()),
            other => return Err(format!("Cannot concat type {} as list", kind(other))),
        }
    }
    Ok(Value::list(out))
}

/// Sprig's `uniq`: first occurrences, by Go's `reflect.DeepEqual`. Strings, numbers and booleans
/// are looked up in a set, as Go's scan of all kept elements takes hours on a long list.
fn uniq(list: &Value) -> Result<Value, String> {
    /// A value equal (as `Value`'s `==` and Go's `DeepEqual` see it) to exactly the values with
    /// the same key; a NaN equals nothing, and -0 equals 0.
    #[derive(PartialEq, Eq, Hash)]
    enum Key {
        String(String),
        Int(i64),
        Int64(i64),
        Bool(bool),
        Float(u64),
    }
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Value> = Vec::new();
    for item in items(list, "find uniq on")? {
        let key = match &item {
            Value::String(s) => Some(Key::String(s.clone())),
            Value::Int(i) => Some(Key::Int(*i)),
            Value::Int64(i) => Some(Key::Int64(*i)),
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::Float(f) if !f.is_nan() => Some(Key::Float((f + 0.0).to_bits())),
            _ => None,
        };
        let first = match key {
            Some(key) => seen.insert(key),
            None => !out.contains(&item),
        };
        if first {
            out.push(item);
        }
    }
    Ok(Value::list(out))
}

fn without(list: &Value, omit: &[Value]) -> Result<Value, String> {
    Ok(Value::list(
        items(list, "find without on")?
            .into_iter()
            .filter(|item| !omit.contains(item))
            .collect(),
    ))
}

fn has(needle: &Value, haystack: &Value) -> Result<Value, String> {
    match haystack {
        Value::Missing | Value::Nil => Ok(Value::Bool(false)),
        Value::List(_, items) => Ok(Value::Bool(items.contains(needle))),
        other => Err(format!("Cannot find has on type {}", kind(other))),
    }
}

fn compact(list: &Value) -> Result<Value, String> {
    Ok(Value::list(
        items(list, "compact on")?
            .into_iter()
            .filter(|item| !is_empty(item))
            .collect(),
    ))
}

fn slice(list: &Value, indexes: &[Value]) -> Result<Value, String> {
    let Value::List(elem, items) = list else {
        return Err(format!(
            "list should be type of slice or array but {}",
            kind(list)
        ));
    };
    let len = items.len() as i64;
    let start = indexes.first().map_or(0, to_int64);
    let end = indexes.get(1).map_or(len, to_int64);
    if start < 0 || end > len || start > end {
        return Err("reflect: slice index out of range".into());
    }
    Ok(Value::List(
        *elem,
        items[start as usize..end as usize].to_vec(),
    ))
}

fn sort_alpha(value: &Value) -> Value {
    let mut strings = match value {
        Value::List(..) => strslice(value),
        other => vec![strval(other)],
    };
    strings.sort();
    Value::strings(strings)
}

/// Sprig's `untilStep`: from `start` by `step` while short of `stop`. Go's loop wraps around past
/// the largest integer and never ends; this one stops there.
fn until_step(start: i64, stop: i64, step: i64) -> Result<Value, String> {
    let ascending = stop >= start;
    if step == 0 || (step > 0) != ascending {
        return Ok(Value::List(Elem::Int, Vec::new()));
    }
    let count = (i128::from(stop) - i128::from(start)).unsigned_abs() / step.unsigned_abs() as u128;
    check_size(usize::try_from(count).unwrap_or(usize::MAX))?;
    let mut out = Vec::new();
    let mut next = Some(start);
    while let Some(i) = next.filter(|&i| if ascending { i < stop } else { i > stop }) {
        out.push(Value::Int(i));
        next = i.checked_add(step);
    }
    Ok(Value::List(Elem::Int, out))
}

fn seq(params: &[Value]) -> Result<Value, String> {
    let p: Vec<i64> = params.iter().map(int).collect();
    let joined = |list: Result<Value, String>| -> Result<String, String> {
        match list? {
            Value::List(_, items) => Ok(items
                .iter()
                .map(|v| int(v).to_string())
                .collect::<Vec<_>>()
                .join(" ")),
            _ => Ok(String::new()),
        }
    };
    Ok(Value::String(match p.as_slice() {
        [] => String::new(),
        [end] => {
            let inc = if *end < 1 { -1 } else { 1 };
            joined(until_step(1, end.wrapping_add(inc), inc))?
        }
        [start, end] => {
            let inc = if end < start { -1 } else { 1 };
            joined(until_step(*start, end.wrapping_add(inc), inc))?
        }
        [start, step, end] => {
            let end = end.wrapping_add(step.signum());
            if (end > *start && *step < 0) || (end < *start && *step > 0) || *step == 0 {
                String::new()
            } else {
                joined(until_step(*start, end, *step))?
            }
        }
        _ => return Err("wrong number of args for seq".into()),
    }))
}

fn chunk(size: i64, list: &Value) -> Result<Value, String> {
    let items = items(list, "chunk")?;
    if size <= 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    Ok(Value::List(
        Elem::AnyList,
        items
            .chunks(size as usize)
            .map(|c| Value::list(c.to_vec()))
            .collect(),
    ))
}
