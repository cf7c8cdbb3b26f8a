//! Kyverno's time functions: timestamps in RFC 3339 or a Go layout, and Go durations.

use chrono::{DateTime, Datelike, FixedOffset, SecondsFormat, Timelike, Utc};
use serde_json::Value;

use super::kyverno::failed;
use super::kyverno_arithmetic::{format_duration, parse_duration};
use super::{ArgSpec, ArgType as T, Functions, string_arg};
use crate::FunctionError;

const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

pub(super) fn register(functions: &mut Functions) {
    let strings = |count: usize| vec![ArgSpec::new(&[T::String]); count];
    functions.register("time_since", strings(3), |args| {
        let layout = if string_arg(&args[0]).is_empty() {
            RFC3339
        } else {
            string_arg(&args[0])
        };
        let start = time_in(layout, &args[1])?;
        let end = if string_arg(&args[2]).is_empty() {
            Utc::now().fixed_offset()
        } else {
            time_in(layout, &args[2])?
        };
        Ok(difference(start, end))
    });
    // No parameters: as in Go, the arguments are not checked.
    functions.register("time_now", Vec::new(), |_| {
        Ok(format(chrono::Local::now().fixed_offset()))
    });
    functions.register("time_now_utc", Vec::new(), |_| {
        Ok(format(Utc::now().fixed_offset()))
    });
    functions.register("time_to_cron", strings(1), |args| {
        let t = time(&args[0])?;
        let weekday = t.weekday().num_days_from_sunday();
        Ok(format!(
            "{} {} {} {} {weekday}",
            t.minute(),
            t.hour(),
            t.day(),
            t.month()
        )
        .into())
    });
    functions.register("time_add", strings(2), |args| {
        let t = time(&args[0])?;
        let nanos = duration(&args[1])?;
        t.checked_add_signed(chrono::TimeDelta::nanoseconds(nanos))
            .map(format)
            .ok_or_else(|| failed("time_add", "time out of range"))
    });
    functions.register("time_parse", strings(2), |args| {
        time_in(string_arg(&args[0]), &args[1]).map(format)
    });
    functions.register("time_utc", strings(1), |args| {
        Ok(format(time(&args[0])?.with_timezone(&Utc).fixed_offset()))
    });
    functions.register("time_diff", strings(2), |args| {
        Ok(difference(time(&args[0])?, time(&args[1])?))
    });
    functions.register("time_before", strings(2), |args| {
        Ok(Value::Bool(time(&args[0])? < time(&args[1])?))
    });
    functions.register("time_after", strings(2), |args| {
        Ok(Value::Bool(time(&args[0])? > time(&args[1])?))
    });
    functions.register("time_between", strings(3), |args| {
        let (t, start, end) = (time(&args[0])?, time(&args[1])?, time(&args[2])?);
        Ok(Value::Bool(t > start && t < end))
    });
    functions.register("time_truncate", strings(2), |args| {
        let t = time(&args[0])?;
        let step = duration(&args[1])?;
        if step <= 0 {
            return Ok(format(t));
        }
        // Go truncates the time elapsed since its zero time, 0001-01-01 UTC.
        const ZERO_TIME_TO_UNIX_SECONDS: i128 = 62_135_596_800;
        let since_zero = i128::from(t.timestamp()) * 1_000_000_000
            + i128::from(t.timestamp_subsec_nanos())
            + ZERO_TIME_TO_UNIX_SECONDS * 1_000_000_000;
        let excess = i64::try_from(since_zero.rem_euclid(i128::from(step))).unwrap_or(0);
        t.checked_sub_signed(chrono::TimeDelta::nanoseconds(excess))
            .map(format)
            .ok_or_else(|| failed("time_truncate", "time out of range"))
    });
}

/// Go's `time.Parse(time.RFC3339, …)`.
fn time(value: &Value) -> Result<DateTime<FixedOffset>, FunctionError> {
    time_in(RFC3339, value)
}

/// Go's `time.Parse(layout, …)`.
fn time_in(layout: &str, value: &Value) -> Result<DateTime<FixedOffset>, FunctionError> {
    gostd::parse_time(layout, string_arg(value)).map_err(FunctionError::Failed)
}

fn duration(value: &Value) -> Result<i64, FunctionError> {
    parse_duration(string_arg(value)).ok_or_else(|| {
        FunctionError::Failed(format!("time: invalid duration {:?}", string_arg(value)))
    })
}

/// `Format(time.RFC3339)`: whole seconds, `Z` for UTC.
fn format(t: DateTime<FixedOffset>) -> Value {
    t.to_rfc3339_opts(SecondsFormat::Secs, true).into()
}

/// `end.Sub(start).String()`.
fn difference(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> Value {
    let nanos = (end - start).num_nanoseconds().unwrap_or(i64::MAX);
    format_duration(nanos).into()
}
