//! Go's `time.ParseDuration` (`300ms`, `-1.5h`, `2h45m`, `1µs`) and `time.Duration.String`.

use std::time::Duration;

/// A duration Go's `time.ParseDuration` rejects, with Go's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("time: {reason} {quoted}", quoted = go_quote(.input))]
pub struct BadDuration {
    input: String,
    reason: &'static str,
}

/// Parses a duration as Go's `time.ParseDuration` does: a sign, then one or more decimal numbers,
/// each with a unit (`ns`, `us`, `µs`, `μs`, `ms`, `s`, `m`, `h`); `0` alone needs no unit. A
/// negative duration is an error here, since [`Duration`] cannot hold it.
///
/// # Errors
///
/// Text Go rejects (`time: invalid duration "1x"`), a duration past `i64` nanoseconds, or a
/// negative one.
pub fn parse_duration(input: &str) -> Result<Duration, BadDuration> {
    let bad = |reason| BadDuration {
        input: input.to_string(),
        reason,
    };
    let (negative, mut rest) = match input.as_bytes().first() {
        Some(b'-') => (true, &input[1..]),
        Some(b'+') => (false, &input[1..]),
        _ => (false, input),
    };
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(bad("invalid duration"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let whole_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (whole, after) = rest.split_at(whole_len);
        let (fraction, after) = match after.strip_prefix('.') {
            Some(after) => {
                let len = after.bytes().take_while(u8::is_ascii_digit).count();
                after.split_at(len)
            }
            None => ("", after),
        };
        if whole.is_empty() && fraction.is_empty() {
            return Err(bad("invalid duration"));
        }
        let unit_len = after
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map_or(after.len(), |(at, _)| at);
        let (unit, after) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(bad("missing unit in duration"));
        }
        let nanos_per_unit: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(bad("unknown unit in duration")),
        };
        let whole: u128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad("invalid duration"))?
        };
        // Go keeps the fraction's digits as far as they matter at this unit's scale.
        let mut fraction_nanos: u128 = 0;
        let mut scale: u128 = 1;
        for digit in fraction.bytes().take(30) {
            fraction_nanos = fraction_nanos * 10 + u128::from(digit - b'0');
            scale *= 10;
        }
        total = whole
            .checked_mul(nanos_per_unit)
            .and_then(|n| n.checked_add(fraction_nanos * nanos_per_unit / scale))
            .and_then(|n| total.checked_add(n))
            .ok_or_else(|| bad("invalid duration"))?;
        if total > i64::MAX as u128 {
            return Err(bad("invalid duration"));
        }
        rest = after;
    }
    if negative && total > 0 {
        return Err(bad("negative duration"));
    }
    Ok(Duration::from_nanos(total as u64))
}

/// Go's `quote`: the input in double quotes, `"` and `\` escaped.
fn go_quote(input: &str) -> String {
    format!("{input:?}")
}

/// Formats a duration as Go's `time.Duration.String` does: `1h2m3.5s`, `1.5s`, `300ms`, `1µs`,
/// `0s`; trailing zeros of the fraction dropped. Durations past Go's `i64` nanoseconds are
/// formatted as if Go could hold them.
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000_000_000 {
        let (unit, scale) = match nanos {
            ..1_000 => ("ns", 1),
            1_000..1_000_000 => ("µs", 1_000),
            _ => ("ms", 1_000_000),
        };
        return format!("{}{unit}", decimal(nanos, scale));
    }
    let hours = nanos / 3_600_000_000_000;
    let minutes = nanos / 60_000_000_000 % 60;
    let seconds = decimal(nanos % 60_000_000_000, 1_000_000_000);
    match (hours, minutes) {
        (0, 0) => format!("{seconds}s"),
        (0, _) => format!("{minutes}m{seconds}s"),
        _ => format!("{hours}h{minutes}m{seconds}s"),
    }
}

/// `value / scale` in decimal, without trailing zeros in the fraction.
fn decimal(value: u128, scale: u128) -> String {
    let (whole, fraction) = (value / scale, value % scale);
    if fraction == 0 {
        return whole.to_string();
    }
    let width = scale.ilog10() as usize;
    let digits = format!("{fraction:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_go_accepts() {
        let cases = [
            ("0", 0),
            ("5s", 5_000_000_000),
            ("30s", 30_000_000_000),
            ("1478s", 1_478_000_000_000),
            ("+5s", 5_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("2h45m", 9_900_000_000_000),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("300ms", 300_000_000),
            ("1µs", 1_000),
            ("1μs", 1_000),
            (".5s", 500_000_000),
            ("5.s", 5_000_000_000),
            ("9223372036854775807ns", i64::MAX as u128),
        ];
        for (input, nanos) in cases {
            assert_eq!(
                parse_duration(input).map(|d| d.as_nanos()),
                Ok(nanos),
                "{input}"
            );
        }
    }

    #[test]
    fn durations_go_rejects_with_its_messages() {
        let cases = [
            ("", "time: invalid duration \"\""),
            ("3", "time: missing unit in duration \"3\""),
            ("-", "time: invalid duration \"-\""),
            ("s", "time: invalid duration \"s\""),
            (".", "time: invalid duration \".\""),
            ("1d", "time: unknown unit in duration \"1d\""),
            (
                "9223372036854775808ns",
                "time: invalid duration \"9223372036854775808ns\"",
            ),
            ("-1s", "time: negative duration \"-1s\""),
        ];
        for (input, message) in cases {
            assert_eq!(
                parse_duration(input).map_err(|err| err.to_string()),
                Err(message.to_string()),
                "{input}"
            );
        }
    }

    #[test]
    fn formats_as_go_does() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(1), "1ns"),
            (Duration::from_nanos(1_100), "1.1µs"),
            (Duration::from_millis(300), "300ms"),
            (Duration::from_millis(1_500), "1.5s"),
            (Duration::from_secs(5), "5s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(3_600), "1h0m0s"),
            (Duration::from_nanos(3_723_000_000_001), "1h2m3.000000001s"),
        ];
        for (duration, text) in cases {
            assert_eq!(format_duration(duration), text);
            assert_eq!(parse_duration(text), Ok(duration), "{text}");
        }
    }
}
