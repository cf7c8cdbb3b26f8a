//! Test namespaces: KUTTL's name shape, creation before the first step, deletion (and the wait
//! for it) after the last.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{DeleteParams, PostParams};
use kube::{Api, Client};
use tokio::time::Instant;

use super::api_error::{api_message, is_not_found};
use super::error::NamespaceError;
use super::interrupt;
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
const POLL: Duration = Duration::from_millis(100);

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
    loop {
        match api.delete(name, &DeleteParams::background()).await {
            Ok(_) => break,
            Err(err) if is_not_found(&err) => return Ok(()),
            Err(err) if is_transient(&err) && Instant::now() < deadline => {
                tokio::time::sleep(POLL).await
            }
            Err(err) => {
                return Err(NamespaceError::Delete {
                    name: name.to_string(),
                    reason: api_message(&err),
                });
            }
        }
    }
    if !wait {
        log.line(
            "cleanup",
            "not waiting: this cluster has no namespace controller",
        );
        return Ok(());
    }
    loop {
        if interrupt::interrupted() {
            log.line(
                "cleanup",
                "the run was interrupted: not waiting for the namespace to go",
            );
            return Ok(());
        }
        let last_error = match api.get_opt(name).await {
            Ok(None) => return Ok(()),
            Ok(Some(_)) => None,
            Err(err) if is_transient(&err) => Some(api_message(&err)),
            Err(err) => {
                return Err(NamespaceError::Wait {
                    name: name.to_string(),
                    reason: api_message(&err),
                });
            }
        };
        if Instant::now() >= deadline {
            return Err(NamespaceError::WaitTimeout {
                name: name.to_string(),
                last_error,
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Errors that say nothing about the namespace: the API server could not be reached or was
/// briefly unable to serve.
fn is_transient(err: &kube::Error) -> bool {
    match err {
        kube::Error::Api(status) => matches!(status.code, 429 | 500 | 502 | 503 | 504),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rstest::rstest]
    #[case::throttled(429, true)]
    #[case::internal(500, true)]
    #[case::bad_gateway(502, true)]
    #[case::unavailable(503, true)]
    #[case::gateway_timeout(504, true)]
    #[case::forbidden(403, false)]
    #[case::conflict(409, false)]
    fn only_errors_that_say_nothing_about_the_namespace_are_asked_again(
        #[case] code: u16,
        #[case] transient: bool,
    ) {
        let err = kube::Error::Api(Box::new(
            kube::core::Status::failure("message", "Reason").with_code(code),
        ));
        assert_eq!(is_transient(&err), transient);
    }

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
