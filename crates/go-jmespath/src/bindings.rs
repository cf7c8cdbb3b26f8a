//! The variables an expression sees: `$name` values set by the caller and by `let`.

use std::fmt;
use std::sync::Arc;

use serde_json::Value;

/// Values bound to `$names`: a persistent list, so [`Bindings::with`] is cheap and leaves the
/// original untouched; a later binding of a name shadows an earlier one.
#[derive(Clone, Default)]
pub struct Bindings {
    head: Option<Arc<Binding>>,
}

struct Binding {
    name: String,
    value: Value,
    next: Option<Arc<Binding>>,
}

impl Bindings {
    /// No bindings.
    pub fn new() -> Self {
        Self::default()
    }

    /// These bindings plus `name` bound to `value`. `name` is written as in expressions, with its
    /// `$` (`"$namespace"`).
    #[must_use]
    pub fn with(&self, name: &str, value: Value) -> Bindings {
        Bindings {
            head: Some(Arc::new(Binding {
                name: name.to_string(),
                value,
                next: self.head.clone(),
            })),
        }
    }

    /// The value most recently bound to `name` (with its `$`).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.iter()
            .find(|binding| binding.name == name)
            .map(|binding| &binding.value)
    }
}

impl Bindings {
    fn iter(&self) -> impl Iterator<Item = &Binding> {
        std::iter::successors(self.head.as_deref(), |binding| binding.next.as_deref())
    }
}

impl fmt::Debug for Bindings {
    /// The bindings, most recent first (walked, not recursed, however long the list).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|binding| (&binding.name, &binding.value)))
            .finish()
    }
}

impl Drop for Bindings {
    // Unlinks the list one binding at a time: the default drop would recurse once per binding.
    fn drop(&mut self) {
        let mut next = self.head.take();
        while let Some(binding) = next {
            match Arc::try_unwrap(binding) {
                Ok(mut binding) => next = binding.next.take(),
                Err(_) => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn later_bindings_shadow_and_the_original_is_kept() {
        let outer = Bindings::new().with("$a", json!(1)).with("$b", json!(2));
        let inner = outer.with("$a", json!(3));
        assert_eq!(inner.get("$a"), Some(&json!(3)));
        assert_eq!(inner.get("$b"), Some(&json!(2)));
        assert_eq!(outer.get("$a"), Some(&json!(1)));
        assert_eq!(outer.get("$c"), None);
        assert_eq!(
            format!("{outer:?}"),
            r#"[("$b", Number(2)), ("$a", Number(1))]"#
        );
    }

    #[test]
    fn a_long_list_drops_without_recursion() {
        let mut bindings = Bindings::new();
        for i in 0..200_000 {
            bindings = bindings.with("$i", json!(i));
        }
        assert_eq!(bindings.get("$i"), Some(&json!(199_999)));
    }
}
