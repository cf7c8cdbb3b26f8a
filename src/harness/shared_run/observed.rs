//! Whether a Lease's holder has stopped renewing it, judged as client-go's leader election does:
//! by how long this machine has seen the Lease unchanged on its own clock, never by the
//! timestamps in it, which another machine's clock wrote (clock skew cannot make a live holder
//! look gone). A machine that could not read the Leases for a while does not hold that time
//! against their holders: after such a gap every Lease gets a whole duration again (a stalled
//! API server stalls the holders' renewals too).

use std::collections::HashMap;
use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use tokio::time::Instant;

/// What this machine has seen of the run's Leases.
pub(crate) struct Observed {
    /// Per Lease name: its `resourceVersion` when last read, and since when it has been that.
    unchanged_since: HashMap<String, (String, Instant)>,
    /// When this machine last read a Lease.
    last_read: Option<Instant>,
    /// A longer gap between two reads means this machine was cut off.
    gap: Duration,
}

impl Observed {
    /// `gap`: a time between two reads longer than the holders' renewal interval.
    pub(crate) fn new(gap: Duration) -> Self {
        Self {
            unchanged_since: HashMap::new(),
            last_read: None,
            gap,
        }
    }

    /// Notes what a read returned just now.
    pub(crate) fn read(&mut self, leases: &[&Lease]) {
        let now = Instant::now();
        if self
            .last_read
            .is_some_and(|last| now.duration_since(last) > self.gap)
        {
            self.unchanged_since.clear();
        }
        self.last_read = Some(now);
        for lease in leases {
            let name = lease.metadata.name.clone().unwrap_or_default();
            let version = lease.metadata.resource_version.clone().unwrap_or_default();
            match self.unchanged_since.get_mut(&name) {
                Some((seen, _)) if *seen == version => {}
                Some(entry) => *entry = (version, now),
                None => {
                    self.unchanged_since.insert(name, (version, now));
                }
            }
        }
    }

    /// Whether `lease` has been seen unchanged for its whole duration. A Lease never read is
    /// not.
    pub(crate) fn expired(&self, lease: &Lease) -> bool {
        let name = lease.metadata.name.as_deref().unwrap_or_default();
        let duration = lease
            .spec
            .as_ref()
            .and_then(|spec| spec.lease_duration_seconds)
            .unwrap_or(0);
        self.unchanged_since.get(name).is_some_and(|(_, since)| {
            since.elapsed() > Duration::from_secs(duration.unsigned_abs().into())
        })
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::coordination::v1::LeaseSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::*;

    fn lease(version: &str) -> Lease {
        Lease {
            metadata: ObjectMeta {
                name: Some("l".into()),
                resource_version: Some(version.into()),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                lease_duration_seconds: Some(30),
                ..LeaseSpec::default()
            }),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lease_expires_after_its_duration_unchanged_on_this_machines_clock() {
        let mut observed = Observed::new(Duration::from_secs(10));
        assert!(!observed.expired(&lease("1")), "never read");
        for _ in 0..4 {
            observed.read(&[&lease("1")]);
            tokio::time::sleep(Duration::from_secs(10)).await;
        }
        observed.read(&[&lease("1")]);
        assert!(observed.expired(&lease("1")));
        // Renewed: a new resourceVersion counts from now.
        observed.read(&[&lease("2")]);
        tokio::time::sleep(Duration::from_secs(29)).await;
        observed.read(&[&lease("2")]);
        assert!(!observed.expired(&lease("2")));
    }

    #[tokio::test(start_paused = true)]
    async fn after_a_gap_in_reading_every_lease_gets_a_whole_duration_again() {
        let mut observed = Observed::new(Duration::from_secs(10));
        observed.read(&[&lease("1")]);
        // The API server stalled for 60 s: nothing could be read, nor renewed.
        tokio::time::sleep(Duration::from_secs(60)).await;
        observed.read(&[&lease("1")]);
        assert!(!observed.expired(&lease("1")));
        tokio::time::sleep(Duration::from_secs(5)).await;
        observed.read(&[&lease("1")]);
        assert!(!observed.expired(&lease("1")));
    }
}
