//! Sprig's dates: `now date dateInZone date_in_zone htmlDate htmlDateInZone unixEpoch`, with Go
//! layout strings (`2006-01-02T15:04:05Z07:00`). Zones: `UTC` and `Local` only.

use chrono::{DateTime, FixedOffset, Local, TimeZone as _, Utc};

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

/// Formats with a Go layout; `MST` is the zone's abbreviation (`UTC`, or the local zone's).
fn format_go(time: &DateTime<FixedOffset>, layout: &str, zone: &str) -> String {
    let zone_name = match time.offset().local_minus_utc() {
        0 if zone != "Local" => "UTC".to_string(),
        0 => Local::now().format("%Z").to_string(),
        _ => time.format("%Z").to_string(),
    };
    gostd::format_time(time, layout, &zone_name)
}

/// Go's `time.Time.String()` without the monotonic clock reading.
pub(crate) fn display(time: &DateTime<FixedOffset>) -> String {
    format_go(time, "2006-01-02 15:04:05.999999999 -0700 MST", "Local")
}
