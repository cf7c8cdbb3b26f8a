//! Kyverno's functions (kyverno-json `pkg/jp/kyverno`), with its `JMESPath function '…'` messages.
//! Arithmetic is in `kyverno_arithmetic`, time in `kyverno_time`.

use base64::Engine as _;
use serde_json::{Map, Value};

use super::community::{go_case, go_split};
use super::kyverno_json::wildcard_match;
use super::kyverno_semver::{Range, Version};
use super::{ArgSpec, ArgType as T, Functions, array_arg, integer, string_arg};
use crate::FunctionError;
use crate::value::{as_f64, equal, number};

pub(super) fn register(functions: &mut Functions) {
    let strings = |count: usize| vec![ArgSpec::new(&[T::String]); count];
    let string_or_number = || ArgSpec::new(&[T::String, T::Number]);
    let regex_replace = || {
        vec![
            ArgSpec::new(&[T::String]),
            string_or_number(),
            string_or_number(),
        ]
    };

    functions.register("compare", strings(2), |args| {
        Ok(Value::from(
            string_arg(&args[0]).cmp(string_arg(&args[1])) as i8
        ))
    });
    functions.register("equal_fold", strings(2), |args| {
        Ok(Value::Bool(
            fold(string_arg(&args[0])) == fold(string_arg(&args[1])),
        ))
    });
    functions.register(
        "replace",
        {
            let mut specs = strings(3);
            specs.push(ArgSpec::new(&[T::Number]));
            specs
        },
        |args| {
            // Go's strings.Replace of int(n): a negative count replaces every match.
            let (subject, old, new) = (
                string_arg(&args[0]),
                string_arg(&args[1]),
                string_arg(&args[2]),
            );
            #[allow(clippy::cast_possible_truncation)]
            let count = as_f64(&args[3]).unwrap_or_default() as i64;
            Ok(match usize::try_from(count) {
                Ok(count) => subject.replacen(old, new, count),
                Err(_) => subject.replace(old, new),
            }
            .into())
        },
    );
    functions.register("replace_all", strings(3), |args| {
        Ok(string_arg(&args[0])
            .replace(string_arg(&args[1]), string_arg(&args[2]))
            .into())
    });
    functions.register("to_upper", strings(1), |args| {
        Ok(go_case(string_arg(&args[0]), true).into())
    });
    functions.register("to_lower", strings(1), |args| {
        Ok(go_case(string_arg(&args[0]), false).into())
    });
    functions.register("trim", strings(2), |args| {
        let cutset = string_arg(&args[1]);
        Ok(string_arg(&args[0])
            .trim_matches(|c| cutset.contains(c))
            .into())
    });
    functions.register("trim_prefix", strings(2), |args| {
        Ok(string_arg(&args[0])
            .strip_prefix(string_arg(&args[1]))
            .unwrap_or(string_arg(&args[0]))
            .into())
    });
    functions.register("split", strings(2), |args| {
        Ok(go_split(string_arg(&args[0]), string_arg(&args[1]), None)
            .into_iter()
            .map(Value::from)
            .collect())
    });
    functions.register("regex_replace_all", regex_replace(), |args| {
        regex_replace_all("regex_replace_all", args, true)
    });
    functions.register("regex_replace_all_literal", regex_replace(), |args| {
        regex_replace_all("regex_replace_all_literal", args, false)
    });
    functions.register(
        "regex_match",
        vec![ArgSpec::new(&[T::String]), string_or_number()],
        |args| {
            let source =
                to_text(&args[1]).ok_or_else(|| not_of_type("regex_match", 2, "String or Real"))?;
            let regex = regex::Regex::new(string_arg(&args[0]))
                .map_err(|e| FunctionError::Failed(e.to_string()))?;
            Ok(Value::Bool(regex.is_match(&source)))
        },
    );
    functions.register(
        "pattern_match",
        vec![ArgSpec::new(&[T::String]), string_or_number()],
        |args| {
            let source =
                to_text(&args[1]).ok_or_else(|| not_of_type("regex_match", 2, "String or Real"))?;
            Ok(Value::Bool(wildcard_match(string_arg(&args[0]), &source)))
        },
    );
    functions.register("label_match", vec![ArgSpec::new(&[T::Object]); 2], |args| {
        let (Some(labels), Some(candidates)) = (args[0].as_object(), args[1].as_object()) else {
            return Ok(false.into());
        };
        Ok(Value::Bool(labels.iter().all(|(key, value)| {
            candidates.get(key).is_some_and(|v| equal(v, value))
        })))
    });
    functions.register("to_boolean", strings(1), |args| {
        match string_arg(&args[0]).to_lowercase().as_str() {
            "true" => Ok(true.into()),
            "false" => Ok(false.into()),
            _ => Err(failed(
                "to_boolean",
                &format!(
                    "lowercase argument must be 'true' or 'false' (provided: '{}')",
                    string_arg(&args[0])
                ),
            )),
        }
    });
    super::kyverno_arithmetic::register(functions);
    functions.register("round", vec![ArgSpec::new(&[T::Number]); 2], |args| {
        let places = integer(&args[1])
            .ok_or_else(|| failed("round", "Non-integer argument(s) passed for round off"))?;
        if places < 0 {
            // Go formats this message without its two numbers.
            return Err(failed(
                "round",
                "%!d(MISSING) argument is out of bounds (%!d(MISSING))",
            ));
        }
        let shift = 10f64.powi(i32::try_from(places).unwrap_or(i32::MAX));
        let rounded = (as_f64(&args[0]).unwrap_or_default() * shift).round() / shift;
        number(rounded).ok_or_else(|| failed("round", "the result is not a finite number"))
    });
    functions.register("base64_decode", strings(1), |args| {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(string_arg(&args[0]))
            .map_err(|e| {
                let offset = match e {
                    base64::DecodeError::InvalidByte(offset, _)
                    | base64::DecodeError::InvalidLastSymbol(offset, _) => offset,
                    _ => string_arg(&args[0]).len(),
                };
                FunctionError::Failed(format!("illegal base64 data at input byte {offset}"))
            })?;
        Ok(String::from_utf8_lossy(&decoded).into_owned().into())
    });
    functions.register("x509_decode", strings(1), |args| {
        super::kyverno_x509::decode(string_arg(&args[0]))
    });
    functions.register("base64_encode", strings(1), |args| {
        Ok(base64::engine::general_purpose::STANDARD
            .encode(string_arg(&args[0]))
            .into())
    });
    functions.register("path_canonicalize", strings(1), |args| {
        // Go's filepath.Join of one element: "" stays "", anything else is cleaned.
        let path = string_arg(&args[0]);
        Ok(if path.is_empty() {
            String::new()
        } else {
            gostd::clean(std::path::Path::new(path))
                .to_string_lossy()
                .into_owned()
        }
        .into())
    });
    functions.register(
        "truncate",
        vec![ArgSpec::new(&[T::String]), ArgSpec::new(&[T::Number])],
        |args| {
            // Truncated to a whole number of characters, as Go's int() of the length.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let length = as_f64(&args[1]).unwrap_or_default().max(0.0) as usize;
            Ok(string_arg(&args[0])
                .chars()
                .take(length)
                .collect::<String>()
                .into())
        },
    );
    functions.register("parse_json", strings(1), |args| {
        serde_json::from_str(string_arg(&args[0])).map_err(|e| FunctionError::Failed(e.to_string()))
    });
    functions.register("parse_yaml", strings(1), |args| {
        // Go's YAML (sigs.k8s.io/yaml) is YAML 1.1: `0755` is octal, `yes` is true.
        let mut options = serde_saphyr::Options::default();
        options.legacy_octal_numbers = true;
        options.with_snippet = false;
        serde_saphyr::from_str_with_options::<Value>(string_arg(&args[0]), options)
            .map_err(|e| FunctionError::Failed(e.to_string()))
    });
    functions.register(
        "lookup",
        vec![ArgSpec::new(&[T::Object, T::Array]), string_or_number()],
        lookup,
    );
    functions.register(
        "items",
        vec![
            ArgSpec::new(&[T::Object, T::Array]),
            ArgSpec::new(&[T::String]),
            ArgSpec::new(&[T::String]),
        ],
        items,
    );
    functions.register(
        "object_from_lists",
        vec![ArgSpec::new(&[T::Array]); 2],
        |args| {
            let (keys, values) = (array_arg(&args[0]), array_arg(&args[1]));
            let mut map = Map::new();
            for (i, key) in keys.iter().enumerate() {
                let key = to_text(key)
                    .ok_or_else(|| not_of_type("object_from_lists", 1, "StringArray"))?;
                map.insert(key, values.get(i).cloned().unwrap_or(Value::Null));
            }
            Ok(Value::Object(map))
        },
    );
    functions.register("semver_compare", strings(2), |args| {
        // As in Kyverno, a version that does not parse is 0.0.0.
        let version = Version::parse(string_arg(&args[0])).unwrap_or_default();
        let range = Range::parse(string_arg(&args[1])).map_err(FunctionError::Failed)?;
        Ok(Value::Bool(range.contains(&version)))
    });
    functions.register("random", strings(1), |args| {
        super::kyverno_random::generate(string_arg(&args[0]))
            .map(Value::from)
            .map_err(FunctionError::Failed)
    });
    super::kyverno_time::register(functions);
}

/// `JMESPath function 'name': message`.
pub(super) fn failed(name: &str, message: &str) -> FunctionError {
    FunctionError::Failed(format!("JMESPath function '{name}': {message}"))
}

/// Kyverno's `invalidArgumentTypeError`.
fn not_of_type(name: &str, position: usize, expected: &str) -> FunctionError {
    FunctionError::InvalidType(format!(
        "JMESPath function '{name}': argument #{position} is not of type {expected}"
    ))
}

/// Go's `strings.EqualFold`, approximated by mapping each character to upper then lower case.
fn fold(text: &str) -> String {
    go_case(&go_case(text, true), false)
}

/// Kyverno's `ifaceToString`: strings as they are, numbers with `float32` precision, booleans.
fn to_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        // Go's strconv.FormatFloat(f, 'f', -1, 32): the shortest digits of the float32.
        #[allow(clippy::cast_possible_truncation)]
        Value::Number(n) => Some(format!("{}", n.as_f64().unwrap_or_default() as f32)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn regex_replace_all(name: &str, args: &[Value], expand: bool) -> Result<Value, FunctionError> {
    let source = to_text(&args[1]).ok_or_else(|| not_of_type(name, 2, "String or Real"))?;
    let replacement = to_text(&args[2]).ok_or_else(|| not_of_type(name, 3, "String or Real"))?;
    let regex =
        regex::Regex::new(string_arg(&args[0])).map_err(|e| failed(name, &e.to_string()))?;
    let replaced = if expand {
        regex.replace_all(&source, replacement.as_str())
    } else {
        regex.replace_all(&source, regex::NoExpand(&replacement))
    };
    Ok(replaced.into_owned().into())
}

fn lookup(args: &[Value]) -> Result<Value, FunctionError> {
    match (&args[0], &args[1]) {
        (Value::Object(map), Value::String(key)) => {
            Ok(map.get(key).cloned().unwrap_or(Value::Null))
        }
        (Value::Object(_), _) => Err(not_of_type("lookup", 2, "String")),
        (Value::Array(items), Value::Number(index)) => {
            let index = index.as_f64().unwrap_or_default();
            let whole = integer(&args[1]).ok_or_else(|| {
                failed(
                    "lookup",
                    &format!("argument #2: expected an integer number but got: {index}"),
                )
            })?;
            Ok(usize::try_from(whole)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .unwrap_or(Value::Null))
        }
        (Value::Array(_), _) => Err(not_of_type("lookup", 2, "Number")),
        _ => Err(not_of_type("lookup", 1, "Object or Array")),
    }
}

/// Kyverno's `items`: `[{key_name: key, value_name: value}]`, keys sorted, or indexes of an array.
fn items(args: &[Value]) -> Result<Value, FunctionError> {
    let (key_name, value_name) = (string_arg(&args[1]), string_arg(&args[2]));
    let item = |key: Value, value: &Value| {
        let mut map = Map::new();
        map.insert(key_name.to_string(), key);
        map.insert(value_name.to_string(), value.clone());
        Value::Object(map)
    };
    Ok(match &args[0] {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            keys.into_iter()
                .map(|key| item(key.clone().into(), &map[key]))
                .collect()
        }
        other => array_arg(other)
            .iter()
            .enumerate()
            .map(|(i, value)| item(i.into(), value))
            .collect(),
    })
}
