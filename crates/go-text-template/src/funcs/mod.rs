//! The functions a template can call: Go's builtins and the sprig v3 families kuttl-rs
//! implements, each with its Go parameter types (so type errors read as Go's), and the sprig
//! functions it does not implement (a parse error that names them).

mod builtins;
mod convert;
mod defaults;
mod dicts;
mod encoding;
mod lists;
mod math;
mod regex;
mod strings;
mod time;

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use super::value::Value;

/// A Go parameter type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    /// `interface {}`
    Any,
    Str,
    Int,
    Float,
    Bool,
    /// `map[string]interface {}`
    Map,
    /// `reflect.Value` (Go's builtins: no conversion at all)
    Reflect,
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ty::Any => "interface {}",
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Float => "float64",
            Ty::Bool => "bool",
            Ty::Map => "map[string]interface {}",
            Ty::Reflect => "reflect.Value",
        })
    }
}

impl Ty {
    /// The value `nil` or a missing value becomes, when the type can be nil.
    pub(crate) fn zero(self) -> Option<Value> {
        match self {
            Ty::Any => Some(Value::Nil),
            Ty::Reflect => Some(Value::Missing),
            Ty::Map => Some(Value::dict(Default::default())),
            Ty::Str | Ty::Int | Ty::Float | Ty::Bool => None,
        }
    }

    /// Whether a value of this Go type can be passed as is.
    pub(crate) fn accepts(self, value: &Value) -> bool {
        use super::value::Elem;
        match self {
            Ty::Any | Ty::Reflect => true,
            Ty::Str => matches!(value, Value::String(_)),
            Ty::Int => matches!(value, Value::Int(_)),
            Ty::Float => matches!(value, Value::Float(_)),
            Ty::Bool => matches!(value, Value::Bool(_)),
            Ty::Map => matches!(value, Value::Map(Elem::Any, _)),
        }
    }
}

/// A callable function: fixed parameters, an optional variadic one, and the body.
#[derive(Clone, Copy)]
pub(crate) struct Func {
    pub params: &'static [Ty],
    pub variadic: Option<Ty>,
    pub call: fn(Vec<Value>) -> Result<Value, String>,
}

/// The largest string (bytes), list or map (elements) a function may return, and the largest
/// rendered text: far beyond any manifest, well before memory runs out. Go has no such limit.
pub(crate) const MAX_LEN: usize = 16 << 20;

/// Fails when a result of `len` bytes or elements would pass [`MAX_LEN`]; functions whose result
/// can outgrow their arguments (`repeat`, `until`, …) check before building it.
pub(crate) fn check_size(len: usize) -> Result<(), String> {
    if len > MAX_LEN {
        return Err(format!("result exceeds maximum size ({MAX_LEN})"));
    }
    Ok(())
}

/// Registers functions into the table.
type Table = HashMap<&'static str, Func>;

/// Registers one function under several names, such as a sprig function and its `must…` form
/// (kuttl-rs reports an error from either as a template error, so they behave alike).
fn insert_as(table: &mut Table, names: &[&'static str], func: Func) {
    for name in names {
        table.insert(name, func);
    }
}

fn fixed(params: &'static [Ty], call: fn(Vec<Value>) -> Result<Value, String>) -> Func {
    Func {
        params,
        variadic: None,
        call,
    }
}

fn variadic(
    params: &'static [Ty],
    rest: Ty,
    call: fn(Vec<Value>) -> Result<Value, String>,
) -> Func {
    Func {
        params,
        variadic: Some(rest),
        call,
    }
}

static FUNCS: LazyLock<Table> = LazyLock::new(|| {
    let mut table = Table::new();
    builtins::register(&mut table);
    strings::register(&mut table);
    defaults::register(&mut table);
    convert::register(&mut table);
    lists::register(&mut table);
    dicts::register(&mut table);
    math::register(&mut table);
    encoding::register(&mut table);
    regex::register(&mut table);
    time::register(&mut table);
    table
});

/// Sprig v3 functions kuttl-rs does not implement (crypto, network, randomness with state, …).
const UNSUPPORTED: &[&str] = &[
    "ago",
    "bcrypt",
    "buildCustomCert",
    "decryptAES",
    "derivePassword",
    "duration",
    "durationRound",
    "encryptAES",
    "genCA",
    "genCAWithKey",
    "genPrivateKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "getHostByName",
    "htpasswd",
    "randBytes",
    "randInt",
    "shuffle",
    "toDecimal",
    "urlJoin",
    "urlParse",
    "date_modify",
    "dateModify",
    "mustDateModify",
    "toDate",
    "mustToDate",
    "semver",
    "semverCompare",
    "typeIsLike",
    "deepEqual",
    "hello",
    "base",
    "dir",
    "clean",
    "ext",
    "isAbs",
    "osBase",
    "osClean",
    "osDir",
    "osExt",
    "osIsAbs",
    "wrapWith",
    "tuple",
    "all",
    "any",
    "randAscii",
    "abbrevboth",
    "biggest",
    "maxf",
    "minf",
];

/// The function called `name`.
pub(crate) fn lookup(name: &str) -> Option<&'static Func> {
    FUNCS.get(name)
}

/// Whether a template may name `name`: `Err` is the parse error's reason.
pub(crate) fn check(name: &str) -> Result<(), String> {
    if FUNCS.contains_key(name) {
        Ok(())
    } else if UNSUPPORTED.contains(&name) {
        Err(format!("function {name:?} is not supported by kuttl-rs"))
    } else {
        Err(format!("function {name:?} not defined"))
    }
}

/// Go's `time.Time.String()`.
pub(crate) fn time_display(time: &chrono::DateTime<chrono::FixedOffset>) -> String {
    time::display(time)
}

/// The string of a parameter already checked to be a string.
fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// The integer of a parameter already checked to be an `int` or `int64`.
fn int(value: &Value) -> i64 {
    match value {
        Value::Int(i) | Value::Int64(i) => *i,
        _ => 0,
    }
}

/// Go's `reflect.Kind` of a value, as sprig's "Cannot … on type X" errors name it.
fn kind(value: &Value) -> &'static str {
    value.kind_name()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name in sprig v3's function map.
    const SPRIG: &str = "ago date dateInZone dateModify duration durationRound htmlDate \
        htmlDateInZone mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth trunc trim \
        upper lower title untitle substr repeat trimall trimAll trimSuffix trimPrefix nospace \
        initials randAlphaNum randAlpha randAscii randNumeric swapcase shuffle snakecase camelcase \
        kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat indent nindent \
        replace plural sha1sum sha256sum adler32sum toString atoi int64 int float64 seq toDecimal \
        split splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f \
        addf subf divf mulf biggest max min maxf minf ceil floor round join sortAlpha default \
        empty coalesce all any compact mustCompact fromJson toJson toPrettyJson toRawJson \
        mustFromJson mustToJson mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf \
        typeIs typeIsLike kindOf kindIs deepEqual env expandenv getHostByName base dir clean ext \
        isAbs osBase osClean osDir osExt osIsAbs b64enc b64dec b32enc b32dec tuple list dict get \
        set unset hasKey pluck keys pick omit merge mergeOverwrite mustMerge mustMergeOverwrite \
        values append push mustAppend mustPush prepend mustPrepend first mustFirst rest mustRest \
        last mustLast initial mustInitial reverse mustReverse uniq mustUniq without mustWithout has \
        mustHas slice mustSlice concat dig chunk mustChunk bcrypt htpasswd genPrivateKey \
        derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert \
        genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES \
        randBytes uuidv4 semver semverCompare fail regexMatch mustRegexMatch regexFindAll \
        mustRegexFindAll regexFind mustRegexFind regexReplaceAll mustRegexReplaceAll \
        regexReplaceAllLiteral mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta \
        urlParse urlJoin hello date_in_zone date_modify";

    #[test]
    fn every_sprig_function_is_implemented_or_named_as_unsupported() {
        for name in SPRIG.split_whitespace() {
            match check(name) {
                Ok(()) => assert!(!UNSUPPORTED.contains(&name), "{name} is both"),
                Err(err) => assert_eq!(
                    err,
                    format!("function {name:?} is not supported by kuttl-rs")
                ),
            }
        }
        assert_eq!(
            check("nosuch"),
            Err("function \"nosuch\" not defined".to_string())
        );
    }

    fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
        (lookup(name).expect("a function").call)(args)
    }

    fn string(value: Result<Value, String>) -> String {
        match value {
            Ok(Value::String(s)) => s,
            other => panic!("not a string: {other:?}"),
        }
    }

    #[test]
    fn random_strings_have_the_length_and_charset_asked_for() {
        type Charset = fn(char) -> bool;
        let cases: [(&str, Charset); 3] = [
            ("randAlphaNum", |c| c.is_ascii_alphanumeric()),
            ("randAlpha", |c| c.is_ascii_alphabetic()),
            ("randNumeric", |c| c.is_ascii_digit()),
        ];
        for (name, allowed) in cases {
            let s = string(call(name, vec![Value::Int(64)]));
            assert_eq!(s.len(), 64, "{name}");
            assert!(s.chars().all(allowed), "{name}: {s}");
        }
        assert_ne!(
            string(call("randAlphaNum", vec![Value::Int(32)])),
            string(call("randAlphaNum", vec![Value::Int(32)]))
        );
    }

    #[test]
    fn uuidv4_is_a_random_version_4_uuid() {
        let id = string(call("uuidv4", vec![]));
        let re = ::regex::Regex::new(
            "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        )
        .unwrap();
        assert!(re.is_match(&id), "{id}");
        assert_ne!(id, string(call("uuidv4", vec![])));
    }

    #[test]
    fn now_formats_with_go_layouts() {
        let now = call("now", vec![]).unwrap();
        let year = string(call(
            "date",
            vec![Value::String("2006".into()), now.clone()],
        ));
        assert_eq!(year, chrono::Local::now().format("%Y").to_string());
        let stamp = string(call(
            "dateInZone",
            vec![
                Value::String("2006-01-02T15:04:05Z07:00".into()),
                now.clone(),
                Value::String("UTC".into()),
            ],
        ));
        let re = ::regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$").unwrap();
        assert!(re.is_match(&stamp), "{stamp}");
        let epoch: i64 = string(call("unixEpoch", vec![now])).parse().unwrap();
        assert!((epoch - chrono::Utc::now().timestamp()).abs() < 5);
        assert_eq!(
            call(
                "dateInZone",
                vec![
                    Value::String("2006".into()),
                    Value::Int(0),
                    Value::String("Europe/Paris".into()),
                ]
            ),
            Err("time zone \"Europe/Paris\" is not supported by kuttl-rs (UTC or Local)".into())
        );
    }

    #[test]
    fn a_bad_pattern_fails_with_gos_prefix() {
        let err = call(
            "regexFind",
            vec![Value::String("(".into()), Value::String("x".into())],
        )
        .unwrap_err();
        assert!(
            err.starts_with("regexp: Compile(`(`): error parsing regexp: "),
            "{err}"
        );
    }
}
