//! Secret values never leave the cluster: before kuttl-rs shows an object (a mismatch line, a
//! diff, a state seen during an assert window, a typed test's wait failure), every value under
//! `data` and `stringData` of a `v1/Secret`, and under each field a collection lists in
//! `maskFields`, becomes `<secret N bytes hmac:…>`.
//!
//! `N` is the decoded length (a Secret's `data` is base64) and the tag is an HMAC-SHA256 of the
//! decoded bytes under a key drawn once per process: equal values show the same tag, on the
//! expected and on the actual side, so a diff still shows which key differs; a short password
//! cannot be found by hashing guesses, because the key never leaves the process.
//!
//! `kubectl apply` keeps a copy of the applied object as JSON text in the annotation
//! `kubectl.kubernetes.io/last-applied-configuration`. That copy is parsed and masked with the same
//! rules (its own kind decides), and shown as compact JSON; when it is not readable JSON and the
//! object is of a masked kind, it is replaced by a note saying it is not shown.
//!
//! Matching always uses the real values: only what is shown is masked.

use std::sync::LazyLock;

use base64::Engine as _;
use serde_json::Value;

/// Where values are masked: the built-in Secret fields plus the collection's `maskFields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masks {
    fields: Vec<MaskField>,
}

/// One masked field: a path, for objects of a kind (and apiVersion) or of every kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskField {
    /// `None`: every kind.
    pub kind: Option<String>,
    /// `None`: every apiVersion.
    pub api_version: Option<String>,
    /// Map keys from the object's root; `*` is any key or every list item.
    pub path: Vec<String>,
    /// The value is base64 (a Secret's `data`): its decoded bytes are measured and tagged.
    base64: bool,
}

/// A `maskFields` path that cannot name a field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "path {0:?} is not a field path: use map keys separated by dots (`spec.auth.token`), `*` for any key or every list item"
)]
pub struct BadMaskPath(pub String);

impl MaskField {
    /// A field named by a dotted path (`spec.auth.token`, `data.*`), optionally with a leading
    /// `$.` or `.` as in JSON paths.
    ///
    /// # Errors
    ///
    /// [`BadMaskPath`] for an empty path or an empty key.
    pub fn new(
        kind: Option<String>,
        api_version: Option<String>,
        path: &str,
    ) -> Result<Self, BadMaskPath> {
        let trimmed = path
            .strip_prefix("$.")
            .or_else(|| path.strip_prefix('.'))
            .unwrap_or(path);
        let path_segments: Vec<String> = trimmed.split('.').map(str::to_string).collect();
        if trimmed.is_empty() || path_segments.iter().any(String::is_empty) {
            return Err(BadMaskPath(path.to_string()));
        }
        Ok(Self {
            kind,
            api_version,
            path: path_segments,
            base64: false,
        })
    }

    fn secret(field: &str, base64: bool) -> Self {
        Self {
            kind: Some("Secret".into()),
            api_version: Some("v1".into()),
            path: vec![field.into(), "*".into()],
            base64,
        }
    }

    fn applies_to(&self, object: &Value) -> bool {
        let is = |field: &str, wanted: &Option<String>| {
            wanted
                .as_deref()
                .is_none_or(|wanted| object.get(field).and_then(Value::as_str) == Some(wanted))
        };
        is("kind", &self.kind) && is("apiVersion", &self.api_version)
    }
}

impl Default for Masks {
    /// The Secret fields alone.
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl Masks {
    /// The Secret fields, then `fields`.
    pub fn new(fields: Vec<MaskField>) -> Self {
        let mut all = vec![
            MaskField::secret("data", true),
            MaskField::secret("stringData", false),
        ];
        all.extend(fields);
        Self { fields: all }
    }

    /// `object` as it may be shown; `None` when nothing in it is masked.
    pub(crate) fn masked(&self, object: &Value) -> Option<Value> {
        let mut shown = object.clone();
        let mut changed = false;
        let mut masked_kind = false;
        for field in self.fields.iter().filter(|field| field.applies_to(object)) {
            masked_kind = true;
            changed |= mask_at(&mut shown, &field.path, field.base64);
        }
        if let Some(copy) = shown.pointer_mut(LAST_APPLIED) {
            let replacement = match last_applied(copy) {
                Some(parsed) => self
                    .masked(&parsed)
                    .map(|masked| Value::String(masked.to_string())),
                None if masked_kind && copy.is_string() => {
                    Some(Value::String(LAST_APPLIED_NOT_SHOWN.into()))
                }
                None => None,
            };
            if let Some(replacement) = replacement {
                *copy = replacement;
                changed = true;
            }
        }
        changed.then_some(shown)
    }

    /// The real values `object` holds in masked fields as text may quote them (a Secret's data
    /// and stringData both decoded and as base64), each with its mask, longest first: for scrubbing free text
    /// such as events.
    pub(crate) fn quoted_in(&self, object: &Value) -> Vec<Quoted> {
        let mut quoted = object
            .pointer(LAST_APPLIED)
            .and_then(last_applied)
            .map(|copy| self.quoted_in(&copy))
            .unwrap_or_default();
        for field in self.fields.iter().filter(|field| field.applies_to(object)) {
            collect_at(object, &field.path, &mut |value| {
                let text = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                let bytes = value_bytes(value, field.base64);
                // Short values (`1`, `true`) would mask unrelated text.
                if bytes.len() < MIN_SCRUBBED_LEN {
                    return;
                }
                let mask = label(&bytes);
                // Whichever form the object holds, the cluster also shows the other: a
                // `stringData` value comes back base64 in `data`.
                let encoded = base64::engine::general_purpose::STANDARD.encode(&bytes);
                if let Ok(decoded) = String::from_utf8(bytes) {
                    quoted.push(Quoted {
                        text: decoded,
                        mask: mask.clone(),
                    });
                }
                quoted.push(Quoted {
                    text: encoded,
                    mask: mask.clone(),
                });
                quoted.push(Quoted { text, mask });
            });
        }
        quoted.sort_by(|a, b| b.text.len().cmp(&a.text.len()).then(a.text.cmp(&b.text)));
        quoted.dedup();
        quoted
    }
}

/// Where `kubectl apply` keeps its copy of the applied object (a JSON pointer).
const LAST_APPLIED: &str =
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration";

/// What replaces a copy of a masked object that cannot be read to be masked.
const LAST_APPLIED_NOT_SHOWN: &str =
    "<not shown: kuttl-rs cannot read this copy of a masked object to mask it>";

/// The object in a last-applied-configuration annotation, when it is JSON text of an object.
fn last_applied(annotation: &Value) -> Option<Value> {
    serde_json::from_str::<Value>(annotation.as_str()?)
        .ok()
        .filter(Value::is_object)
}

/// A masked value as free text may quote it, and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Quoted {
    pub text: String,
    pub mask: String,
}

/// Values shorter than this are not scrubbed from free text.
const MIN_SCRUBBED_LEN: usize = 4;

/// `text` with each quoted value replaced by its mask.
pub(crate) fn scrub(text: &str, quoted: &[Quoted]) -> String {
    quoted.iter().fold(text.to_string(), |text, quoted| {
        text.replace(quoted.text.as_str(), &quoted.mask)
    })
}

/// The bytes a value stands for: a base64 field's decoded bytes (its text when not base64), a
/// string's bytes, another value's JSON text.
fn value_bytes(value: &Value, base64: bool) -> Vec<u8> {
    match value {
        Value::String(text) if base64 => base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_else(|_| text.as_bytes().to_vec()),
        Value::String(text) => text.as_bytes().to_vec(),
        other => other.to_string().into_bytes(),
    }
}

fn mask_at(value: &mut Value, path: &[String], base64: bool) -> bool {
    let Some((first, rest)) = path.split_first() else {
        if value.is_null() {
            return false;
        }
        *value = Value::String(label(&value_bytes(value, base64)));
        return true;
    };
    match value {
        Value::Object(map) if first == "*" => map.values_mut().fold(false, |changed, child| {
            mask_at(child, rest, base64) | changed
        }),
        Value::Object(map) => map
            .get_mut(first)
            .is_some_and(|child| mask_at(child, rest, base64)),
        Value::Array(items) if first == "*" => items.iter_mut().fold(false, |changed, child| {
            mask_at(child, rest, base64) | changed
        }),
        _ => false,
    }
}

fn collect_at(value: &Value, path: &[String], found: &mut impl FnMut(&Value)) {
    let Some((first, rest)) = path.split_first() else {
        if !value.is_null() {
            found(value);
        }
        return;
    };
    match value {
        Value::Object(map) if first == "*" => map
            .values()
            .for_each(|child| collect_at(child, rest, found)),
        Value::Object(map) => {
            if let Some(child) = map.get(first) {
                collect_at(child, rest, found);
            }
        }
        Value::Array(items) if first == "*" => items
            .iter()
            .for_each(|child| collect_at(child, rest, found)),
        _ => {}
    }
}

/// The process's key for the tags: random, so tags cannot be matched against hashed guesses.
static KEY: LazyLock<ring::hmac::Key> = LazyLock::new(|| {
    ring::hmac::Key::generate(ring::hmac::HMAC_SHA256, &ring::rand::SystemRandom::new())
        .expect("the system random generator works")
});

/// `<secret 19 bytes hmac:3f2a9c4e1b7d>`.
fn label(bytes: &[u8]) -> String {
    let tag = ring::hmac::sign(&KEY, bytes);
    let hex: String = tag.as_ref()[..6]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("<secret {} bytes hmac:{hex}>", bytes.len())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const PASSWORD: &str = "correct-horse-battery";

    fn shown(masks: &Masks, object: &Value) -> Value {
        masks.masked(object).unwrap_or_else(|| object.clone())
    }

    fn b64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    fn secret(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": data})
    }

    #[test]
    fn secret_data_shows_decoded_length_and_a_tag_never_the_value() {
        let shown = shown(
            &Masks::default(),
            &secret(json!({"password": b64(PASSWORD)})),
        );
        let text = shown.to_string();
        assert!(
            !text.contains(PASSWORD) && !text.contains(&b64(PASSWORD)),
            "{text}"
        );
        let masked = shown["data"]["password"].as_str().unwrap();
        assert!(masked.starts_with("<secret 21 bytes hmac:"), "{masked}");
        assert_eq!(shown["metadata"]["name"], "s");
    }

    #[test]
    fn equal_values_look_equal_on_both_sides_and_different_ones_do_not() {
        let masks = Masks::default();
        let as_data = shown(
            &masks,
            &secret(json!({"a": b64(PASSWORD), "b": b64("other")})),
        );
        let as_string_data = shown(
            &masks,
            &json!({
                "apiVersion": "v1", "kind": "Secret", "stringData": {"a": PASSWORD}
            }),
        );
        assert_eq!(as_data["data"]["a"], as_string_data["stringData"]["a"]);
        assert_ne!(as_data["data"]["a"], as_data["data"]["b"]);
    }

    #[test]
    fn other_kinds_are_shown_as_they_are_unless_mask_fields_name_them() {
        let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"token": "abcd1234", "mode": "x"}});
        assert_eq!(Masks::default().masked(&config_map), None);
        let masks = Masks::new(vec![
            MaskField::new(Some("ConfigMap".into()), None, "data.token").unwrap(),
        ]);
        let shown = shown(&masks, &config_map);
        assert!(
            shown["data"]["token"]
                .as_str()
                .unwrap()
                .starts_with("<secret 8 bytes ")
        );
        assert_eq!(shown["data"]["mode"], "x");
    }

    #[test]
    fn wildcards_reach_every_key_and_list_item() {
        let masks = Masks::new(vec![
            MaskField::new(None, None, "$.spec.users.*.password").unwrap(),
        ]);
        let shown = shown(
            &masks,
            &json!({"kind": "Db", "spec": {"users": [
                {"name": "a", "password": "pw-one"}, {"name": "b", "password": "pw-two"}
            ]}}),
        );
        let text = shown.to_string();
        assert!(
            !text.contains("pw-one") && !text.contains("pw-two"),
            "{text}"
        );
        assert_eq!(shown["spec"]["users"][1]["name"], "b");
    }

    #[test]
    fn a_path_with_an_empty_key_is_refused() {
        for path in ["", "spec..token", "spec.", "$."] {
            assert_eq!(
                MaskField::new(None, None, path),
                Err(BadMaskPath(path.into()))
            );
        }
    }

    #[test]
    fn a_string_data_value_is_scrubbed_as_the_cluster_shows_it_too() {
        let object = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "stringData": {"password": PASSWORD}});
        let quoted = Masks::default().quoted_in(&object);
        let printed = format!("data:\n  password: {}\n", b64(PASSWORD));
        let scrubbed = scrub(&printed, &quoted);
        assert!(!scrubbed.contains(&b64(PASSWORD)), "{scrubbed}");
        assert!(scrubbed.contains("<secret 21 bytes hmac:"), "{scrubbed}");
    }

    #[test]
    fn text_quoting_a_value_is_scrubbed_in_both_forms() {
        let quoted =
            Masks::default().quoted_in(&secret(json!({"password": b64(PASSWORD), "n": b64("1")})));
        let texts: Vec<&str> = quoted.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(texts, [b64(PASSWORD).as_str(), PASSWORD]);
        let event = format!("mounted {PASSWORD} and {}", b64(PASSWORD));
        let scrubbed = scrub(&event, &quoted);
        assert!(
            !scrubbed.contains(PASSWORD) && !scrubbed.contains(&b64(PASSWORD)),
            "{scrubbed}"
        );
        assert_eq!(scrubbed.matches("<secret 21 bytes hmac:").count(), 2);
    }

    fn applied(object: &Value, annotation: &str) -> Value {
        let mut object = object.clone();
        object["metadata"]["annotations"] =
            json!({"kubectl.kubernetes.io/last-applied-configuration": annotation});
        object
    }

    #[test]
    fn kubectls_copy_of_an_applied_secret_is_masked_with_the_same_rules() {
        let written = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "stringData": {"password": PASSWORD}});
        let live = applied(
            &secret(json!({"password": b64(PASSWORD)})),
            &written.to_string(),
        );
        let masks = Masks::default();

        let shown = shown(&masks, &live);

        let text = serde_json::to_string_pretty(&shown).unwrap();
        assert!(
            !text.contains(PASSWORD) && !text.contains(&b64(PASSWORD)),
            "{text}"
        );
        let copy: Value = serde_json::from_str(
            shown["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        // The same value shows the same mask in the object and in the copy.
        assert_eq!(copy["stringData"]["password"], shown["data"]["password"]);
        assert_eq!(copy["metadata"]["name"], "s");
        let scrubbed = scrub(&format!("saw {PASSWORD}"), &masks.quoted_in(&live));
        assert!(!scrubbed.contains(PASSWORD), "{scrubbed}");
    }

    #[test]
    fn an_unreadable_copy_of_a_masked_object_is_not_shown_and_others_are_left_alone() {
        let live = applied(&secret(json!({})), &format!("{{not json {PASSWORD}"));
        let shown = shown(&Masks::default(), &live);
        assert_eq!(
            shown["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            LAST_APPLIED_NOT_SHOWN
        );
        let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}});
        let applied_config_map = applied(&config_map, &config_map.to_string());
        assert_eq!(Masks::default().masked(&applied_config_map), None);
    }
}
