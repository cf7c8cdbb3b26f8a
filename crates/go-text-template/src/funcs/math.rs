//! Sprig's integer and float arithmetic. Integer functions convert with spf13/cast and return
//! `int64`; the `…f` functions work in decimal, as sprig's shopspring/decimal does.

use super::convert::{to_float64, to_int64};
use super::{Table, Ty, fixed, int, variadic};
use crate::value::Value;

pub(super) fn register(table: &mut Table) {
    table.insert(
        "add",
        variadic(&[], Ty::Any, |a| {
            Ok(Value::Int64(
                a.iter().map(to_int64).fold(0i64, i64::wrapping_add),
            ))
        }),
    );
    table.insert(
        "add1",
        fixed(&[Ty::Any], |a| {
            Ok(Value::Int64(to_int64(&a[0]).wrapping_add(1)))
        }),
    );
    table.insert(
        "sub",
        fixed(&[Ty::Any, Ty::Any], |a| {
            Ok(Value::Int64(to_int64(&a[0]).wrapping_sub(to_int64(&a[1]))))
        }),
    );
    table.insert(
        "mul",
        variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(Value::Int64(
                a.iter().map(to_int64).fold(1i64, i64::wrapping_mul),
            ))
        }),
    );
    table.insert(
        "div",
        fixed(&[Ty::Any, Ty::Any], |a| divide(&a, i64::wrapping_div)),
    );
    table.insert(
        "mod",
        fixed(&[Ty::Any, Ty::Any], |a| divide(&a, i64::wrapping_rem)),
    );
    table.insert(
        "max",
        variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(Value::Int64(a.iter().map(to_int64).max().unwrap_or(0)))
        }),
    );
    table.insert(
        "min",
        variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(Value::Int64(a.iter().map(to_int64).min().unwrap_or(0)))
        }),
    );
    table.insert(
        "floor",
        fixed(&[Ty::Any], |a| Ok(Value::Float(to_float64(&a[0]).floor()))),
    );
    table.insert(
        "ceil",
        fixed(&[Ty::Any], |a| Ok(Value::Float(to_float64(&a[0]).ceil()))),
    );
    table.insert(
        "round",
        variadic(&[Ty::Any, Ty::Int], Ty::Float, |a| {
            let half = a.get(2).map_or(0.5, to_float64);
            Ok(Value::Float(round(to_float64(&a[0]), int(&a[1]), half)))
        }),
    );
    table.insert(
        "addf",
        variadic(&[], Ty::Any, |a| {
            Ok(fold(&a, Decimal::zero(), Decimal::add))
        }),
    );
    table.insert(
        "add1f",
        fixed(&[Ty::Any], |a| {
            Ok(Value::Float(
                Decimal::of(&a[0])
                    .add(&Decimal::of(&Value::Int(1)))
                    .to_f64(),
            ))
        }),
    );
    table.insert(
        "subf",
        variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(fold(&a[1..], Decimal::of(&a[0]), Decimal::sub))
        }),
    );
    table.insert(
        "mulf",
        variadic(&[Ty::Any], Ty::Any, |a| {
            Ok(fold(&a[1..], Decimal::of(&a[0]), Decimal::mul))
        }),
    );
    table.insert(
        "divf",
        variadic(&[Ty::Any], Ty::Any, |a| {
            let mut result = to_float64(&a[0]);
            for v in &a[1..] {
                let d = to_float64(v);
                if d == 0.0 {
                    return Err("decimal division by 0".into());
                }
                result = Decimal::parse(&format!("{result}")).div(&Decimal::parse(&format!("{d}")));
            }
            Ok(Value::Float(result))
        }),
    );
}

/// `div` or `mod` on two int64s: Go panics on a zero divisor and wraps the smallest integer
/// divided by -1.
fn divide(a: &[Value], op: fn(i64, i64) -> i64) -> Result<Value, String> {
    match to_int64(&a[1]) {
        0 => Err("runtime error: integer divide by zero".into()),
        divisor => Ok(Value::Int64(op(to_int64(&a[0]), divisor))),
    }
}

/// Sprig's `round`: rounds half away from zero by default, at `places` decimals.
fn round(x: f64, places: i64, half: f64) -> f64 {
    let pow = 10f64.powi(places as i32);
    let digit = pow * x;
    let (int_part, frac) = (digit.trunc(), digit.fract());
    let rounded = if x >= 0.0 {
        if frac >= half {
            int_part + 1.0
        } else {
            int_part
        }
    } else if -frac >= half {
        int_part - 1.0
    } else {
        int_part
    };
    rounded / pow
}

fn fold(values: &[Value], start: Decimal, op: fn(&Decimal, &Decimal) -> Decimal) -> Value {
    Value::Float(
        values
            .iter()
            .fold(start, |acc, v| op(&acc, &Decimal::of(v)))
            .to_f64(),
    )
}

/// An exact decimal: `digits × 10^-scale`.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    digits: i128,
    scale: u32,
}

impl Decimal {
    fn zero() -> Self {
        Self {
            digits: 0,
            scale: 0,
        }
    }

    /// `decimal.NewFromFloat(cast.ToFloat64(v))`: the float's shortest decimal form.
    fn of(value: &Value) -> Self {
        Self::parse(&format!("{}", to_float64(value)))
    }

    fn parse(text: &str) -> Self {
        let (int_part, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = format!("{int_part}{frac}").parse().unwrap_or(0);
        Self {
            digits,
            scale: frac.len() as u32,
        }
    }

    fn rescale(&self, scale: u32) -> i128 {
        self.digits
            .saturating_mul(10i128.saturating_pow(scale - self.scale))
    }

    fn add(&self, other: &Self) -> Self {
        let scale = self.scale.max(other.scale);
        Self {
            digits: self.rescale(scale).saturating_add(other.rescale(scale)),
            scale,
        }
    }

    fn sub(&self, other: &Self) -> Self {
        let scale = self.scale.max(other.scale);
        Self {
            digits: self.rescale(scale).saturating_sub(other.rescale(scale)),
            scale,
        }
    }

    fn mul(&self, other: &Self) -> Self {
        Self {
            digits: self.digits.saturating_mul(other.digits),
            scale: self.scale + other.scale,
        }
    }

    /// Division to 16 decimal places, as shopspring/decimal's `DivisionPrecision`.
    fn div(&self, other: &Self) -> f64 {
        let scale = self.scale.max(other.scale);
        let (a, b) = (self.rescale(scale), other.rescale(scale));
        let quotient = a.saturating_mul(10i128.pow(16)) / b;
        Self {
            digits: quotient,
            scale: 16,
        }
        .to_f64()
    }

    fn to_f64(self) -> f64 {
        let negative = self.digits < 0;
        let mut text = self.digits.unsigned_abs().to_string();
        let scale = self.scale as usize;
        if text.len() <= scale {
            text = format!("{}{text}", "0".repeat(scale + 1 - text.len()));
        }
        text.insert(text.len() - scale, '.');
        let value: f64 = text.parse().unwrap_or(0.0);
        if negative { -value } else { value }
    }
}
