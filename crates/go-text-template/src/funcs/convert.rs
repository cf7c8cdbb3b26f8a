//! Sprig's conversions and type functions: `toString toStrings atoi int int64 float64 toJson
//! toPrettyJson toRawJson fromJson` (and their `must` forms), `typeOf typeIs kindOf kindIs`.

use super::strings::{strslice, strval};
use super::{Table, Ty, fixed, insert_as, text};
use crate::value::{Elem, Value};

pub(super) fn register(table: &mut Table) {
    table.insert(
        "toString",
        fixed(&[Ty::Any], |a| Ok(Value::String(strval(&a[0])))),
    );
    table.insert(
        "toStrings",
        fixed(&[Ty::Any], |a| Ok(Value::strings(strslice(&a[0])))),
    );
    table.insert(
        "atoi",
        fixed(&[Ty::Str], |a| {
            Ok(Value::Int(text(&a[0]).parse::<i64>().unwrap_or(0)))
        }),
    );
    table.insert(
        "int",
        fixed(&[Ty::Any], |a| Ok(Value::Int(to_int64(&a[0])))),
    );
    table.insert(
        "int64",
        fixed(&[Ty::Any], |a| Ok(Value::Int64(to_int64(&a[0])))),
    );
    table.insert(
        "float64",
        fixed(&[Ty::Any], |a| Ok(Value::Float(to_float64(&a[0])))),
    );
    insert_as(
        table,
        &["toJson", "mustToJson"],
        fixed(&[Ty::Any], |a| {
            Ok(Value::String(to_json(&a[0], true, None)))
        }),
    );
    insert_as(
        table,
        &["toRawJson", "mustToRawJson"],
        fixed(&[Ty::Any], |a| {
            Ok(Value::String(to_json(&a[0], false, None)))
        }),
    );
    insert_as(
        table,
        &["toPrettyJson", "mustToPrettyJson"],
        fixed(&[Ty::Any], |a| {
            Ok(Value::String(to_json(&a[0], true, Some(0))))
        }),
    );
    table.insert(
        "fromJson",
        fixed(&[Ty::Str], |a| {
            Ok(from_json(text(&a[0])).unwrap_or(Value::Nil))
        }),
    );
    table.insert(
        "mustFromJson",
        fixed(&[Ty::Str], |a| from_json(text(&a[0]))),
    );
    table.insert(
        "typeOf",
        fixed(&[Ty::Any], |a| Ok(Value::String(a[0].type_name()))),
    );
    table.insert(
        "typeIs",
        fixed(&[Ty::Str, Ty::Any], |a| {
            Ok(Value::Bool(text(&a[0]) == a[1].type_name()))
        }),
    );
    table.insert(
        "kindOf",
        fixed(&[Ty::Any], |a| Ok(Value::String(a[0].kind_name().into()))),
    );
    table.insert(
        "kindIs",
        fixed(&[Ty::Str, Ty::Any], |a| {
            Ok(Value::Bool(text(&a[0]) == a[1].kind_name()))
        }),
    );
}

/// spf13/cast's `ToInt64` (errors give 0).
pub(super) fn to_int64(value: &Value) -> i64 {
    match value {
        Value::Int(i) | Value::Int64(i) => *i,
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => {
            let s = s.strip_suffix(".0").unwrap_or(s);
            parse_int(s).unwrap_or(0)
        }
        _ => 0,
    }
}

/// `strconv.ParseInt(s, 0, 0)`.
fn parse_int(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(rest) = lower.strip_prefix("0x") {
        (16, rest)
    } else if let Some(rest) = lower.strip_prefix("0b") {
        (2, rest)
    } else if let Some(rest) = lower.strip_prefix("0o") {
        (8, rest)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    let magnitude = i64::from_str_radix(&body.replace('_', ""), radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// spf13/cast's `ToFloat64` (errors give 0).
pub(super) fn to_float64(value: &Value) -> f64 {
    match value {
        Value::Int(i) | Value::Int64(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn from_json(text: &str) -> Result<Value, String> {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|json| Value::from_json(&json))
        .map_err(|err| err.to_string())
}

/// Go's `encoding/json` float: shortest digits, exponent form outside [1e-6, 1e21).
fn json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format!("{f:e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        return format!(
            "{mantissa}e{}{}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        );
    }
    format!("{f}")
}

/// `json.Marshal` (`escape_html`), or `json.MarshalIndent(v, "", "  ")` with `indent`.
pub(super) fn to_json(value: &Value, escape_html: bool, indent: Option<usize>) -> String {
    let mut out = String::new();
    write_json(&mut out, value, escape_html, indent);
    out
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(level) = indent {
        out.push('\n');
        out.push_str(&"  ".repeat(level));
    }
}

fn write_json(out: &mut String, value: &Value, escape_html: bool, indent: Option<usize>) {
    let deeper = indent.map(|level| level + 1);
    match value {
        Value::Missing | Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) | Value::Int64(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&json_float(*f)),
        Value::String(s) => gostd::write_json_string(out, s, escape_html),
        Value::List(_, items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, deeper);
                write_json(out, item, escape_html, deeper);
            }
            newline(out, indent);
            out.push(']');
        }
        Value::Map(_, entries) => {
            let entries = entries.borrow();
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, deeper);
                gostd::write_json_string(out, key, escape_html);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, item, escape_html, deeper);
            }
            newline(out, indent);
            out.push('}');
        }
        Value::Env(namespace, vars) => {
            let fields = Value::dict(
                [
                    ("Namespace".to_string(), Value::String(namespace.clone())),
                    ("Vars".to_string(), Value::Map(Elem::Any, vars.clone())),
                ]
                .into_iter()
                .collect(),
            );
            write_json(out, &fields, escape_html, indent);
        }
        Value::Time(time) => {
            gostd::write_json_string(
                out,
                &time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                escape_html,
            );
        }
    }
}
