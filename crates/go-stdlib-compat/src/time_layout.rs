//! Go's time layouts, written as the reference time `Mon Jan 2 15:04:05 MST 2006`:
//! `time.Parse`, with Go's error messages, and `Time.Format`.
//!
//! When parsing, a zone abbreviation other than `UTC` (`MST`) gets offset 0 (`GMT+3` gets +3h), as
//! Go does for abbreviations that are not the local zone's.

use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate, TimeZone, Timelike as _};

/// A piece of a layout that stands for a field of the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    Pm {
        upper: bool,
    },
    /// A numeric zone: `Z` allowed for UTC (`iso`), and the pieces written (`-07`, `-0700`,
    /// `-07:00`, `-070000`, `-07:00:00`).
    Zone {
        iso: bool,
        colons: bool,
        minutes: bool,
        seconds: bool,
    },
    ZoneName,
    /// `.000` (exactly `digits` digits) or `.999` (optional, any number).
    Fraction {
        digits: usize,
        exact: bool,
    },
}

/// The layout's next field: the literal text before it, the field, and the layout after it.
fn next_field(layout: &str) -> (&str, Option<(Field, &str)>) {
    use Field as F;
    let bytes = layout.as_bytes();
    for i in 0..bytes.len() {
        let rest = &layout[i..];
        let at = |prefix: &str| rest.starts_with(prefix);
        let found = match bytes[i] {
            b'J' if at("January") => Some((F::LongMonth, 7)),
            b'J' if at("Jan") => Some((F::Month, 3)),
            b'M' if at("Monday") => Some((F::LongWeekDay, 6)),
            b'M' if at("Mon") => Some((F::WeekDay, 3)),
            b'M' if at("MST") => Some((F::ZoneName, 3)),
            b'0' if at("002") => Some((F::ZeroYearDay, 3)),
            b'0' => match bytes.get(i + 1) {
                Some(b'1') => Some((F::ZeroMonth, 2)),
                Some(b'2') => Some((F::ZeroDay, 2)),
                Some(b'3') => Some((F::ZeroHour12, 2)),
                Some(b'4') => Some((F::ZeroMinute, 2)),
                Some(b'5') => Some((F::ZeroSecond, 2)),
                Some(b'6') => Some((F::Year, 2)),
                _ => None,
            },
            b'1' if at("15") => Some((F::Hour, 2)),
            b'1' => Some((F::NumMonth, 1)),
            b'2' if at("2006") => Some((F::LongYear, 4)),
            b'2' => Some((F::Day, 1)),
            b'_' if at("__2") => Some((F::UnderYearDay, 3)),
            b'_' if at("_2") && !at("_2006") => Some((F::UnderDay, 2)),
            b'3' => Some((F::Hour12, 1)),
            b'4' => Some((F::Minute, 1)),
            b'5' => Some((F::Second, 1)),
            b'P' if at("PM") => Some((F::Pm { upper: true }, 2)),
            b'p' if at("pm") => Some((F::Pm { upper: false }, 2)),
            b'-' | b'Z' => zone_field(rest),
            b'.' | b',' => fraction_field(rest),
            _ => None,
        };
        if let Some((field, length)) = found {
            return (&layout[..i], Some((field, &layout[i + length..])));
        }
    }
    (layout, None)
}

fn zone_field(rest: &str) -> Option<(Field, usize)> {
    let iso = rest.starts_with('Z');
    let body = rest.strip_prefix(['Z', '-'])?;
    let zone = |colons, minutes, seconds| Field::Zone {
        iso,
        colons,
        minutes,
        seconds,
    };
    let offset = usize::from(true);
    [
        ("07:00:00", zone(true, true, true)),
        ("070000", zone(false, true, true)),
        ("07:00", zone(true, true, false)),
        ("0700", zone(false, true, false)),
        ("07", zone(false, false, false)),
    ]
    .into_iter()
    .find(|(text, _)| body.starts_with(text))
    .map(|(text, field)| (field, offset + text.len()))
}

fn fraction_field(rest: &str) -> Option<(Field, usize)> {
    let digit = *rest.as_bytes().get(1)?;
    if digit != b'0' && digit != b'9' {
        return None;
    }
    let run = rest[1..].bytes().take_while(|b| *b == digit).count();
    // Not a fraction when more digits follow, as in `.0001`.
    if rest.as_bytes().get(1 + run).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some((
        Field::Fraction {
            digits: run,
            exact: digit == b'0',
        },
        1 + run,
    ))
}

const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// The fields read so far.
struct Parsed {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
    year_day: Option<u32>,
    hour: u32,
    minute: u32,
    second: u32,
    nanosecond: u32,
    pm: Option<bool>,
    utc: bool,
    offset: Option<i32>,
    zone_name: Option<String>,
}

/// Why a field did not parse: Go's `cannot parse` (no message) or a range message.
enum Failure {
    Bad,
    OutOfRange(&'static str),
}

/// Parses `value` as Go's `time.Parse(layout, value)`.
///
/// # Errors
///
/// Go's message: `parsing time "…" as "…": cannot parse "…" as "…"`, `… extra text: …`, or a
/// field out of range.
pub fn parse_time(layout: &str, value: &str) -> Result<DateTime<FixedOffset>, String> {
    let quote = |s: &str| format!("{s:?}");
    let cannot = |value_rest: &str, layout_piece: &str| {
        format!(
            "parsing time {} as {}: cannot parse {} as {}",
            quote(value),
            quote(layout),
            quote(value_rest),
            quote(layout_piece)
        )
    };
    let mut parsed = Parsed {
        year: 0,
        month: None,
        day: None,
        year_day: None,
        hour: 0,
        minute: 0,
        second: 0,
        nanosecond: 0,
        pm: None,
        utc: false,
        offset: None,
        zone_name: None,
    };
    let (mut rest_layout, mut rest) = (layout, value);
    loop {
        let (prefix, field) = next_field(rest_layout);
        rest = skip(rest, prefix).ok_or_else(|| cannot(rest, prefix))?;
        let Some((field, after)) = field else {
            if !rest.is_empty() {
                return Err(format!(
                    "parsing time {}: extra text: {}",
                    quote(value),
                    quote(rest)
                ));
            }
            break;
        };
        let field_text = &rest_layout[prefix.len()..rest_layout.len() - after.len()];
        rest_layout = after;
        let hold = rest;
        match read_field(field, rest, rest_layout, &mut parsed) {
            Ok(remaining) => rest = remaining,
            Err(Failure::Bad) => return Err(cannot(hold, field_text)),
            Err(Failure::OutOfRange(what)) => {
                return Err(format!(
                    "parsing time {}: {what} out of range",
                    quote(value)
                ));
            }
        }
    }
    build(&parsed).map_err(|what| format!("parsing time {}: {what}", quote(value)))
}

/// Go's `skip`: the literal `prefix`, where a space matches any run of spaces.
fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Option<&'a str> {
    while let Some(c) = prefix.chars().next() {
        if c == ' ' {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        value = value.strip_prefix(c)?;
        prefix = &prefix[c.len_utf8()..];
    }
    Some(value)
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn number(value: &str, fixed: bool) -> Result<(u32, &str), Failure> {
    let digits = value.bytes().take(2).take_while(u8::is_ascii_digit).count();
    match digits {
        0 => Err(Failure::Bad),
        1 if fixed => Err(Failure::Bad),
        n => Ok((value[..n].parse().map_err(|_| Failure::Bad)?, &value[n..])),
    }
}

/// A name of `names` at the start of `value`, compared ignoring ASCII case.
fn lookup<'a>(names: &[&str], value: &'a str) -> Result<(usize, &'a str), Failure> {
    names
        .iter()
        .position(|name| {
            value
                .get(..name.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(name))
        })
        .map(|index| (index, &value[names[index].len()..]))
        .ok_or(Failure::Bad)
}

/// Go's `parseNanoseconds` of `.ddd` (the first `length` bytes of `value`).
fn nanoseconds(value: &str, length: usize) -> Result<u32, Failure> {
    let digits = value.get(1..length).ok_or(Failure::Bad)?;
    let digits = &digits[..digits.len().min(9)];
    let number: u32 = digits.parse().map_err(|_| Failure::Bad)?;
    Ok(number * 10u32.pow(u32::try_from(9 - digits.len()).unwrap_or(0)))
}

fn starts_fraction(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.len() >= 2 && matches!(bytes[0], b'.' | b',') && bytes[1].is_ascii_digit()
}

fn read_field<'a>(
    field: Field,
    value: &'a str,
    layout_after: &str,
    parsed: &mut Parsed,
) -> Result<&'a str, Failure> {
    use Field as F;
    let in_range = |n: u32, max: u32, what| {
        if n < max {
            Ok(n)
        } else {
            Err(Failure::OutOfRange(what))
        }
    };
    match field {
        F::Year => {
            let digits = value
                .get(..2)
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                .ok_or(Failure::Bad)?;
            let year: i32 = digits.parse().map_err(|_| Failure::Bad)?;
            parsed.year = if year >= 69 { year + 1900 } else { year + 2000 };
            Ok(&value[2..])
        }
        F::LongYear => {
            let digits = value
                .get(..4)
                .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                .ok_or(Failure::Bad)?;
            parsed.year = digits.parse().map_err(|_| Failure::Bad)?;
            Ok(&value[4..])
        }
        F::Month | F::LongMonth => {
            let (index, rest) = lookup(
                if field == F::Month {
                    &SHORT_MONTHS
                } else {
                    &LONG_MONTHS
                },
                value,
            )?;
            parsed.month = Some(u32::try_from(index).unwrap_or(0) + 1);
            Ok(rest)
        }
        F::NumMonth | F::ZeroMonth => {
            let (month, rest) = number(value, field == F::ZeroMonth)?;
            if !(1..=12).contains(&month) {
                return Err(Failure::OutOfRange("month"));
            }
            parsed.month = Some(month);
            Ok(rest)
        }
        F::WeekDay | F::LongWeekDay => lookup(
            if field == F::WeekDay {
                &SHORT_DAYS
            } else {
                &LONG_DAYS
            },
            value,
        )
        .map(|(_, rest)| rest),
        F::Day | F::UnderDay | F::ZeroDay => {
            let value = if field == F::UnderDay {
                value.strip_prefix(' ').unwrap_or(value)
            } else {
                value
            };
            let (day, rest) = number(value, field == F::ZeroDay)?;
            parsed.day = Some(day);
            Ok(rest)
        }
        F::UnderYearDay | F::ZeroYearDay => {
            let value = if field == F::UnderYearDay {
                value.trim_start_matches(' ')
            } else {
                value
            };
            let digits = value.bytes().take(3).take_while(u8::is_ascii_digit).count();
            if digits == 0 || (field == F::ZeroYearDay && digits < 3) {
                return Err(Failure::Bad);
            }
            parsed.year_day = Some(value[..digits].parse().map_err(|_| Failure::Bad)?);
            Ok(&value[digits..])
        }
        F::Hour => {
            let (hour, rest) = number(value, false)?;
            parsed.hour = in_range(hour, 24, "hour")?;
            Ok(rest)
        }
        F::Hour12 | F::ZeroHour12 => {
            let (hour, rest) = number(value, field == F::ZeroHour12)?;
            parsed.hour = in_range(hour, 13, "hour")?;
            Ok(rest)
        }
        F::Minute | F::ZeroMinute => {
            let (minute, rest) = number(value, field == F::ZeroMinute)?;
            parsed.minute = in_range(minute, 60, "minute")?;
            Ok(rest)
        }
        F::Second | F::ZeroSecond => {
            let (second, rest) = number(value, field == F::ZeroSecond)?;
            parsed.second = in_range(second, 60, "second")?;
            // A fraction in the value that the layout does not write is read anyway.
            let layout_has_fraction = matches!(
                next_field(layout_after),
                ("", Some((F::Fraction { .. }, _)))
            );
            if starts_fraction(rest) && !layout_has_fraction {
                let length = 1 + rest[1..].bytes().take_while(u8::is_ascii_digit).count();
                parsed.nanosecond = nanoseconds(rest, length)?;
                return Ok(&rest[length..]);
            }
            Ok(rest)
        }
        F::Pm { upper } => {
            let marker = value.get(..2).ok_or(Failure::Bad)?;
            parsed.pm = Some(match (marker, upper) {
                ("PM", true) | ("pm", false) => true,
                ("AM", true) | ("am", false) => false,
                _ => return Err(Failure::Bad),
            });
            Ok(&value[2..])
        }
        F::Zone {
            iso,
            colons,
            minutes,
            seconds,
        } => read_zone(value, iso, colons, minutes, seconds, parsed),
        F::ZoneName => {
            if let Some(rest) = value.strip_prefix("UTC") {
                parsed.utc = true;
                return Ok(rest);
            }
            let length = zone_name_length(value).ok_or(Failure::Bad)?;
            parsed.zone_name = Some(value[..length].to_string());
            Ok(&value[length..])
        }
        F::Fraction {
            digits,
            exact: true,
        } => {
            let length = 1 + digits;
            if value.len() < length {
                return Err(Failure::Bad);
            }
            parsed.nanosecond = nanoseconds(value, length)?;
            Ok(&value[length..])
        }
        F::Fraction { exact: false, .. } => {
            if !starts_fraction(value) {
                return Ok(value);
            }
            let length = 1 + value[1..].bytes().take_while(u8::is_ascii_digit).count();
            parsed.nanosecond = nanoseconds(value, length)?;
            Ok(&value[length..])
        }
    }
}

fn read_zone<'a>(
    value: &'a str,
    iso: bool,
    colons: bool,
    minutes: bool,
    seconds: bool,
    parsed: &mut Parsed,
) -> Result<&'a str, Failure> {
    if iso && let Some(rest) = value.strip_prefix('Z') {
        parsed.utc = true;
        return Ok(rest);
    }
    // The byte length and where hours, minutes and seconds start.
    let (length, minute_at, second_at) = match (colons, minutes, seconds) {
        (true, _, true) => (9, Some(4), Some(7)),
        (false, _, true) => (7, Some(3), Some(5)),
        (true, _, false) => (6, Some(4), None),
        (false, true, false) => (5, Some(3), None),
        (false, false, _) => (3, None, None),
    };
    let text = value.get(..length).ok_or(Failure::Bad)?;
    if colons && (text.as_bytes()[3] != b':' || (seconds && text.as_bytes()[6] != b':')) {
        return Err(Failure::Bad);
    }
    let two = |at: Option<usize>| match at {
        Some(at) => text
            .get(at..at + 2)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<i32>().ok()),
        None => Some(0),
    };
    let (Some(hours), Some(minutes), Some(seconds)) =
        (two(Some(1)), two(minute_at), two(second_at))
    else {
        return Err(Failure::Bad);
    };
    let offset = (hours * 60 + minutes) * 60 + seconds;
    parsed.offset = Some(match text.as_bytes()[0] {
        b'+' => offset,
        b'-' => -offset,
        _ => return Err(Failure::Bad),
    });
    Ok(&value[length..])
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`.
fn zone_name_length(value: &str) -> Option<usize> {
    if value.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if let Some(after) = value.strip_prefix("GMT") {
        let signed = after.strip_prefix(['+', '-']);
        let digits = signed.map_or(0, |s| s.bytes().take_while(u8::is_ascii_digit).count());
        return Some(if digits > 0 { 4 + digits } else { 3 });
    }
    let upper = value
        .bytes()
        .take(6)
        .take_while(u8::is_ascii_uppercase)
        .count();
    match upper {
        3 => Some(3),
        4 if value.as_bytes()[3] == b'T' || value.starts_with("WITA") => Some(4),
        5 if value.as_bytes()[4] == b'T' => Some(5),
        _ => None,
    }
}

/// The time the fields describe, checked as Go checks it.
fn build(parsed: &Parsed) -> Result<DateTime<FixedOffset>, &'static str> {
    let mut hour = parsed.hour;
    match parsed.pm {
        Some(true) if hour < 12 => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    let date = match parsed.year_day {
        Some(year_day) => {
            let date =
                NaiveDate::from_yo_opt(parsed.year, year_day).ok_or("day-of-year out of range")?;
            if parsed
                .month
                .is_some_and(|m| m != chrono::Datelike::month(&date))
                || parsed
                    .day
                    .is_some_and(|d| d != chrono::Datelike::day(&date))
            {
                return Err("day-of-year does not match month");
            }
            date
        }
        None => NaiveDate::from_ymd_opt(
            parsed.year,
            parsed.month.unwrap_or(1),
            parsed.day.unwrap_or(1),
        )
        .ok_or("day out of range")?,
    };
    let time = date
        .and_hms_nano_opt(hour, parsed.minute, parsed.second, parsed.nanosecond)
        .ok_or("hour out of range")?;
    let offset = match (parsed.utc, parsed.offset, &parsed.zone_name) {
        (false, Some(offset), _) => offset,
        (false, None, Some(name)) => name
            .strip_prefix("GMT")
            .and_then(|h| h.parse::<i32>().ok())
            .map_or(0, |h| h * 3600),
        _ => 0,
    };
    let zone = FixedOffset::east_opt(offset).ok_or("zone offset out of range")?;
    zone.from_local_datetime(&time)
        .single()
        .ok_or("time out of range")
}

/// Formats `t` with a Go layout, as Go's `Time.Format`; `MST` in the layout writes `zone_name`.
pub fn format_time(t: &DateTime<FixedOffset>, layout: &str, zone_name: &str) -> String {
    let offset = t.offset().local_minus_utc();
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        let (sign, abs) = (if offset < 0 { '-' } else { '+' }, offset.unsigned_abs());
        let (oh, om, os) = (abs / 3600, abs / 60 % 60, abs % 60);
        let chunks: [(&str, String); 30] = [
            ("January", LONG_MONTHS[t.month0() as usize].to_string()),
            ("Jan", SHORT_MONTHS[t.month0() as usize].to_string()),
            (
                "Monday",
                LONG_DAYS[t.weekday().num_days_from_sunday() as usize].to_string(),
            ),
            (
                "Mon",
                SHORT_DAYS[t.weekday().num_days_from_sunday() as usize].to_string(),
            ),
            ("MST", zone_name.to_string()),
            ("2006", format!("{:04}", t.year())),
            ("002", format!("{:03}", t.ordinal())),
            ("06", format!("{:02}", t.year() % 100)),
            ("01", format!("{:02}", t.month())),
            ("02", format!("{:02}", t.day())),
            ("_2", format!("{:>2}", t.day())),
            ("15", format!("{:02}", t.hour())),
            ("03", format!("{hour12:02}")),
            ("04", format!("{:02}", t.minute())),
            ("05", format!("{:02}", t.second())),
            ("PM", if t.hour() >= 12 { "PM" } else { "AM" }.to_string()),
            ("pm", if t.hour() >= 12 { "pm" } else { "am" }.to_string()),
            (
                "Z07:00:00",
                if offset == 0 {
                    "Z".into()
                } else {
                    format!("{sign}{oh:02}:{om:02}:{os:02}")
                },
            ),
            ("-07:00:00", format!("{sign}{oh:02}:{om:02}:{os:02}")),
            (
                "Z07:00",
                if offset == 0 {
                    "Z".into()
                } else {
                    format!("{sign}{oh:02}:{om:02}")
                },
            ),
            ("-07:00", format!("{sign}{oh:02}:{om:02}")),
            (
                "Z0700",
                if offset == 0 {
                    "Z".into()
                } else {
                    format!("{sign}{oh:02}{om:02}")
                },
            ),
            ("-0700", format!("{sign}{oh:02}{om:02}")),
            (
                "Z07",
                if offset == 0 {
                    "Z".into()
                } else {
                    format!("{sign}{oh:02}")
                },
            ),
            ("-07", format!("{sign}{oh:02}")),
            ("1", t.month().to_string()),
            ("2", t.day().to_string()),
            ("3", hour12.to_string()),
            ("4", t.minute().to_string()),
            ("5", t.second().to_string()),
        ];
        // Fractional seconds: `.000` (fixed) or `.999` (trailing zeros dropped).
        for sep in ['.', ','] {
            if let Some(after) = rest.strip_prefix(sep) {
                let digits = after.chars().take_while(|c| *c == '0' || *c == '9').count();
                let first = after.chars().next();
                if digits > 0
                    && after[1..digits].chars().all(|c| Some(c) == first)
                    && !after[digits..].starts_with(|c: char| c.is_ascii_digit())
                {
                    let nanos = format!("{:09}", t.nanosecond());
                    let mut frac = nanos[..digits.min(9)].to_string();
                    if first == Some('9') {
                        frac = frac.trim_end_matches('0').to_string();
                        if !frac.is_empty() {
                            out.push(sep);
                        }
                    } else {
                        out.push(sep);
                    }
                    out.push_str(&frac);
                    rest = &after[digits..];
                    continue 'outer;
                }
            }
        }
        for (token, value) in &chunks {
            if rest.starts_with(token) {
                out.push_str(value);
                rest = &rest[token.len()..];
                continue 'outer;
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc3339(layout: &str, value: &str) -> String {
        match parse_time(layout, value) {
            Ok(time) => time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            Err(e) => e,
        }
    }

    #[test]
    fn layouts_as_go_reads_them() {
        let rfc = "2006-01-02T15:04:05Z07:00";
        assert_eq!(rfc3339(rfc, "2021-01-02T15:04:05Z"), "2021-01-02T15:04:05Z");
        assert_eq!(
            rfc3339(rfc, "2021-01-02T15:04:05.25+05:30"),
            "2021-01-02T15:04:05.250+05:30"
        );
        assert_eq!(rfc3339("2006-01-02", "2021-02-03"), "2021-02-03T00:00:00Z");
        assert_eq!(
            rfc3339("Jan 2, 2006 at 3:04pm (MST)", "Feb 3, 2013 at 7:54pm (PST)"),
            "2013-02-03T19:54:00Z"
        );
        assert_eq!(
            rfc3339(
                "Mon, 02 Jan 2006 15:04:05 -0700",
                "Tue, 10 Nov 2009 23:00:00 +0100"
            ),
            "2009-11-10T23:00:00+01:00"
        );
        assert_eq!(
            rfc3339("02/01/06 15:04:05.000", "31/12/99 23:59:58.123"),
            "1999-12-31T23:59:58.123Z"
        );
        assert_eq!(rfc3339("2006 002", "2020 060"), "2020-02-29T00:00:00Z");
        assert_eq!(
            rfc3339(rfc, "2021-01-02"),
            r#"parsing time "2021-01-02" as "2006-01-02T15:04:05Z07:00": cannot parse "" as "T""#
        );
        assert_eq!(
            rfc3339("2006-01-02", "2021-02-30"),
            r#"parsing time "2021-02-30": day out of range"#
        );
        assert_eq!(
            rfc3339("2006-01-02", "2021-13-01"),
            r#"parsing time "2021-13-01": month out of range"#
        );
        assert_eq!(
            rfc3339("2006", "2021x"),
            r#"parsing time "2021x": extra text: "x""#
        );
    }

    #[test]
    fn layouts_as_go_writes_them() {
        let time = parse_time(
            "2006-01-02T15:04:05.999999999Z07:00",
            "2009-11-10T23:04:05.120+01:00",
        )
        .unwrap();
        let format = |layout: &str| format_time(&time, layout, "CET");
        assert_eq!(
            format("2006-01-02T15:04:05Z07:00"),
            "2009-11-10T23:04:05+01:00"
        );
        assert_eq!(
            format("Mon Jan _2 3:04PM MST 06"),
            "Tue Nov 10 11:04PM CET 09"
        );
        assert_eq!(
            format("Monday, January 2 .000 .999"),
            "Tuesday, November 10 .120 .12"
        );
        assert_eq!(format("002 -0700 -07"), "314 +0100 +01");
    }
}
