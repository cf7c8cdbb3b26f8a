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

/// What `suppress` values other than `events` get: KUTTL acts on `events` only.
pub(crate) const SUPPRESS_EVENTS_ONLY: &str = "only \"events\" has an effect (it leaves the events out of failure messages); other values are ignored";

/// Whether `suppress` names anything but `events`.
pub(crate) fn suppresses_other_than_events(suppress: &[String]) -> bool {
    suppress.iter().any(|value| value != "events")
}
