//! go-jmespath's default functions (`pkg/functions`), with its messages.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::{
    ArgSpec, ArgType as T, Argument, Functions, array_arg, integer, number_arg, object_arg,
    string_arg, value,
};
use crate::value::{equal, number, to_go_json, type_name};
use crate::{Error, FunctionError};

pub(super) fn register(functions: &mut Functions) {
    let one = |t: T| vec![ArgSpec::new(&[t])];
    let strings2 = || vec![ArgSpec::new(&[T::String]), ArgSpec::new(&[T::String])];
    let find = || {
        let mut specs = strings2();
        specs.push(ArgSpec::new(&[T::Number]).optional());
        specs.push(ArgSpec::new(&[T::Number]).optional());
        specs
    };
    let pad = || {
        vec![
            ArgSpec::new(&[T::String]),
            ArgSpec::new(&[T::Number]),
            ArgSpec::new(&[T::String]).optional(),
        ]
    };
    let trim = || {
        vec![
            ArgSpec::new(&[T::String]),
            ArgSpec::new(&[T::String]).optional(),
        ]
    };
    let by = || vec![ArgSpec::new(&[T::Array]), ArgSpec::expref()];

    functions.register("abs", one(T::Number), |args| {
        float(number_arg(&args[0]).abs())
    });
    functions.register("avg", one(T::ArrayNumber), avg);
    functions.register("ceil", one(T::Number), |args| {
        float(number_arg(&args[0]).ceil())
    });
    functions.register(
        "contains",
        vec![
            ArgSpec::new(&[T::Array, T::String]),
            ArgSpec::new(&[T::Any]),
        ],
        contains,
    );
    functions.register("ends_with", strings2(), |args| {
        Ok(Value::Bool(
            string_arg(&args[0]).ends_with(string_arg(&args[1])),
        ))
    });
    functions.register("find_first", find(), |args| {
        find_index("find_first", args, false)
    });
    functions.register("find_last", find(), |args| {
        find_index("find_last", args, true)
    });
    functions.register("floor", one(T::Number), |args| {
        float(number_arg(&args[0]).floor())
    });
    functions.register("from_items", one(T::ArrayArray), from_items);
    functions.register_exprefs("group_by", by(), group_by);
    functions.register("items", one(T::Object), |args| {
        Ok(Value::Array(
            object_arg(&args[0])
                .iter()
                .map(|(k, v)| Value::Array(vec![k.clone().into(), v.clone()]))
                .collect(),
        ))
    });
    functions.register(
        "join",
        vec![ArgSpec::new(&[T::String]), ArgSpec::new(&[T::ArrayString])],
        |args| Ok(strings(&args[1]).join(string_arg(&args[0])).into()),
    );
    functions.register("keys", one(T::Object), |args| {
        Ok(object_arg(&args[0])
            .keys()
            .cloned()
            .map(Value::from)
            .collect())
    });
    functions.register(
        "length",
        vec![ArgSpec::new(&[T::String, T::Array, T::Object])],
        |args| {
            let length = match &args[0] {
                Value::String(text) => text.chars().count(),
                Value::Array(items) => items.len(),
                Value::Object(map) => map.len(),
                _ => {
                    return Err(FunctionError::Failed(
                        "could not compute length()".to_string(),
                    ));
                }
            };
            Ok(length.into())
        },
    );
    functions.register("lower", one(T::String), |args| {
        Ok(go_case(string_arg(&args[0]), false).into())
    });
    functions.register_exprefs(
        "map",
        vec![ArgSpec::expref(), ArgSpec::new(&[T::Array])],
        map,
    );
    functions.register(
        "max",
        vec![ArgSpec::new(&[T::ArrayNumber, T::ArrayString])],
        |args| extreme(&args[0], Ordering::Greater),
    );
    functions.register_exprefs("max_by", by(), |args| extreme_by(args, Ordering::Greater));
    functions.register(
        "merge",
        vec![ArgSpec::new(&[T::Object]).variadic()],
        |args| {
            let mut merged = Map::new();
            for map in args {
                merged.extend(object_arg(map).clone());
            }
            Ok(Value::Object(merged))
        },
    );
    functions.register(
        "min",
        vec![ArgSpec::new(&[T::ArrayNumber, T::ArrayString])],
        |args| extreme(&args[0], Ordering::Less),
    );
    functions.register_exprefs("min_by", by(), |args| extreme_by(args, Ordering::Less));
    functions.register(
        "not_null",
        vec![ArgSpec::new(&[T::Any]).variadic()],
        |args| {
            Ok(args
                .iter()
                .find(|arg| !arg.is_null())
                .cloned()
                .unwrap_or(Value::Null))
        },
    );
    functions.register("pad_left", pad(), |args| pad_string("pad_left", args, true));
    functions.register("pad_right", pad(), |args| {
        pad_string("pad_right", args, false)
    });
    functions.register(
        "replace",
        {
            let mut specs = vec![
                ArgSpec::new(&[T::String]),
                ArgSpec::new(&[T::String]),
                ArgSpec::new(&[T::String]),
            ];
            specs.push(ArgSpec::new(&[T::Number]).optional());
            specs
        },
        replace,
    );
    functions.register(
        "reverse",
        vec![ArgSpec::new(&[T::Array, T::String])],
        |args| {
            Ok(match &args[0] {
                Value::String(text) => text.chars().rev().collect::<String>().into(),
                other => Value::Array(array_arg(other).iter().rev().cloned().collect()),
            })
        },
    );
    functions.register(
        "sort",
        vec![ArgSpec::new(&[T::ArrayString, T::ArrayNumber])],
        |args| {
            let mut items = array_arg(&args[0]).to_vec();
            items.sort_by(compare_sortable);
            Ok(Value::Array(items))
        },
    );
    functions.register_exprefs("sort_by", by(), sort_by);
    functions.register(
        "split",
        {
            let mut specs = strings2();
            specs.push(ArgSpec::new(&[T::Number]).optional());
            specs
        },
        split,
    );
    functions.register("starts_with", strings2(), |args| {
        Ok(Value::Bool(
            string_arg(&args[0]).starts_with(string_arg(&args[1])),
        ))
    });
    functions.register("sum", one(T::ArrayNumber), |args| {
        float(array_arg(&args[0]).iter().map(number_arg).sum())
    });
    functions.register("to_array", one(T::Any), |args| {
        Ok(match &args[0] {
            Value::Array(_) => args[0].clone(),
            other => Value::Array(vec![other.clone()]),
        })
    });
    functions.register("to_number", one(T::Any), |args| {
        Ok(match &args[0] {
            Value::Number(_) => args[0].clone(),
            // Go's strconv.ParseFloat; what JSON cannot hold (`inf`, `1e400`) gives null.
            Value::String(text) => text
                .parse::<f64>()
                .ok()
                .and_then(number)
                .unwrap_or(Value::Null),
            _ => Value::Null,
        })
    });
    functions.register("to_string", one(T::Any), |args| {
        Ok(match &args[0] {
            Value::String(_) => args[0].clone(),
            other => to_go_json(other).into(),
        })
    });
    functions.register("trim", trim(), |args| Ok(trim_string(args, true, true)));
    functions.register("trim_left", trim(), |args| {
        Ok(trim_string(args, true, false))
    });
    functions.register("trim_right", trim(), |args| {
        Ok(trim_string(args, false, true))
    });
    functions.register("type", one(T::Any), |args| Ok(type_name(&args[0]).into()));
    functions.register("upper", one(T::String), |args| {
        Ok(go_case(string_arg(&args[0]), true).into())
    });
    functions.register("values", one(T::Object), |args| {
        Ok(object_arg(&args[0]).values().cloned().collect())
    });
    functions.register(
        "zip",
        vec![
            ArgSpec::new(&[T::Array]),
            ArgSpec::new(&[T::Array]).variadic(),
        ],
        |args| {
            let arrays: Vec<&[Value]> = args.iter().map(array_arg).collect();
            let count = arrays.iter().map(|items| items.len()).min().unwrap_or(0);
            Ok((0..count)
                .map(|i| Value::Array(arrays.iter().map(|items| items[i].clone()).collect()))
                .collect())
        },
    );
}

fn strings(value: &Value) -> Vec<&str> {
    array_arg(value).iter().map(string_arg).collect()
}

/// A computed number; infinities cannot be JSON.
fn float(result: f64) -> Result<Value, FunctionError> {
    number(result).ok_or_else(|| {
        FunctionError::InvalidValue(format!("result {result} is not a finite number"))
    })
}

fn not_a_positive_integer(name: &str, argument: &str) -> FunctionError {
    FunctionError::InvalidValue(format!(
        "invalid value, the function '{name}' expects its '{argument}' argument to be a an integer value greater than or equal to zero."
    ))
}

fn positive_integer(value: &Value) -> Option<usize> {
    integer(value).and_then(|n| usize::try_from(n).ok())
}

fn avg(args: &[Value]) -> Result<Value, FunctionError> {
    let items = array_arg(&args[0]);
    if items.is_empty() {
        return Ok(Value::Null);
    }
    #[allow(clippy::cast_precision_loss)]
    float(items.iter().map(number_arg).sum::<f64>() / items.len() as f64)
}

fn contains(args: &[Value]) -> Result<Value, FunctionError> {
    Ok(Value::Bool(match (&args[0], &args[1]) {
        (Value::String(subject), Value::String(search)) => subject.contains(search.as_str()),
        (Value::String(_), _) => false,
        (subject, search) => array_arg(subject).iter().any(|item| equal(item, search)),
    }))
}

/// `find_first` and `find_last`: byte offsets, as Go's `strings.Index`, within `[start, end)`.
fn find_index(name: &str, args: &[Value], last: bool) -> Result<Value, FunctionError> {
    let (subject, search) = (
        string_arg(&args[0]).as_bytes(),
        string_arg(&args[1]).as_bytes(),
    );
    if subject.is_empty() || search.is_empty() {
        return Ok(Value::Null);
    }
    let bound = |index: usize, argument: &str| {
        integer(&args[index]).ok_or_else(|| {
            FunctionError::InvalidValue(format!(
                "invalid value, the function '{name}' expects its '{argument}' argument to be an integer."
            ))
        })
    };
    let start = if args.len() > 2 {
        usize::try_from(bound(2, "start")?).unwrap_or(0)
    } else {
        0
    };
    let end = if args.len() > 3 {
        usize::try_from(bound(3, "end")?)
            .unwrap_or(0)
            .min(subject.len())
    } else {
        subject.len()
    };
    // Go panics on a start past the end; no match is the sensible answer.
    let Some(window) = subject.get(start..end) else {
        return Ok(Value::Null);
    };
    let mut matches = window
        .windows(search.len())
        .enumerate()
        .filter(|(_, w)| *w == search)
        .map(|(i, _)| i);
    let found = if last {
        matches.next_back()
    } else {
        matches.next()
    };
    Ok(found.map_or(Value::Null, |offset| (start + offset).into()))
}

fn from_items(args: &[Value]) -> Result<Value, FunctionError> {
    // Every element is checked to be an array before any pair is read, as in Go.
    let pairs: Vec<&Vec<Value>> = array_arg(&args[0])
        .iter()
        .filter_map(Value::as_array)
        .collect();
    if pairs.len() != array_arg(&args[0]).len() {
        return Err(FunctionError::InvalidType(
            "invalid type, first argument must be an array of arrays".to_string(),
        ));
    }
    let mut map = Map::new();
    for pair in pairs {
        let [Value::String(key), value] = pair.as_slice() else {
            return Err(FunctionError::InvalidValue(
                "invalid value, each array must contain two elements, a pair of string and value"
                    .to_string(),
            ));
        };
        map.insert(key.clone(), value.clone());
    }
    Ok(Value::Object(map))
}

fn expref_failure(name: &str, error: FunctionError) -> Error {
    Error::Function {
        name: name.to_string(),
        error,
    }
}

/// The array and the expression reference of `group_by`, `max_by`, `min_by` and `sort_by`.
fn array_and_expref<'a, 'b>(
    args: &'a [Argument<'b>],
) -> (&'a [Value], Option<&'a super::ExpRef<'b>>) {
    let expref = match args.get(1) {
        Some(Argument::ExpRef(expref)) => Some(expref),
        _ => None,
    };
    (array_arg(value(args, 0)), expref)
}

fn group_by(args: &[Argument<'_>]) -> Result<Value, Error> {
    let (items, Some(expref)) = array_and_expref(args) else {
        return Ok(Value::Null);
    };
    if items.is_empty() {
        return Ok(Value::Null);
    }
    let mut groups = Map::new();
    for item in items {
        let Value::String(key) = expref.apply(item)? else {
            let message = "invalid type, the expression must evaluate to a string".to_string();
            return Err(expref_failure(
                "group_by",
                FunctionError::InvalidType(message),
            ));
        };
        if let Value::Array(group) = groups
            .entry(key)
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            group.push(item.clone());
        }
    }
    Ok(Value::Object(groups))
}

fn map(args: &[Argument<'_>]) -> Result<Value, Error> {
    let Some(Argument::ExpRef(expref)) = args.first() else {
        return Ok(Value::Null);
    };
    array_arg(value(args, 1))
        .iter()
        .map(|item| expref.apply(item))
        .collect::<Result<_, _>>()
        .map(Value::Array)
}

/// Numbers by value, strings by bytes; the signatures keep other mixes out.
fn compare_sortable(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        _ => number_arg(a)
            .partial_cmp(&number_arg(b))
            .unwrap_or(Ordering::Equal),
    }
}

fn extreme(items: &Value, wanted: Ordering) -> Result<Value, FunctionError> {
    let mut best: Option<&Value> = None;
    for item in array_arg(items) {
        if best.is_none_or(|best| compare_sortable(item, best) == wanted) {
            best = Some(item);
        }
    }
    Ok(best.cloned().unwrap_or(Value::Null))
}

fn extreme_by(args: &[Argument<'_>], wanted: Ordering) -> Result<Value, Error> {
    let name = if wanted == Ordering::Greater {
        "max_by"
    } else {
        "min_by"
    };
    let (items, Some(expref)) = array_and_expref(args) else {
        return Ok(Value::Null);
    };
    match items {
        [] => return Ok(Value::Null),
        [only] => return Ok(only.clone()),
        _ => {}
    }
    let first_key = expref.apply(&items[0])?;
    let kind = match first_key {
        Value::Number(_) => "number",
        Value::String(_) => "string",
        _ => {
            return Err(expref_failure(
                name,
                FunctionError::InvalidType("invalid type, must be number of string".to_string()),
            ));
        }
    };
    let (mut best, mut best_key) = (&items[0], first_key);
    for item in &items[1..] {
        let key = expref.apply(item)?;
        if type_name(&key) != kind {
            return Err(expref_failure(
                name,
                FunctionError::InvalidType(format!("invalid type, must be {kind}")),
            ));
        }
        if compare_sortable(&key, &best_key) == wanted {
            best = item;
            best_key = key;
        }
    }
    Ok(best.clone())
}

fn sort_by(args: &[Argument<'_>]) -> Result<Value, Error> {
    let (items, Some(expref)) = array_and_expref(args) else {
        return Ok(Value::Null);
    };
    if items.len() < 2 {
        return Ok(Value::Array(items.to_vec()));
    }
    let keys = items
        .iter()
        .map(|item| expref.apply(item))
        .collect::<Result<Vec<_>, _>>()?;
    let kind = match &keys[0] {
        Value::Number(_) => "number",
        Value::String(_) => "string",
        _ => {
            return Err(expref_failure(
                "sort_by",
                FunctionError::InvalidType("invalid type, must be number of string".to_string()),
            ));
        }
    };
    if keys.iter().any(|key| type_name(key) != kind) {
        return Err(expref_failure(
            "sort_by",
            FunctionError::InvalidType("error in sort_by comparison".to_string()),
        ));
    }
    let mut keyed: Vec<(Value, &Value)> = keys.into_iter().zip(items).collect();
    // Stable, as Go's sort.Stable.
    keyed.sort_by(|a, b| compare_sortable(&a.0, &b.0));
    Ok(Value::Array(
        keyed.into_iter().map(|(_, item)| item.clone()).collect(),
    ))
}

fn pad_string(name: &str, args: &[Value], left: bool) -> Result<Value, FunctionError> {
    let text = string_arg(&args[0]);
    let width = positive_integer(&args[1]).ok_or_else(|| not_a_positive_integer(name, "width"))?;
    let pad = args.get(2).map_or(" ", string_arg);
    if pad.len() > 1 {
        return Err(FunctionError::InvalidValue(format!(
            "invalid value, the function '{name}' expects its 'pad' argument to be a string of length 1"
        )));
    }
    // Go counts the width in bytes.
    let padding = pad.repeat(width.saturating_sub(text.len()));
    Ok(if left {
        format!("{padding}{text}")
    } else {
        format!("{text}{padding}")
    }
    .into())
}

fn replace(args: &[Value]) -> Result<Value, FunctionError> {
    let (subject, old, new) = (
        string_arg(&args[0]),
        string_arg(&args[1]),
        string_arg(&args[2]),
    );
    match args.get(3) {
        None => Ok(subject.replace(old, new).into()),
        Some(count) => {
            let count = positive_integer(count)
                .ok_or_else(|| not_a_positive_integer("replace", "count"))?;
            Ok(subject.replacen(old, new, count).into())
        }
    }
}

fn split(args: &[Value]) -> Result<Value, FunctionError> {
    let (text, separator) = (string_arg(&args[0]), string_arg(&args[1]));
    if text.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    let limit = match args.get(2) {
        None => None,
        Some(count) => {
            match positive_integer(count).ok_or_else(|| not_a_positive_integer("split", "count"))? {
                0 => return Ok(Value::Array(vec![text.into()])),
                n => Some(n + 1),
            }
        }
    };
    Ok(go_split(text, separator, limit)
        .into_iter()
        .map(Value::from)
        .collect())
}

/// Go's `strings.SplitN` (`None`: no limit); an empty separator splits into characters.
pub(super) fn go_split<'a>(text: &'a str, separator: &str, limit: Option<usize>) -> Vec<&'a str> {
    let limit = limit.unwrap_or(usize::MAX);
    if separator.is_empty() {
        let mut parts: Vec<&str> = Vec::new();
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if parts.len() + 1 == limit {
                break;
            }
            parts.push(&rest[..c.len_utf8()]);
            rest = &rest[c.len_utf8()..];
        }
        if !rest.is_empty() {
            parts.push(rest);
        }
        return parts;
    }
    text.splitn(limit, separator).collect()
}

/// `trim`, `trim_left`, `trim_right`: the characters of the optional cutset, else white space.
fn trim_string(args: &[Value], left: bool, right: bool) -> Value {
    let text = string_arg(&args[0]);
    let cutset = args.get(1).map_or("", string_arg);
    let cut = |c: char| {
        if cutset.is_empty() {
            c.is_whitespace()
        } else {
            cutset.contains(c)
        }
    };
    let trimmed = match (left, right) {
        (true, true) => text.trim_matches(cut),
        (true, false) => text.trim_start_matches(cut),
        _ => text.trim_end_matches(cut),
    };
    trimmed.into()
}

/// Go's `strings.ToUpper` / `ToLower`: each character mapped on its own, kept when its mapping
/// would take several characters.
pub(super) fn go_case(text: &str, upper: bool) -> String {
    text.chars()
        .map(|c| {
            let mut mapped: Vec<char> = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            if mapped.len() == 1 {
                mapped.pop().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}
