//! The `parallel` slots of a run: how many tests do work (namespace creation, steps, and deleting
//! what other tests can see) at once.
//!
//! A test gives its slot away before its own namespace finalizes (waiting for the namespace
//! controller, see `run::test_run`), so the run's libtest threads outnumber the slots. A free slot goes to the waiting
//! test that comes first in the run's order (suite order, then name), so the order tests start in
//! does not depend on which thread got there first.

use std::collections::BTreeMap;
use std::sync::Mutex;

use tokio::sync::oneshot;

/// Where a test stands in the run's order: its suite's position, then its name.
pub(crate) type Place = (usize, String);

/// A counting semaphore that serves its waiters in [`Place`] order.
pub(crate) struct Slots {
    state: Mutex<State>,
}

struct State {
    free: usize,
    waiting: BTreeMap<Place, oneshot::Sender<()>>,
}

/// A held slot, given back when dropped.
pub(crate) struct Slot<'a> {
    slots: &'a Slots,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.slots.give_back();
    }
}

impl Slots {
    /// `count` slots (at least one).
    pub(crate) fn new(count: usize) -> Self {
        Self {
            state: Mutex::new(State {
                free: count.max(1),
                waiting: BTreeMap::new(),
            }),
        }
    }

    /// Waits for a slot; among waiting tests the one with the lowest `place` gets the next one.
    pub(crate) async fn acquire(&self, place: Place) -> Slot<'_> {
        let granted = {
            let mut state = self.lock();
            if state.free > 0 {
                state.free -= 1;
                return Slot { slots: self };
            }
            let (grant, granted) = oneshot::channel();
            state.waiting.insert(place.clone(), grant);
            granted
        };
        let mut waiter = Waiter {
            slots: self,
            place: Some(place),
            granted,
        };
        // The sender is only dropped after a send (or with `self`, which outlives this call).
        let _ = (&mut waiter.granted).await;
        waiter.place = None;
        Slot { slots: self }
    }

    /// Hands a slot to the first waiter, else marks it free.
    fn give_back(&self) {
        let mut state = self.lock();
        while let Some((_, grant)) = state.waiting.pop_first() {
            if grant.send(()).is_ok() {
                return;
            }
        }
        state.free += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A waiting `acquire`. Dropped before it returned (its future was cancelled), it leaves the queue,
/// and gives back a slot that was handed to it in the meantime.
struct Waiter<'a> {
    slots: &'a Slots,
    /// `None` once the granted slot is held by a [`Slot`].
    place: Option<Place>,
    granted: oneshot::Receiver<()>,
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let Some(place) = &self.place else {
            return;
        };
        let was_queued = self.slots.lock().waiting.remove(place).is_some();
        if !was_queued && self.granted.try_recv().is_ok() {
            self.slots.give_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn place(suite: usize, name: &str) -> Place {
        (suite, name.to_string())
    }

    #[tokio::test]
    async fn waiters_are_served_in_place_order_not_arrival_order() {
        let slots = Arc::new(Slots::new(1));
        let held = slots.acquire(place(0, "first")).await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Arriving as c, b, a (suite 1), then z (suite 0).
        for (suite, name) in [(1, "c"), (1, "b"), (1, "a"), (0, "z")] {
            let (slots, order) = (Arc::clone(&slots), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let _slot = slots.acquire(place(suite, name)).await;
                order.lock().unwrap().push(format!("{suite}:{name}"));
                tokio::time::sleep(Duration::from_millis(5)).await;
            }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(held);
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(*order.lock().unwrap(), ["0:z", "1:a", "1:b", "1:c"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn never_more_holders_than_slots() {
        let slots = Arc::new(Slots::new(3));
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let (slots, now, most) = (Arc::clone(&slots), Arc::clone(&now), Arc::clone(&most));
                tokio::spawn(async move {
                    let _slot = slots.acquire(place(i % 3, &format!("t{i}"))).await;
                    let holders = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(holders, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 3);
        assert_eq!(slots.lock().free, 3);
    }

    #[tokio::test]
    async fn a_cancelled_waiter_leaves_the_queue_and_loses_no_slot() {
        let slots = Slots::new(1);
        let held = slots.acquire(place(0, "a")).await;
        // Cancelled while queued.
        let cancelled =
            tokio::time::timeout(Duration::from_millis(10), slots.acquire(place(0, "b"))).await;
        assert!(cancelled.is_err());
        assert!(slots.lock().waiting.is_empty());
        drop(held);
        assert_eq!(slots.lock().free, 1);
        // Cancelled after the slot was handed over but before it was taken.
        let held = slots.acquire(place(0, "a")).await;
        {
            let waiting = slots.acquire(place(0, "c"));
            futures::pin_mut!(waiting);
            assert!(futures::poll!(waiting.as_mut()).is_pending());
            drop(held);
        }
        assert_eq!(slots.lock().free, 1);
        let _again = slots.acquire(place(0, "d")).await;
    }
}
