//! Go's `encoding/json` string form.

use std::fmt::Write as _;

/// Appends `text` as Go's `encoding/json` writes a string: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`,
/// `\f`, other control characters and U+2028/U+2029 as `\u00XX`, and with `escape_html` (what
/// `json.Marshal` does) `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026`.
pub fn write_json_string(out: &mut String, text: &str, escape_html: bool) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(text: &str, escape_html: bool) -> String {
        let mut out = String::new();
        write_json_string(&mut out, text, escape_html);
        out
    }

    #[test]
    fn writes_strings_as_go_does() {
        assert_eq!(written("a\"b\\c\n\t", true), r#""a\"b\\c\n\t""#);
        assert_eq!(written("\u{8}\u{c}\u{1}", true), r#""\b\f\u0001""#);
        assert_eq!(written("<a&b>", true), r#""\u003ca\u0026b\u003e""#);
        assert_eq!(written("<a&b>", false), r#""<a&b>""#);
        assert_eq!(written("\u{2028}é", false), r#""\u2028é""#);
    }
}
