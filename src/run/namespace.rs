//! Test namespaces: KUTTL's name shape, creation before the first step, deletion (and the wait
//! for it) after the last.

use std::hash::{BuildHasher, RandomState};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, PostParams};
use kube::{Api, Client};
use tokio::time::Instant;

use super::api_error::api_message;
use super::error::NamespaceError;
use super::gone::{self, Deletion, NotGone, Waited};
use super::log::TestLog;

const ADJECTIVES: &[&str] = &[
    "able", "bold", "brave", "calm", "clever", "cool", "eager", "fair", "fancy", "fast", "fine",
    "gentle", "glad", "golden", "grand", "happy", "keen", "kind", "lively", "lucky", "merry",
    "modest", "neat", "nice", "noble", "polite", "proud", "quick", "quiet", "rapid", "ready",
    "sharp", "smart", "steady", "sunny", "swift", "tidy", "vivid", "warm", "wise",
];
const ANIMALS: &[&str] = &[
    "badger", "bat", "bear", "beaver", "bison", "camel", "cat", "crane", "crow", "deer", "dingo",
    "dove", "eagle", "falcon", "ferret", "finch", "fox", "gecko", "goat", "hare", "hawk", "heron",
    "ibex", "koala", "lemur", "lion", "lynx", "mole", "moose", "newt", "otter", "owl", "panda",
    "puma", "quail", "raven", "seal", "stork", "tiger", "wolf",
];
/// KUTTL's suffix alphabet (no vowels, no look-alike characters).
const SUFFIX_CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A fresh name: `kuttl-test-<adjective>-<animal>-<4 characters>`.
pub(crate) fn generate_name() -> String {
    let mut random = RandomState::new().hash_one(std::time::SystemTime::now());
    let mut pick = |len: usize| {
        let index = (random % len as u64) as usize;
        random /= len as u64;
        index
    };
    let adjective = ADJECTIVES[pick(ADJECTIVES.len())];
    let animal = ANIMALS[pick(ANIMALS.len())];
    let suffix: String = (0..4)
        .map(|_| SUFFIX_CHARS[pick(SUFFIX_CHARS.len())] as char)
        .collect();
    format!("kuttl-test-{adjective}-{animal}-{suffix}")
}

/// Creates the namespace; one that already exists is used as it is. `Ok(true)`: it was created.
pub(crate) async fn create(
    client: &Client,
    name: &str,
    log: &TestLog,
) -> Result<bool, NamespaceError> {
    let api: Api<Namespace> = Api::all(client.clone());
    let namespace = Namespace {
        metadata: kube::api::ObjectMeta {
            name: Some(name.to_string()),
            ..Default::default()
        },
        ..Default::default()
    };
    log.line("setup", &format!("Creating namespace {name:?}"));
    match api.create(&PostParams::default(), &namespace).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.is_already_exists() => Ok(false),
        Err(err) => Err(NamespaceError::Create {
            name: name.to_string(),
            reason: api_message(&err),
        }),
    }
}

/// Deletes the namespace and, when `wait`, waits until it is gone. An API server that does not
/// answer (restarting, overloaded) is asked again until `deadline`.
pub(crate) async fn delete(
    client: &Client,
    name: &str,
    wait: bool,
    deadline: Instant,
    log: &TestLog,
) -> Result<(), NamespaceError> {
    let api: Api<Namespace> = Api::all(client.clone());
    log.line("cleanup", &format!("Deleting namespace {name:?}"));
    let deletion = gone::delete(&api, name, &DeleteParams::background(), deadline)
        .await
        .map_err(|reason| NamespaceError::Delete {
            name: name.to_string(),
            reason,
        })?;
    if deletion == Deletion::AlreadyGone {
        return Ok(());
    }
    if !wait {
        log.line(
            "cleanup",
            "not waiting: this cluster has no namespace controller",
        );
        return Ok(());
    }
    match gone::wait(&api, name, deadline).await {
        Ok(Waited::Gone) => Ok(()),
        Ok(Waited::Interrupted) => {
            log.line(
                "cleanup",
                "the run was interrupted: not waiting for the namespace to go",
            );
            Ok(())
        }
        Err(NotGone::Read(reason)) => Err(NamespaceError::Wait {
            name: name.to_string(),
            reason,
        }),
        Err(NotGone::TimedOut { last_error }) => Err(NamespaceError::WaitTimeout {
            name: name.to_string(),
            last_error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_have_kuttls_shape_and_differ() {
        let names: std::collections::HashSet<String> = (0..50).map(|_| generate_name()).collect();
        assert!(names.len() > 45, "{names:?}");
        for name in &names {
            let parts: Vec<&str> = name.split('-').collect();
            assert_eq!(parts[..2], ["kuttl", "test"], "{name}");
            assert!(
                ADJECTIVES.contains(&parts[2]) && ANIMALS.contains(&parts[3]),
                "{name}"
            );
            assert!(
                parts[4].len() == 4 && parts[4].bytes().all(|b| SUFFIX_CHARS.contains(&b)),
                "{name}"
            );
            assert!(name.len() <= 63, "{name}");
        }
    }
}
