//! Fields KUTTL knows that kuttl-rs reads but does not act on (yet): each one set in a file becomes a
//! load warning naming the field, so nothing is ignored silently.

/// Implemented by config types that have fields KUTTL knows but kuttl-rs ignores.
pub trait Unsupported {
    /// The camelCase names of the fields set in this value that kuttl-rs does not act on, each with
    /// the reason given to the user.
    fn unsupported_fields(&self) -> Vec<(&'static str, &'static str)>;
}

/// Collects `(field, reason)` for every condition that holds.
pub(crate) fn set_fields(
    checks: &[(bool, &'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    checks
        .iter()
        .filter(|(set, _, _)| *set)
        .map(|(_, field, reason)| (*field, *reason))
        .collect()
}
