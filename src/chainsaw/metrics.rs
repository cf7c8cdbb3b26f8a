//! `x_metrics_decode`: the Prometheus text format into samples, as Chainsaw's `pkg/metrics`
//! decodes it with `expfmt`: each sample is `{"metric": {"__name__": …, labels…}, "value":
//! [<seconds>, "<value>"]}` (the JSON of Go's `model.Sample`), sorted as Go sorts a
//! `model.Vector`. A sample without a timestamp gets `now`.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Value, json};

/// One sample: its labels (the name as `__name__`), value and time in milliseconds.
struct Sample {
    labels: BTreeMap<String, String>,
    value: f64,
    millis: i64,
}

/// Decodes `text`; `now_millis` stamps samples that carry no timestamp.
///
/// # Errors
///
/// A line that is not a comment, blank or a sample, with its line number.
pub(crate) fn decode(text: &str, now_millis: i64) -> Result<Value, String> {
    let mut samples = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let sample = parse_line(line, now_millis)
            .map_err(|err| format!("text format parsing error in line {}: {err}", index + 1))?;
        samples.push(sample);
    }
    samples.sort_by(order);
    Ok(Value::Array(samples.iter().map(to_json).collect()))
}

fn parse_line(line: &str, now_millis: i64) -> Result<Sample, String> {
    let name_len = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(line.len());
    let name = &line[..name_len];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!("invalid metric name in {line:?}"));
    }
    let mut labels = BTreeMap::from([("__name__".to_string(), name.to_string())]);
    let mut rest = &line[name_len..];
    if let Some(inner) = rest.strip_prefix('{') {
        rest = parse_labels(inner, &mut labels)?;
    }
    let mut fields = rest.split_whitespace();
    let value = fields
        .next()
        .ok_or_else(|| format!("expected a value in {line:?}"))?;
    let value =
        parse_value(value).ok_or_else(|| format!("expected float as value, got {value:?}"))?;
    let millis = match fields.next() {
        Some(stamp) => stamp
            .parse()
            .map_err(|_| format!("expected integer as timestamp, got {stamp:?}"))?,
        None => now_millis,
    };
    if let Some(extra) = fields.next() {
        return Err(format!("spurious string after timestamp: {extra:?}"));
    }
    Ok(Sample {
        labels,
        value,
        millis,
    })
}

/// Reads `name="value",…}` and returns what follows the `}`.
fn parse_labels<'a>(
    mut rest: &'a str,
    labels: &mut BTreeMap<String, String>,
) -> Result<&'a str, String> {
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix('}') {
            return Ok(after);
        }
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| format!("expected '=' after label name in {rest:?}"))?;
        let name = name.trim();
        let mut chars = after
            .trim_start()
            .strip_prefix('"')
            .ok_or("expected '\"' to start a label value")?
            .chars();
        let mut value = String::new();
        loop {
            match chars.next() {
                None => return Err("label value not closed".into()),
                Some('"') => break,
                Some('\\') => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(c @ ('\\' | '"')) => value.push(c),
                    other => {
                        return Err(format!(
                            "invalid escape sequence '\\{}'",
                            other.unwrap_or(' ')
                        ));
                    }
                },
                Some(c) => value.push(c),
            }
        }
        if labels.insert(name.to_string(), value).is_some() {
            return Err(format!("duplicate label name {name:?}"));
        }
        rest = chars.as_str().trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

fn parse_value(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => text.parse().ok(),
    }
}

/// Go's `Vector.Less`: by label set (`LabelSet.Before`), then by time.
fn order(a: &Sample, b: &Sample) -> Ordering {
    if before(&a.labels, &b.labels) {
        Ordering::Less
    } else if before(&b.labels, &a.labels) {
        Ordering::Greater
    } else {
        a.millis.cmp(&b.millis)
    }
}

/// Go's `LabelSet.Before`: fewer labels first, then the first differing label in name order.
fn before(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> bool {
    if a.len() != b.len() {
        return a.len() < b.len();
    }
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    for name in names {
        let (Some(mine), Some(theirs)) = (a.get(name), b.get(name)) else {
            return !a.contains_key(name);
        };
        match mine.cmp(theirs) {
            Ordering::Equal => {}
            other => return other == Ordering::Less,
        }
    }
    false
}

fn to_json(sample: &Sample) -> Value {
    let seconds = sample.millis as f64 / 1000.0;
    json!({"metric": sample.labels, "value": [seconds, go_float(sample.value)]})
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`.
fn go_float(value: f64) -> String {
    match value {
        v if v.is_nan() => "NaN".into(),
        f64::INFINITY => "+Inf".into(),
        f64::NEG_INFINITY => "-Inf".into(),
        v => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAINSAW_EXAMPLE: &str = r#"
# Only a quite simple scenario with two metric families.
# TYPE mf2 counter
mf2 3
mf1{label="value1"} -3.14 123456
mf1{label="value2"} 42
mf2 4
"#;

    #[test]
    fn decodes_and_sorts_as_expfmt_and_model_vector_do() {
        let decoded = decode(CHAINSAW_EXAMPLE, 1_000).unwrap();
        assert_eq!(
            decoded,
            json!([
                {"metric": {"__name__": "mf2"}, "value": [1.0, "3"]},
                {"metric": {"__name__": "mf2"}, "value": [1.0, "4"]},
                {"metric": {"__name__": "mf1", "label": "value1"}, "value": [123.456, "-3.14"]},
                {"metric": {"__name__": "mf1", "label": "value2"}, "value": [1.0, "42"]},
            ])
        );
    }

    #[test]
    fn labels_unescape_and_bad_lines_name_their_line() {
        let decoded = decode("m{a=\"x\\\"y\\n\",b=\"\"} +Inf", 0).unwrap();
        assert_eq!(decoded[0]["metric"]["a"], "x\"y\n");
        assert_eq!(decoded[0]["value"][1], "+Inf");
        assert_eq!(
            decode("ok 1\nbad{a=\"x 2", 0).unwrap_err(),
            "text format parsing error in line 2: label value not closed"
        );
        assert!(decode("m one", 0).unwrap_err().contains("expected float"));
    }
}
