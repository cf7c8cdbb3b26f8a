//! Go's `fmt` printing of template values (`print`, `printf`, `println` and action output) and
//! `strconv` quoting.

use std::fmt::Write as _;

use super::value::{Elem, Value};

/// `strconv.Quote`.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `strconv.Unquote` for `"…"` and `` `…` `` strings.
pub(crate) fn unquote(quoted: &str) -> Option<String> {
    if let Some(raw) = quoted.strip_prefix('`') {
        return raw.strip_suffix('`').map(|s| s.replace('\r', ""));
    }
    let body = quoted.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(unescape(&mut chars, '"')?);
    }
    Some(out)
}

/// The value of a Go character literal such as `'a'` or `'\n'`.
pub(crate) fn unquote_char(quoted: &str) -> Option<char> {
    let body = quoted.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut chars = body.chars().peekable();
    let c = match chars.next()? {
        '\\' => unescape(&mut chars, '\'')?,
        c => c,
    };
    chars.next().is_none().then_some(c)
}

fn unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, quote: char) -> Option<char> {
    let hex = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, n: usize| {
        let digits: String = (0..n).filter_map(|_| chars.next()).collect();
        (digits.len() == n)
            .then(|| u32::from_str_radix(&digits, 16).ok())
            .flatten()
    };
    Some(match chars.next()? {
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        '\\' => '\\',
        'x' => char::from_u32(hex(chars, 2)?)?,
        'u' => char::from_u32(hex(chars, 4)?)?,
        'U' => char::from_u32(hex(chars, 8)?)?,
        c @ '0'..='7' => {
            let rest: String = (0..2).filter_map(|_| chars.next()).collect();
            char::from_u32(u32::from_str_radix(&format!("{c}{rest}"), 8).ok()?)?
        }
        c if c == quote => c,
        _ => return None,
    })
}

/// `fmt.Sprint`: spaces between operands when neither side is a string.
pub(crate) fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, arg) in args.iter().enumerate() {
        let is_string = matches!(arg, Value::String(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_value(&mut out, arg, &Spec::verb('v'), 0);
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintln`: spaces between every operand, and a newline.
pub(crate) fn sprintln(args: &[Value]) -> String {
    let mut out = args
        .iter()
        .map(|arg| {
            let mut s = String::new();
            write_value(&mut s, arg, &Spec::verb('v'), 0);
            s
        })
        .collect::<Vec<_>>()
        .join(" ");
    out.push('\n');
    out
}

/// `fmt.Sprint` of one value as a template action prints it (`<no value>` when there is none).
pub(crate) fn display(value: &Value) -> String {
    match value {
        Value::Missing => "<no value>".into(),
        _ => sprint(std::slice::from_ref(value)),
    }
}

/// A parsed `%` directive.
#[derive(Debug, Clone, Default)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
    verb: char,
}

impl Spec {
    fn verb(verb: char) -> Self {
        Self {
            verb,
            ..Self::default()
        }
    }
}

/// `fmt.Sprintf`.
pub(crate) fn sprintf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut next_arg = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&flag) = chars.peek() {
            match flag {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        // Go's `parsenum`: a number grown past 1e6 is garbage, and the rest of the format with it.
        let number = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            let mut n: Option<usize> = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                if n.unwrap_or(0) > 1_000_000 {
                    chars.by_ref().for_each(drop);
                    return None;
                }
                n = Some(n.unwrap_or(0) * 10 + d as usize);
                chars.next();
            }
            n
        };
        spec.width = number(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(number(&mut chars).unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        spec.verb = verb;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next_arg) else {
            let _ = write!(out, "%!{verb}(MISSING)");
            continue;
        };
        next_arg += 1;
        write_value(&mut out, arg, &spec, 0);
    }
    if next_arg < args.len() {
        out.push_str("%!(EXTRA ");
        let extra: Vec<String> = args[next_arg..]
            .iter()
            .map(|arg| match arg {
                Value::Missing | Value::Nil => "<nil>".to_string(),
                _ => {
                    let mut s = String::new();
                    write_value(&mut s, arg, &Spec::verb('v'), 0);
                    format!("{}={s}", arg.type_name())
                }
            })
            .collect();
        out.push_str(&extra.join(", "));
        out.push(')');
    }
    out
}

fn pad(out: &mut String, text: &str, spec: &Spec, zero_ok: bool) {
    let len = text.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        out.push_str(text);
        return;
    }
    let fill = width - len;
    if spec.minus {
        out.push_str(text);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if spec.zero && zero_ok {
        // Zeros go after the sign.
        let (sign, digits) = match text.chars().next() {
            Some(c @ ('+' | '-' | ' ')) => (Some(c), &text[1..]),
            _ => (None, text),
        };
        out.extend(sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(digits);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(text);
    }
}

fn bad_verb(out: &mut String, value: &Value, verb: char) {
    match value {
        Value::Missing | Value::Nil => {
            let _ = write!(out, "%!{verb}(<nil>)");
        }
        _ => {
            let mut s = String::new();
            write_value(&mut s, value, &Spec::verb('v'), 0);
            let _ = write!(out, "%!{verb}({}={s})", value.type_name());
        }
    }
}

fn write_value(out: &mut String, value: &Value, spec: &Spec, depth: usize) {
    // Past the template output limit the text is rejected anyway: stop walking a huge value.
    if out.len() > crate::funcs::MAX_LEN {
        return;
    }
    if spec.verb == 'T' {
        pad(out, &value.type_name(), spec, false);
        return;
    }
    match value {
        Value::Missing | Value::Nil => match spec.verb {
            // Inside a list or map a nil prints as such whatever the verb.
            _ if depth > 0 => pad(out, "<nil>", spec, false),
            'v' => pad(out, "<nil>", spec, false),
            verb => bad_verb(out, value, verb),
        },
        Value::Bool(b) => match spec.verb {
            'v' | 't' => pad(out, if *b { "true" } else { "false" }, spec, false),
            verb => bad_verb(out, value, verb),
        },
        Value::Int(i) | Value::Int64(i) => write_int(out, *i, value, spec),
        Value::Float(f) => write_float(out, *f, value, spec),
        Value::String(s) => write_string(out, s, value, spec),
        Value::List(_, items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, item, spec, depth + 1);
            }
            out.push(']');
        }
        Value::Map(_, entries) => {
            out.push_str("map[");
            for (i, (key, item)) in entries.borrow().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(out, &Value::String(key.clone()), spec, depth + 1);
                out.push(':');
                write_value(out, item, spec, depth + 1);
            }
            out.push(']');
        }
        Value::Env(namespace, vars) => {
            out.push('{');
            if spec.plus {
                out.push_str("Namespace:");
            }
            write_value(out, &Value::String(namespace.clone()), spec, depth + 1);
            out.push(' ');
            if spec.plus {
                out.push_str("Vars:");
            }
            write_value(out, &Value::Map(Elem::Any, vars.clone()), spec, depth + 1);
            out.push('}');
        }
        Value::Time(time) => match spec.verb {
            'v' | 's' => pad(out, &super::funcs::time_display(time), spec, false),
            verb => bad_verb(out, value, verb),
        },
    }
}

fn write_int(out: &mut String, i: i64, value: &Value, spec: &Spec) {
    let magnitude = i.unsigned_abs();
    let (digits, prefix) = match spec.verb {
        'v' | 'd' => (magnitude.to_string(), ""),
        'x' => (format!("{magnitude:x}"), "0x"),
        'X' => (format!("{magnitude:X}"), "0X"),
        'o' => (format!("{magnitude:o}"), "0"),
        'O' => (format!("{magnitude:o}"), "0o"),
        'b' => (format!("{magnitude:b}"), "0b"),
        'c' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            return pad(out, &c.to_string(), spec, false);
        }
        'q' => {
            let c = u32::try_from(i)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}');
            let quoted = quote(&c.to_string());
            return pad(
                out,
                &format!("'{}'", &quoted[1..quoted.len() - 1]),
                spec,
                false,
            );
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => return bad_verb(out, value, spec.verb),
        verb => return bad_verb(out, value, verb),
    };
    let mut digits = digits;
    if let Some(prec) = spec.prec {
        if prec == 0 && i == 0 {
            digits.clear();
        }
        while digits.len() < prec {
            digits.insert(0, '0');
        }
    }
    let mut text = String::new();
    if i < 0 {
        text.push('-');
    } else if spec.plus {
        text.push('+');
    } else if spec.space {
        text.push(' ');
    }
    if spec.sharp && spec.verb != 'v' && spec.verb != 'd' || spec.verb == 'O' {
        text.push_str(prefix);
    }
    text.push_str(&digits);
    pad(out, &text, spec, spec.prec.is_none());
}

/// Shortest decimal digits and the decimal exponent of a finite, non-zero float, as
/// `d.ddd × 10^exp`.
fn shortest_digits(f: f64) -> (String, i32) {
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    (mantissa.replace('.', ""), exp.parse().unwrap_or(0))
}

/// `strconv.FormatFloat(f, 'e', prec, 64)` with Go's two-digit exponent.
fn format_e(f: f64, prec: Option<usize>, upper: bool) -> String {
    let text = match prec {
        Some(p) => format!("{:.p$e}", f.abs()),
        None => format!("{:e}", f.abs()),
    };
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let sign = if exp < 0 { '-' } else { '+' };
    let e = if upper { 'E' } else { 'e' };
    format!("{mantissa}{e}{sign}{:02}", exp.unsigned_abs())
}

/// `strconv.FormatFloat(f, 'g', prec, 64)` (shortest when `prec` is `None`).
fn format_g(f: f64, prec: Option<usize>, upper: bool) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let (digits, exp) = match prec {
        None => shortest_digits(f),
        Some(p) => {
            let p = p.max(1);
            let sci = format!("{:.*e}", p - 1, f.abs());
            let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
            let digits = mantissa.replace('.', "");
            (
                digits.trim_end_matches('0').to_string(),
                exp.parse().unwrap_or(0),
            )
        }
    };
    let digits = if digits.is_empty() {
        "0".to_string()
    } else {
        digits
    };
    let eprec = match prec {
        None => 6,
        Some(p) => {
            let p = p.max(1) as i32;
            let nd = digits.len() as i32;
            if p > nd && nd > exp { nd } else { p }
        }
    };
    if exp < -4 || exp >= eprec {
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let sign = if exp < 0 { '-' } else { '+' };
        let e = if upper { 'E' } else { 'e' };
        return format!("{mantissa}{e}{sign}{:02}", exp.unsigned_abs());
    }
    if exp < 0 {
        format!("0.{}{}", "0".repeat((-exp - 1) as usize), digits)
    } else {
        let int_len = (exp + 1) as usize;
        if digits.len() <= int_len {
            format!("{digits}{}", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    }
}

fn write_float(out: &mut String, f: f64, value: &Value, spec: &Spec) {
    let body = if f.is_nan() {
        "NaN".to_string()
    } else if f.is_infinite() {
        "Inf".to_string()
    } else {
        match spec.verb {
            'v' => format_g(f, spec.prec, false),
            'g' => format_g(f, spec.prec, false),
            'G' => format_g(f, spec.prec, true),
            'e' => format_e(f, Some(spec.prec.unwrap_or(6)), false),
            'E' => format_e(f, Some(spec.prec.unwrap_or(6)), true),
            'f' | 'F' => format!("{:.*}", spec.prec.unwrap_or(6), f.abs()),
            verb => return bad_verb(out, value, verb),
        }
    };
    let mut text = String::new();
    if f.is_sign_negative() && !f.is_nan() {
        text.push('-');
    } else if spec.plus || f.is_infinite() {
        text.push('+');
    } else if spec.space {
        text.push(' ');
    }
    text.push_str(&body);
    pad(out, &text, spec, f.is_finite());
}

fn write_string(out: &mut String, s: &str, value: &Value, spec: &Spec) {
    let truncated: String = match spec.prec {
        Some(p) if matches!(spec.verb, 'v' | 's' | 'q') => s.chars().take(p).collect(),
        _ => s.to_string(),
    };
    let text = match spec.verb {
        'v' | 's' => truncated,
        'q' => {
            if spec.sharp && !truncated.contains('`') && !truncated.chars().any(char::is_control) {
                format!("`{truncated}`")
            } else {
                quote(&truncated)
            }
        }
        'x' | 'X' => {
            let mut hex = String::new();
            for (i, b) in s.bytes().enumerate() {
                if spec.space && i > 0 {
                    hex.push(' ');
                }
                if spec.sharp && (spec.space || i == 0) {
                    hex.push_str(if spec.verb == 'x' { "0x" } else { "0X" });
                }
                let _ = if spec.verb == 'x' {
                    write!(hex, "{b:02x}")
                } else {
                    write!(hex, "{b:02X}")
                };
            }
            hex
        }
        verb => return bad_verb(out, value, verb),
    };
    pad(out, &text, spec, false);
}
