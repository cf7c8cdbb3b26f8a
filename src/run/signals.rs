//! Whether the run was interrupted (how many Ctrl-C or SIGTERM signals came: 0, 1 to tear down,
//! 2 or more to abort), and what its teardown did, noted to be printed once libtest's output has
//! ended.

use std::sync::{LazyLock, Mutex};

use tokio::sync::watch;

/// How many interrupting signals came.
static SIGNALS: LazyLock<watch::Sender<u32>> = LazyLock::new(|| watch::Sender::new(0));

/// What the teardown did, one line per action.
static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whether the run was interrupted.
pub(crate) fn interrupted() -> bool {
    *SIGNALS.borrow() > 0
}

/// Returns once the run is interrupted (at once if it already was).
pub(crate) async fn until_interrupted() {
    let mut signals = SIGNALS.subscribe();
    // The sender lives in a static, so this only returns once the count is above 0.
    let _ = signals.wait_for(|count| *count > 0).await;
}

/// Counts an interrupting signal; returns how many came so far.
pub(crate) fn signal() -> u32 {
    let mut count = 0;
    SIGNALS.send_modify(|signals| {
        *signals += 1;
        count = *signals;
    });
    count
}

/// Notes a teardown action, when the run was interrupted.
pub(crate) fn note(line: impl FnOnce() -> String) {
    if interrupted() {
        NOTES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(line());
    }
}

/// The teardown actions noted so far, in order.
pub(crate) fn take_notes() -> Vec<String> {
    std::mem::take(
        &mut *NOTES
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    )
}
