//! Timeouts as the files give them: whole seconds.

use std::time::Duration;

/// A timeout in seconds as a duration (negative: none left).
pub(crate) fn seconds(value: i64) -> Duration {
    Duration::from_secs(u64::try_from(value).unwrap_or(0))
}
