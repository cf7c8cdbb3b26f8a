//! Kyverno's `add`, `sum`, `subtract`, `multiply`, `divide` and `modulo` on numbers, Kubernetes
//! quantities (`"100Mi"`) and Go durations (`"1h30m"`). A string is a quantity when it parses as
//! one, so `"1m"` is a milli-quantity, as in Kyverno.

use serde_json::Value;

use super::kyverno::failed;
use super::kyverno_quantity::Quantity;
use super::{ArgSpec, ArgType as T, Functions, array_arg};
use crate::FunctionError;
use crate::value::number;

pub(super) fn register(functions: &mut Functions) {
    let two = || vec![ArgSpec::new(&[T::Any]); 2];
    functions.register("add", two(), |args| binary("add", args, add));
    functions.register("subtract", two(), |args| binary("subtract", args, subtract));
    functions.register("multiply", two(), |args| binary("multiply", args, multiply));
    functions.register("divide", two(), |args| binary("divide", args, divide));
    functions.register("modulo", two(), |args| binary("modulo", args, modulo));
    functions.register("sum", vec![ArgSpec::new(&[T::Array])], |args| {
        let items = array_arg(&args[0]);
        let Some((first, rest)) = items.split_first() else {
            return Err(failed(
                "sum",
                "at least one element in the array is required",
            ));
        };
        rest.iter().try_fold(first.clone(), |total, item| {
            binary("sum", &[total, item.clone()], add)
        })
    });
}

/// An arithmetic operand: a number, a quantity, or a duration in nanoseconds.
#[derive(Clone, Copy)]
enum Operand {
    Scalar(f64),
    Quantity(Quantity),
    Duration(i64),
}

fn operand(name: &str, value: &Value) -> Result<Operand, FunctionError> {
    match value {
        Value::Number(n) => Ok(Operand::Scalar(n.as_f64().unwrap_or_default())),
        // A quantity first, as in Kyverno.
        Value::String(text) => Quantity::parse(text)
            .map(Operand::Quantity)
            .or_else(|| parse_duration(text).map(Operand::Duration))
            .ok_or_else(|| failed(name, "invalid operand")),
        _ => Err(failed(name, "invalid operand")),
    }
}

fn binary(
    name: &str,
    args: &[Value],
    operation: fn(&str, Operand, Operand) -> Result<Value, FunctionError>,
) -> Result<Value, FunctionError> {
    let left = operand(name, &args[0])?;
    let right = operand(name, &args[1])?;
    operation(name, left, right)
}

fn mismatch(name: &str) -> FunctionError {
    failed(name, "Types mismatch")
}

fn zero_division(name: &str) -> FunctionError {
    failed(name, "Zero divisor passed")
}

fn scalar(name: &str, value: f64) -> Result<Value, FunctionError> {
    number(value).ok_or_else(|| failed(name, "the result is not a finite number"))
}

fn quantity(name: &str, result: Option<Quantity>) -> Result<Value, FunctionError> {
    result
        .map(|q| q.canonical().into())
        .ok_or_else(|| failed(name, "quantity out of range"))
}

fn duration(name: &str, nanos: Option<i64>) -> Result<Value, FunctionError> {
    nanos
        .map(|nanos| format_duration(nanos).into())
        .ok_or_else(|| failed(name, "duration out of range"))
}

/// Go's `time.Duration(seconds * float64(time.Second))`.
fn scaled(nanos: i64, factor: f64) -> Option<i64> {
    #[allow(clippy::cast_precision_loss)]
    let result = nanos as f64 * factor;
    #[allow(clippy::cast_possible_truncation)]
    result.is_finite().then_some(result as i64)
}

fn add(name: &str, left: Operand, right: Operand) -> Result<Value, FunctionError> {
    match (left, right) {
        (Operand::Scalar(a), Operand::Scalar(b)) => scalar(name, a + b),
        (Operand::Quantity(a), Operand::Quantity(b)) => quantity(name, a.add(b, false)),
        (Operand::Duration(a), Operand::Duration(b)) => duration(name, a.checked_add(b)),
        _ => Err(mismatch(name)),
    }
}

fn subtract(name: &str, left: Operand, right: Operand) -> Result<Value, FunctionError> {
    match (left, right) {
        (Operand::Scalar(a), Operand::Scalar(b)) => scalar(name, a - b),
        (Operand::Quantity(a), Operand::Quantity(b)) => quantity(name, a.add(b, true)),
        (Operand::Duration(a), Operand::Duration(b)) => duration(name, a.checked_sub(b)),
        _ => Err(mismatch(name)),
    }
}

fn multiply(name: &str, left: Operand, right: Operand) -> Result<Value, FunctionError> {
    match (left, right) {
        (Operand::Scalar(a), Operand::Scalar(b)) => scalar(name, a * b),
        (Operand::Quantity(q), Operand::Scalar(f)) | (Operand::Scalar(f), Operand::Quantity(q)) => {
            quantity(name, Quantity::from_float(f).and_then(|f| q.multiply(f)))
        }
        (Operand::Duration(d), Operand::Scalar(f)) | (Operand::Scalar(f), Operand::Duration(d)) => {
            duration(name, scaled(d, f))
        }
        _ => Err(mismatch(name)),
    }
}

fn divide(name: &str, left: Operand, right: Operand) -> Result<Value, FunctionError> {
    match (left, right) {
        (
            Operand::Scalar(_) | Operand::Quantity(_) | Operand::Duration(_),
            Operand::Scalar(0.0),
        )
        | (Operand::Duration(_), Operand::Duration(0)) => Err(zero_division(name)),
        (Operand::Quantity(_), Operand::Quantity(b)) if b.to_f64() == 0.0 => {
            Err(zero_division(name))
        }
        (Operand::Scalar(a), Operand::Scalar(b)) => scalar(name, a / b),
        (Operand::Quantity(a), Operand::Quantity(b)) => scalar(name, a.to_f64() / b.to_f64()),
        (Operand::Quantity(q), Operand::Scalar(f)) => {
            quantity(name, Quantity::from_float(f).and_then(|f| q.divide(f)))
        }
        #[allow(clippy::cast_precision_loss)]
        (Operand::Duration(a), Operand::Duration(b)) => scalar(name, a as f64 / b as f64),
        (Operand::Duration(d), Operand::Scalar(f)) => duration(name, scaled(d, 1.0 / f)),
        _ => Err(mismatch(name)),
    }
}

fn modulo(name: &str, left: Operand, right: Operand) -> Result<Value, FunctionError> {
    match (left, right) {
        (Operand::Scalar(a), Operand::Scalar(b)) => {
            if a.fract() != 0.0 || b.fract() != 0.0 {
                return Err(failed(name, "Non-integer argument(s) passed for modulo"));
            }
            #[allow(clippy::cast_possible_truncation)]
            let (a, b) = (a as i64, b as i64);
            if b == 0 {
                return Err(zero_division(name));
            }
            #[allow(clippy::cast_precision_loss)]
            scalar(name, a.wrapping_rem(b) as f64)
        }
        (Operand::Quantity(a), Operand::Quantity(b)) => {
            let (a_value, b_value) = (a.to_f64(), b.to_f64());
            if a_value.fract() != 0.0 || b_value.fract() != 0.0 {
                return Err(failed(name, "Non-integer argument(s) passed for modulo"));
            }
            #[allow(clippy::cast_possible_truncation)]
            let (a_value, b_value) = (a_value as i64, b_value as i64);
            if b_value == 0 {
                return Err(zero_division(name));
            }
            quantity(
                name,
                Some(Quantity::from_integer(
                    a_value.wrapping_rem(b_value),
                    a.format(),
                )),
            )
        }
        (Operand::Duration(_), Operand::Duration(0)) => Err(zero_division(name)),
        (Operand::Duration(a), Operand::Duration(b)) => duration(name, Some(a.wrapping_rem(b))),
        _ => Err(mismatch(name)),
    }
}

/// Go's `time.ParseDuration`, negative durations included, in nanoseconds.
pub(super) fn parse_duration(text: &str) -> Option<i64> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let nanos = i64::try_from(gostd::parse_duration(unsigned).ok()?.as_nanos()).ok()?;
    Some(if negative { -nanos } else { nanos })
}

/// Go's `time.Duration.String`: `1h2m3.5s`, `1.5ms`, `0s`.
pub(super) fn format_duration(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let magnitude = nanos.unsigned_abs();
    let body = if magnitude < 1_000_000_000 {
        let (unit, precision) = match magnitude {
            0..1_000 => ("ns", 0),
            1_000..1_000_000 => ("µs", 3),
            _ => ("ms", 6),
        };
        let (whole, fraction) = split_fraction(magnitude, precision);
        format!("{whole}{fraction}{unit}")
    } else {
        let (seconds, fraction) = split_fraction(magnitude, 9);
        let (minutes, hours) = (seconds / 60 % 60, seconds / 3600);
        match (hours, minutes) {
            (0, 0) => format!("{}{fraction}s", seconds % 60),
            (0, _) => format!("{minutes}m{}{fraction}s", seconds % 60),
            _ => format!("{hours}h{minutes}m{}{fraction}s", seconds % 60),
        }
    };
    if nanos < 0 { format!("-{body}") } else { body }
}

/// `value / 10^precision` and its fraction as `.5` (trailing zeros dropped, empty when whole).
fn split_fraction(value: u64, precision: u32) -> (u64, String) {
    let scale = 10u64.pow(precision);
    let digits = format!("{:0width$}", value % scale, width = precision as usize);
    let digits = digits.trim_end_matches('0');
    (
        value / scale,
        if digits.is_empty() {
            String::new()
        } else {
            format!(".{digits}")
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_go_s() {
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(1_500_000), "1.5ms");
        assert_eq!(format_duration(999), "999ns");
        assert_eq!(format_duration(2_000), "2µs");
        assert_eq!(format_duration(3_723_500_000_000), "1h2m3.5s");
        assert_eq!(format_duration(-90_000_000_000), "-1m30s");
        assert_eq!(format_duration(3_600_000_000_000), "1h0m0s");
        assert_eq!(parse_duration("-1h30m"), Some(-5_400_000_000_000));
    }
}
