//! Kubernetes' `resource.Quantity` as Kyverno's arithmetic uses it: parsing (`100Mi`, `1.5`,
//! `2e3`, `250m`), sums, products and quotients, and the canonical `String()` form.

/// How a quantity prints: with binary suffixes (`Ki`), decimal ones (`k`, `m`) or an exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    BinarySi,
    DecimalSi,
    DecimalExponent,
}

/// `mantissa × 10^exponent`, kept unnormalized as Go keeps its scale, and its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Quantity {
    mantissa: i128,
    exponent: i32,
    format: Format,
}

/// Digits Go's fast path keeps in an `int64` (`maxInt64Factors`).
const MAX_INT64_FACTORS: usize = 18;
/// Quantities are rounded up to nano units.
const NANO: i32 = -9;

impl Quantity {
    /// Kubernetes' `ParseQuantity`; `None` where it returns an error.
    pub(super) fn parse(text: &str) -> Option<Quantity> {
        if text.is_empty() {
            return None;
        }
        let parts = split(text)?;
        let (base, suffix_exponent, format) = interpret_suffix(parts.suffix)?;
        // Go's fast path: an int64 with a decimal scale.
        let digits = parts.whole.len() + parts.fraction.len();
        let (multiplier, precision_left) = match format {
            Format::BinarySi if parts.fraction.is_empty() && suffix_exponent >= 0 => {
                let used = (suffix_exponent * 3 / 10) as usize + 1;
                (
                    1i128 << suffix_exponent,
                    15usize.checked_sub(parts.whole.len() + used).is_some(),
                )
            }
            Format::BinarySi => (1, false),
            _ => (1, MAX_INT64_FACTORS >= digits),
        };
        let fraction_len = i32::try_from(parts.fraction.len()).ok()?;
        let scale = if format == Format::BinarySi {
            0
        } else {
            suffix_exponent
        } - fraction_len;
        if precision_left && scale >= NANO {
            let shifted: i64 = format!("{}{}", parts.whole, parts.fraction).parse().ok()?;
            if let Ok(value) = i64::try_from(i128::from(shifted) * multiplier) {
                let value = i128::from(value);
                return Some(Quantity {
                    mantissa: if parts.negative { -value } else { value },
                    exponent: scale,
                    format,
                });
            }
        }
        // Go's general path: an arbitrary decimal, rounded up to nano units.
        let mut mantissa: i128 = format!("{}{}", parts.whole, parts.fraction).parse().ok()?;
        let mut exponent = -fraction_len;
        if base == 10 {
            exponent += suffix_exponent;
        } else {
            mantissa =
                mantissa.checked_mul(1i128.checked_shl(u32::try_from(suffix_exponent).ok()?)?)?;
        }
        if mantissa != 0 {
            (mantissa, exponent) = round_up_to_nano(mantissa, exponent)?;
        }
        let format = match format {
            Format::BinarySi if mantissa != 0 && less_than_one(mantissa, exponent) => {
                Format::DecimalSi
            }
            Format::BinarySi => {
                // Go caps binary quantities at the largest int64.
                let max = i128::from(i64::MAX) * pow10(-NANO)?;
                mantissa = mantissa.min(max);
                format
            }
            other => other,
        };
        Some(Quantity {
            mantissa: if parts.negative { -mantissa } else { mantissa },
            exponent,
            format,
        })
    }

    /// A number as Go's `ParseQuantity(fmt.Sprintf("%v", f))` reads it.
    pub(super) fn from_float(value: f64) -> Option<Quantity> {
        Quantity::parse(&go_format_v(value))
    }

    /// An integer, as `NewQuantity`.
    pub(super) fn from_integer(value: i64, format: Format) -> Quantity {
        Quantity {
            mantissa: i128::from(value),
            exponent: 0,
            format,
        }
    }

    pub(super) fn format(self) -> Format {
        self.format
    }

    fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// `Add` (or `Sub` with `negate`): the left format, unless the left is zero.
    pub(super) fn add(self, other: Quantity, negate: bool) -> Option<Quantity> {
        let exponent = self.exponent.min(other.exponent);
        let left = self
            .mantissa
            .checked_mul(pow10(self.exponent - exponent)?)?;
        let right = other
            .mantissa
            .checked_mul(pow10(other.exponent - exponent)?)?;
        let mantissa = if negate {
            left.checked_sub(right)?
        } else {
            left.checked_add(right)?
        };
        let format = if self.is_zero() {
            other.format
        } else {
            self.format
        };
        Some(Quantity {
            mantissa,
            exponent,
            format,
        })
    }

    /// The exact product, with this quantity's format (`NewDecimalQuantity` of `inf.Dec.Mul`).
    pub(super) fn multiply(self, other: Quantity) -> Option<Quantity> {
        Some(Quantity {
            mantissa: self.mantissa.checked_mul(other.mantissa)?,
            exponent: self.exponent.checked_add(other.exponent)?,
            format: self.format,
        })
    }

    /// The quotient truncated at the larger of the two scales (`inf.Dec.QuoRound`, `RoundDown`).
    pub(super) fn divide(self, divisor: Quantity) -> Option<Quantity> {
        let exponent = self.exponent.min(divisor.exponent);
        // self / divisor = m1 × 10^(e1 - e2) / m2, expressed in units of 10^exponent.
        let shift = self.exponent - divisor.exponent - exponent;
        let (numerator, denominator) = if shift >= 0 {
            (self.mantissa.checked_mul(pow10(shift)?)?, divisor.mantissa)
        } else {
            (self.mantissa, divisor.mantissa.checked_mul(pow10(-shift)?)?)
        };
        Some(Quantity {
            mantissa: numerator.checked_div(denominator)?,
            exponent,
            format: self.format,
        })
    }

    /// `AsApproximateFloat64`.
    #[allow(clippy::cast_precision_loss)]
    pub(super) fn to_f64(self) -> f64 {
        self.mantissa as f64 * 10f64.powi(self.exponent)
    }

    /// Go's `Quantity.String()`: the canonical form.
    pub(super) fn canonical(self) -> String {
        if self.is_zero() {
            return "0".to_string();
        }
        let integer = self.integer_value();
        let binary = self.format == Format::BinarySi
            && !(-1024 < self.mantissa_if_small() && self.mantissa_if_small() < 1024);
        match integer {
            Some(mut value) if binary => {
                let mut power = 0;
                while value.abs() >= 1024 && value % 1024 == 0 {
                    value /= 1024;
                    power += 1;
                }
                // Past `Ei`, Go finds no suffix and prints the number alone.
                let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
                    .get(power)
                    .unwrap_or(&"");
                format!("{value}{suffix}")
            }
            _ => {
                let format = if self.format == Format::BinarySi {
                    Format::DecimalSi
                } else {
                    self.format
                };
                let (mut mantissa, mut exponent) = (self.mantissa, self.exponent);
                while mantissa.abs() >= 10 && mantissa % 10 == 0 {
                    mantissa /= 10;
                    exponent += 1;
                }
                while exponent % 3 != 0 {
                    mantissa = mantissa.saturating_mul(10);
                    exponent -= 1;
                }
                format!("{mantissa}{}", suffix(exponent, format))
            }
        }
    }

    /// The value when it is a whole number.
    fn integer_value(self) -> Option<i128> {
        if self.exponent >= 0 {
            return self.mantissa.checked_mul(pow10(self.exponent)?);
        }
        let divisor = pow10(-self.exponent)?;
        (self.mantissa % divisor == 0).then_some(self.mantissa / divisor)
    }

    /// The value for the `-1024 < q < 1024` test (saturating outside `i128`).
    fn mantissa_if_small(self) -> i128 {
        match self.integer_value() {
            Some(value) => value,
            None if self.exponent < 0 => self.mantissa / pow10(-self.exponent).unwrap_or(i128::MAX),
            None => self.mantissa.signum() * i128::MAX,
        }
    }
}

struct Parts<'a> {
    negative: bool,
    whole: &'a str,
    fraction: &'a str,
    suffix: &'a str,
}

/// Go's `parseQuantityString`: sign, digits (leading zeros dropped), `.` fraction, suffix.
fn split(text: &str) -> Option<Parts<'_>> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let rest = rest.trim_start_matches('0');
    let whole_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (whole, rest) = rest.split_at(whole_end);
    let whole = if whole.is_empty() { "0" } else { whole };
    let (fraction, rest) = match rest.strip_prefix('.') {
        Some(after) => after.split_at(
            after
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(after.len()),
        ),
        None => ("", rest),
    };
    let letters = rest
        .find(|c: char| !"eEinumkKMGTP".contains(c))
        .unwrap_or(rest.len());
    let after_letters = &rest[letters..];
    let exponent_digits = after_letters
        .strip_prefix(['+', '-'])
        .unwrap_or(after_letters);
    if !exponent_digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Parts {
        negative,
        whole,
        fraction,
        suffix: rest,
    })
}

/// The suffix's base, exponent and format (Kubernetes' `quantitySuffixer.interpret`).
fn interpret_suffix(suffix: &str) -> Option<(u32, i32, Format)> {
    let binary = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
    if let Some(i) = binary.iter().position(|s| *s == suffix) {
        return Some((2, 10 * (i32::try_from(i).ok()? + 1), Format::BinarySi));
    }
    let decimal = [
        ("n", -9),
        ("u", -6),
        ("m", -3),
        ("", 0),
        ("k", 3),
        ("M", 6),
        ("G", 9),
        ("T", 12),
        ("P", 15),
        ("E", 18),
    ];
    if let Some((_, exponent)) = decimal.iter().find(|(s, _)| *s == suffix) {
        return Some((10, *exponent, Format::DecimalSi));
    }
    let exponent = suffix.strip_prefix(['e', 'E'])?;
    Some((10, exponent.parse().ok()?, Format::DecimalExponent))
}

/// The suffix for a decimal exponent that is a multiple of 3.
fn suffix(exponent: i32, format: Format) -> String {
    let decimal = match exponent {
        -9 => Some("n"),
        -6 => Some("u"),
        -3 => Some("m"),
        0 => Some(""),
        3 => Some("k"),
        6 => Some("M"),
        9 => Some("G"),
        12 => Some("T"),
        15 => Some("P"),
        18 => Some("E"),
        _ => None,
    };
    match format {
        // Outside `n`…`E`, Go finds no suffix and prints the mantissa alone (`1000E` + `1000E`
        // is "2"), a quirk kept here.
        Format::DecimalSi | Format::BinarySi => decimal.unwrap_or_default().to_string(),
        Format::DecimalExponent if exponent == 0 => String::new(),
        Format::DecimalExponent => format!("e{exponent}"),
    }
}

fn pow10(exponent: i32) -> Option<i128> {
    10i128.checked_pow(u32::try_from(exponent).ok()?)
}

fn less_than_one(mantissa: i128, exponent: i32) -> bool {
    match pow10(-exponent) {
        Some(unit) if exponent < 0 => mantissa.abs() < unit,
        _ => exponent < 0,
    }
}

/// To exponent -9, rounding the magnitude up as Go's `inf.RoundUp`.
fn round_up_to_nano(mantissa: i128, exponent: i32) -> Option<(i128, i32)> {
    if exponent >= NANO {
        return Some((mantissa.checked_mul(pow10(exponent - NANO)?)?, NANO));
    }
    let divisor = pow10(NANO - exponent)?;
    let rounded = mantissa / divisor + i128::from(mantissa % divisor != 0) * mantissa.signum();
    Some((rounded, NANO))
}

/// Go's `fmt.Sprintf("%v", f)`: shortest digits, exponent form below 1e-4 and from 1e21.
fn go_format_v(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 || (1e-4..1e21).contains(&magnitude) {
        return format!("{value}");
    }
    let scientific = format!("{value:e}");
    let Some((mantissa, exponent)) = scientific.split_once('e') else {
        return scientific;
    };
    match exponent.strip_prefix('-') {
        Some(negative) => format!("{mantissa}e-{negative:0>2}"),
        None => format!("{mantissa}e+{exponent:0>2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(text: &str) -> String {
        Quantity::parse(text).map_or_else(|| "error".to_string(), Quantity::canonical)
    }

    #[test]
    fn canonical_forms_are_kubernetes() {
        for (text, expected) in [
            ("12Ki", "12Ki"),
            ("1024", "1024"),
            ("1.5Ki", "1536"),
            ("1000", "1k"),
            ("1500m", "1500m"),
            ("0.5", "500m"),
            ("1e3", "1e3"),
            ("100M", "100M"),
            ("0.1Mi", "104857600m"),
            ("-2Gi", "-2Gi"),
            ("0", "0"),
            ("1n", "1n"),
            ("0.0000000001", "1n"),
            ("2000E", "2"),
            ("0Ki", "0"),
            ("13s", "error"),
            ("1h", "error"),
            ("1Kx", "error"),
            ("", "error"),
        ] {
            assert_eq!(canonical(text), expected, "{text}");
        }
    }

    #[test]
    fn go_v_formatting() {
        assert_eq!(go_format_v(2.5), "2.5");
        assert_eq!(go_format_v(1e21), "1e+21");
        assert_eq!(go_format_v(0.00001), "1e-05");
        assert_eq!(go_format_v(100_000.0), "100000");
    }
}
