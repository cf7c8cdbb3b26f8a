//! Sprig's dictionary functions. Dictionaries are shared like Go maps: `set` changes the map
//! every variable holding it sees.

use std::collections::BTreeMap;

use super::strings::strval;
use super::{Table, Ty, fixed, insert_as, kind, text, variadic};
use crate::value::{Dict, Value};

pub(super) fn register(table: &mut Table) {
    table.insert(
        "dict",
        variadic(&[], Ty::Any, |a| {
            let mut entries = BTreeMap::new();
            for pair in a.chunks(2) {
                let value = pair.get(1).cloned().unwrap_or(Value::String(String::new()));
                entries.insert(strval(&pair[0]), value);
            }
            Ok(Value::dict(entries))
        }),
    );
    table.insert(
        "get",
        fixed(&[Ty::Map, Ty::Str], |a| {
            Ok(dict(&a[0])
                .borrow()
                .get(text(&a[1]))
                .cloned()
                .unwrap_or(Value::String(String::new())))
        }),
    );
    table.insert(
        "set",
        fixed(&[Ty::Map, Ty::Str, Ty::Any], |a| {
            // Go would build the cycle, then overflow its stack printing or copying it.
            if a[2].holds(dict(&a[0])) {
                return Err("a map cannot hold itself".into());
            }
            dict(&a[0])
                .borrow_mut()
                .insert(text(&a[1]).to_string(), a[2].clone());
            Ok(a[0].clone())
        }),
    );
    table.insert(
        "unset",
        fixed(&[Ty::Map, Ty::Str], |a| {
            dict(&a[0]).borrow_mut().remove(text(&a[1]));
            Ok(a[0].clone())
        }),
    );
    table.insert(
        "hasKey",
        fixed(&[Ty::Map, Ty::Str], |a| {
            Ok(Value::Bool(dict(&a[0]).borrow().contains_key(text(&a[1]))))
        }),
    );
    table.insert(
        "pluck",
        variadic(&[Ty::Str], Ty::Map, |a| {
            let key = text(&a[0]);
            Ok(Value::list(
                a[1..]
                    .iter()
                    .filter_map(|d| dict(d).borrow().get(key).cloned())
                    .collect(),
            ))
        }),
    );
    table.insert(
        "keys",
        variadic(&[], Ty::Map, |a| {
            Ok(Value::strings(a.iter().flat_map(|d| {
                dict(d).borrow().keys().cloned().collect::<Vec<_>>()
            })))
        }),
    );
    table.insert(
        "values",
        fixed(&[Ty::Map], |a| {
            Ok(Value::list(
                dict(&a[0]).borrow().values().cloned().collect(),
            ))
        }),
    );
    table.insert(
        "pick",
        variadic(&[Ty::Map], Ty::Str, |a| {
            let source = dict(&a[0]).borrow();
            Ok(Value::dict(
                a[1..]
                    .iter()
                    .filter_map(|k| {
                        source
                            .get(text(k))
                            .map(|v| (text(k).to_string(), v.clone()))
                    })
                    .collect(),
            ))
        }),
    );
    table.insert(
        "omit",
        variadic(&[Ty::Map], Ty::Str, |a| {
            let source = dict(&a[0]).borrow();
            Ok(Value::dict(
                source
                    .iter()
                    .filter(|(k, _)| !a[1..].iter().any(|o| text(o) == k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ))
        }),
    );
    insert_as(
        table,
        &["merge", "mustMerge"],
        variadic(&[Ty::Map], Ty::Map, |a| merge(a, false)),
    );
    insert_as(
        table,
        &["mergeOverwrite", "mustMergeOverwrite"],
        variadic(&[Ty::Map], Ty::Map, |a| merge(a, true)),
    );
    insert_as(
        table,
        &["deepCopy", "mustDeepCopy"],
        fixed(&[Ty::Any], |a| Ok(deep_copy(&a[0]))),
    );
    table.insert("dig", variadic(&[], Ty::Any, dig));
}

/// The map of a parameter already checked to be a `map[string]interface {}`.
fn dict(value: &Value) -> &Dict {
    match value {
        Value::Map(_, entries) => entries,
        _ => unreachable!("parameters typed map[string]interface {{}} hold maps"),
    }
}

fn deep_copy(value: &Value) -> Value {
    match value {
        Value::Map(elem, entries) => Value::Map(
            *elem,
            Dict::new(
                entries
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), deep_copy(v)))
                    .collect::<BTreeMap<_, _>>()
                    .into(),
            ),
        ),
        Value::List(elem, items) => Value::List(*elem, items.iter().map(deep_copy).collect()),
        other => other.clone(),
    }
}

/// mergo's `Merge` into the first map (`overwrite`: `WithOverride`): nested maps merge, other
/// values fill missing or empty keys (or replace them, with `overwrite`, unless empty).
fn merge(maps: Vec<Value>, overwrite: bool) -> Result<Value, String> {
    let target = dict(&maps[0]).clone();
    for source in &maps[1..] {
        merge_into(&target, dict(source), overwrite);
    }
    Ok(maps[0].clone())
}

fn merge_into(target: &Dict, source: &Dict, overwrite: bool) {
    let source = source.borrow().clone();
    for (key, value) in source {
        let existing = target.borrow().get(&key).cloned();
        match (existing, &value) {
            (Some(Value::Map(_, inner)), Value::Map(_, from)) => {
                merge_into(&inner, from, overwrite)
            }
            (None, _) => {
                target.borrow_mut().insert(key, deep_copy(&value));
            }
            (Some(current), _) => {
                let replace = if overwrite {
                    !super::defaults::is_empty(&value)
                } else {
                    super::defaults::is_empty(&current)
                };
                if replace {
                    target.borrow_mut().insert(key, deep_copy(&value));
                }
            }
        }
    }
}

fn dig(args: Vec<Value>) -> Result<Value, String> {
    if args.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let Value::Map(_, entries) = &args[args.len() - 1] else {
        return Err(format!(
            "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
            args[args.len() - 1].type_name()
        ));
    };
    let default = args[args.len() - 2].clone();
    let keys = &args[..args.len() - 2];
    let mut current = entries.clone();
    for (i, key) in keys.iter().enumerate() {
        let Value::String(key) = key else {
            return Err(format!(
                "interface conversion: interface {{}} is {}, not string",
                kind(key)
            ));
        };
        let next = current.borrow().get(key).cloned();
        match next {
            None => return Ok(default),
            Some(value) if i + 1 == keys.len() => return Ok(value),
            Some(Value::Map(_, inner)) => current = inner,
            Some(other) => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                    other.type_name()
                ));
            }
        }
    }
    Ok(default)
}
