//! Sprig's dates: `now date dateInZone date_in_zone htmlDate htmlDateInZone unixEpoch`, with Go
//! layout strings (`2006-01-02T15:04:05Z07:00`). Zones: `UTC` and `Local` only.

use chrono::{DateTime, Datelike as _, FixedOffset, Local, TimeZone as _, Timelike as _, Utc};

use super::{Table, Ty, fixed, text};
use crate::value::Value;

pub(super) fn register(table: &mut Table) {
    table.insert(
        "now",
        fixed(&[], |_| Ok(Value::Time(Local::now().fixed_offset()))),
    );
    table.insert(
        "date",
        fixed(&[Ty::Str, Ty::Any], |a| {
            in_zone(text(&a[0]), &a[1], "Local")
        }),
    );
    table.insert(
        "htmlDate",
        fixed(&[Ty::Any], |a| in_zone("2006-01-02", &a[0], "Local")),
    );
    table.insert(
        "dateInZone",
        fixed(&[Ty::Str, Ty::Any, Ty::Str], |a| {
            in_zone(text(&a[0]), &a[1], text(&a[2]))
        }),
    );
    table.insert(
        "date_in_zone",
        fixed(&[Ty::Str, Ty::Any, Ty::Str], |a| {
            in_zone(text(&a[0]), &a[1], text(&a[2]))
        }),
    );
    table.insert(
        "htmlDateInZone",
        fixed(&[Ty::Any, Ty::Str], |a| {
            in_zone("2006-01-02", &a[0], text(&a[1]))
        }),
    );
    table.insert(
        "unixEpoch",
        fixed(&[Ty::Any], |a| match &a[0] {
            Value::Time(t) => Ok(Value::String(t.timestamp().to_string())),
            other => Err(format!(
                "wrong type for value; expected time.Time; got {}",
                other.type_name()
            )),
        }),
    );
}

/// Sprig's `dateInZone`: a time, or Unix seconds as an `int`/`int64`; anything else is now.
fn in_zone(layout: &str, date: &Value, zone: &str) -> Result<Value, String> {
    let time = match date {
        Value::Time(t) => *t,
        Value::Int(secs) | Value::Int64(secs) => Utc
            .timestamp_opt(*secs, 0)
            .single()
            .ok_or_else(|| format!("time {secs} is out of range"))?
            .fixed_offset(),
        _ => Local::now().fixed_offset(),
    };
    let time = match zone {
        "UTC" | "" => time.with_timezone(&Utc).fixed_offset(),
        "Local" => time.with_timezone(&Local).fixed_offset(),
        other => {
            return Err(format!(
                "time zone {other:?} is not supported by kuttl-rs (UTC or Local)"
            ));
        }
    };
    Ok(Value::String(format_go(&time, layout, zone)))
}

/// Go's `time.Time.String()` without the monotonic clock reading.
pub(crate) fn display(time: &DateTime<FixedOffset>) -> String {
    format_go(time, "2006-01-02 15:04:05.999999999 -0700 MST", "Local")
}

const MONTHS: [&str; 12] = [
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
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Formats with a Go layout (reference time `Mon Jan 2 15:04:05 MST 2006`).
fn format_go(t: &DateTime<FixedOffset>, layout: &str, zone: &str) -> String {
    let offset = t.offset().local_minus_utc();
    let zone_name = if offset == 0 && zone != "Local" {
        "UTC".to_string()
    } else if offset == 0 {
        Local::now().format("%Z").to_string()
    } else {
        t.format("%Z").to_string()
    };
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
            ("January", MONTHS[t.month0() as usize].to_string()),
            ("Jan", MONTHS[t.month0() as usize][..3].to_string()),
            (
                "Monday",
                DAYS[t.weekday().num_days_from_sunday() as usize].to_string(),
            ),
            (
                "Mon",
                DAYS[t.weekday().num_days_from_sunday() as usize][..3].to_string(),
            ),
            ("MST", zone_name.clone()),
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
