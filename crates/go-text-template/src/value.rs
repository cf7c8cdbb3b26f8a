//! The values a template works on, with the Go type each one stands for (what `%T`, type errors
//! and sprig's conversions see).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A Go map: shared, so `set` changes it for every variable holding it.
pub(crate) type Dict = Rc<RefCell<BTreeMap<String, Value>>>;

/// The element type of a list or map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Elem {
    /// `interface {}`
    Any,
    /// `string`
    String,
    /// `int`
    Int,
    /// `[]interface {}`
    AnyList,
}

impl Elem {
    fn go_name(self) -> &'static str {
        match self {
            Elem::Any => "interface {}",
            Elem::String => "string",
            Elem::Int => "int",
            Elem::AnyList => "[]interface {}",
        }
    }
}

/// The [`Value::weight`] of a list or map, and of each element: about what allocating and
/// copying one costs next to copying a byte.
const CONTAINER: u64 = 100;
const ELEMENT: u64 = 10;

/// A Go value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// No value at all (Go's invalid `reflect.Value`, e.g. a missing map key): prints `<no value>`.
    Missing,
    /// An `interface {}` holding nil (a YAML/JSON `null`, sprig's "no result"): prints `<nil>`.
    Nil,
    Bool(bool),
    /// Go `int`.
    Int(i64),
    /// Go `int64` (sprig's conversions return it).
    Int64(i64),
    Float(f64),
    String(String),
    List(Elem, Vec<Value>),
    Map(Elem, Dict),
    /// The template's data: KUTTL's `template.Env{Namespace, Vars}`.
    Env(String, Dict),
    /// A `time.Time` (sprig's `now`).
    Time(chrono::DateTime<chrono::FixedOffset>),
}

impl Value {
    /// A `[]interface {}`.
    pub(crate) fn list(items: Vec<Value>) -> Self {
        Value::List(Elem::Any, items)
    }

    /// A `[]string`.
    pub(crate) fn strings(items: impl IntoIterator<Item = String>) -> Self {
        Value::List(Elem::String, items.into_iter().map(Value::String).collect())
    }

    /// A `map[string]interface {}`.
    pub(crate) fn dict(entries: BTreeMap<String, Value>) -> Self {
        Self::map_of(Elem::Any, entries)
    }

    /// A map with values of type `elem`.
    pub(crate) fn map_of(elem: Elem, entries: BTreeMap<String, Value>) -> Self {
        Value::Map(elem, Rc::new(RefCell::new(entries)))
    }

    /// Go's type name, as `%T` prints it.
    pub(crate) fn type_name(&self) -> String {
        match self {
            Value::Missing | Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) => "int".into(),
            Value::Int64(_) => "int64".into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::List(elem, _) => format!("[]{}", elem.go_name()),
            Value::Map(elem, _) => format!("map[string]{}", elem.go_name()),
            Value::Env(..) => "template.Env".into(),
            Value::Time(_) => "time.Time".into(),
        }
    }

    /// Go's `reflect.Kind` name, as sprig's `kindOf` returns it.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self {
            Value::Missing | Value::Nil => "invalid",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Int64(_) => "int64",
            Value::Float(_) => "float64",
            Value::String(_) => "string",
            Value::List(..) => "slice",
            Value::Map(..) => "map",
            Value::Env(..) | Value::Time(_) => "struct",
        }
    }

    /// Go's truth (`if`, `with`, `and`, `or`, `not`): not the zero value of its type.
    pub(crate) fn is_true(&self) -> bool {
        match self {
            Value::Missing | Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i) | Value::Int64(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::List(_, items) => !items.is_empty(),
            Value::Map(_, entries) => !entries.borrow().is_empty(),
            Value::Env(..) | Value::Time(_) => true,
        }
    }

    /// Reads a JSON value as Go's `encoding/json` decodes into `interface {}`: numbers are
    /// `float64`, objects `map[string]interface {}`.
    pub(crate) fn from_json(json: &serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Nil,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::list(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(entries) => Value::dict(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Shallow size: bytes of a string, elements of a list or map, 1 for anything else.
    pub(crate) fn size(&self) -> usize {
        match self {
            Value::String(s) => s.len(),
            Value::List(_, items) => items.len(),
            Value::Map(_, entries) | Value::Env(_, entries) => entries.borrow().len(),
            _ => 1,
        }
    }

    /// Roughly what copying, printing or scanning it costs: a string's bytes, [`ELEMENT`] an
    /// element of a list or map (and its key's bytes), [`CONTAINER`] a list or map, through nested
    /// ones (a map shared by several holders once per holder). Counting stops once past `cap`.
    pub(crate) fn weight(&self, cap: u64) -> u64 {
        let mut total = CONTAINER;
        let mut add = |extra: u64, value: &Value| {
            total += ELEMENT + extra + value.weight(cap.saturating_sub(total));
            total <= cap
        };
        match self {
            Value::String(s) => return s.len() as u64,
            Value::List(_, items) => {
                items.iter().all(|item| add(0, item));
            }
            Value::Map(_, entries) | Value::Env(_, entries) => {
                let entries = entries.borrow();
                entries
                    .iter()
                    .all(|(key, value)| add(key.len() as u64, value));
            }
            _ => return 1,
        }
        total
    }

    /// Whether `dict` is this map or is reached through it.
    pub(crate) fn holds(&self, dict: &Dict) -> bool {
        match self {
            Value::List(_, items) => items.iter().any(|item| item.holds(dict)),
            Value::Map(_, entries) | Value::Env(_, entries) => {
                Rc::ptr_eq(entries, dict) || entries.borrow().values().any(|v| v.holds(dict))
            }
            _ => false,
        }
    }

    /// The string inside, if this is a Go string.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

/// KUTTL's template data: `.Namespace` and `.Vars` (deep-copied per file by construction).
pub(crate) fn env(namespace: &str, vars: &BTreeMap<String, serde_json::Value>) -> Value {
    // KUTTL copies the data through JSON, so every number in `.Vars` is a float64.
    let vars = vars
        .iter()
        .map(|(k, v)| (k.clone(), Value::from_json(v)))
        .collect();
    Value::Env(namespace.to_string(), Rc::new(RefCell::new(vars)))
}
