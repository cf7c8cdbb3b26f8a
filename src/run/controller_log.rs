//! The log of what runs in the test process beside the tests (a controller started by a Rust
//! fixture): its `tracing` events, each attached to the test it concerns: the test whose namespace
//! the event or one of its spans names, else every test running when it was logged. They land in
//! that test's log, and so in its failure message, `log.txt` and the HTML report, scrubbed of the
//! masked values every running test has seen (a line may reach a test other than the one whose
//! Secret it quotes), then masked with the rest.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, Weak};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

use super::test_state::TestState;

/// The environment variable that sets the most detailed level kept (`error` … `trace`, or `off`).
pub(crate) const LEVEL_ENV: &str = "KUTTL_CONTROLLER_LOG";

/// The tests running now; one that has ended (its state dropped, after its cleanup) drops out.
static ATTACHED: Mutex<Vec<Weak<TestState>>> = Mutex::new(Vec::new());

/// Gives `test` the events that concern it, for as long as its state lives.
pub(crate) fn attach(test: &Arc<TestState>) {
    let mut attached = ATTACHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    attached.retain(|test| test.strong_count() > 0);
    attached.push(Arc::downgrade(test));
}

/// The tests attached now.
fn attached() -> Vec<Arc<TestState>> {
    ATTACHED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .iter()
        .filter_map(Weak::upgrade)
        .collect()
}

/// Makes this layer the process's `tracing` subscriber, keeping events up to `level`; `false`
/// when the process already has one (then nothing is captured).
pub(crate) fn install(level: Option<Level>) -> bool {
    use tracing_subscriber::layer::SubscriberExt;
    let Some(level) = level else {
        return true;
    };
    let subscriber = tracing_subscriber::registry().with(CaptureLayer { level });
    tracing::subscriber::set_global_default(subscriber).is_ok()
}

/// The level `KUTTL_CONTROLLER_LOG` asks for (default `info`); `None` for `off`.
pub(crate) fn level_from(value: Option<&str>) -> Result<Option<Level>, String> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => Ok(Some(Level::INFO)),
        Some("off") => Ok(None),
        Some(other) => other.parse().map(Some).map_err(|_| {
            format!("{LEVEL_ENV}={other:?}: expected error, warn, info, debug, trace or off")
        }),
    }
}

/// Routes events to the attached tests.
struct CaptureLayer {
    level: Level,
}

/// A span's fields, formatted once.
struct SpanFields(String);

impl<S> Layer<S> for CaptureLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: Context<'_, S>,
    ) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            let text = format!("{}{{{}}}", span.name(), fields.text.trim_start());
            span.extensions_mut().insert(SpanFields(text));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if *event.metadata().level() > self.level {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut line = format!(
            "{} {}: {}{}",
            event.metadata().level(),
            event.metadata().target(),
            fields.message,
            fields.text
        );
        let spans: Vec<String> = ctx
            .event_scope(event)
            .into_iter()
            .flat_map(|scope| scope.from_root())
            .filter_map(|span| span.extensions().get::<SpanFields>().map(|f| f.0.clone()))
            .collect();
        if !spans.is_empty() {
            let _ = write!(line, " (in {})", spans.join(":"));
        }
        deliver(&line);
    }
}

/// Gives `line` to the tests whose namespace it names, else to every attached test. It is first
/// scrubbed of every masked value any attached test has seen: a line may go to a test other than
/// the one whose Secret it quotes.
fn deliver(line: &str) {
    let attached = attached();
    let line = attached
        .iter()
        .fold(line.to_string(), |line, test| test.scrubbed(&line));
    let named: Vec<&Arc<TestState>> = attached
        .iter()
        .filter(|test| names(&line, &test.namespace))
        .collect();
    let to = if named.is_empty() {
        attached.iter().collect()
    } else {
        named
    };
    for test in to {
        test.log.line("controller", &line);
    }
}

/// Whether `text` names `namespace` as a whole word (`kuttl-test-a` is not in `kuttl-test-ab`).
fn names(text: &str, namespace: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || c == '-';
    text.match_indices(namespace).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + namespace.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// An event's or span's fields: the message, then ` name=value` for the others.
#[derive(Default)]
struct Fields {
    message: String,
    text: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            let _ = write!(self.text, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            let _ = write!(self.text, " {}={value:?}", field.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;
    use crate::run::fake_api::FakeApi;

    /// Two attached tests, in namespaces `kuttl-test-a` and `kuttl-test-ab`, on a stand-in API.
    async fn two_tests(api: &FakeApi) -> (Arc<TestState>, Arc<TestState>) {
        let first = Arc::new(api.test_state("kuttl-test-a", true, false, 5));
        let second = Arc::new(api.test_state("kuttl-test-ab", true, false, 5));
        attach(&first);
        attach(&second);
        (first, second)
    }

    fn capturing() -> impl Subscriber {
        tracing_subscriber::registry().with(CaptureLayer { level: Level::INFO })
    }

    #[tokio::test]
    async fn an_event_goes_to_the_test_whose_namespace_it_names_else_to_every_running_test() {
        let api = FakeApi::start(|_, _| (404, serde_json::json!({}))).await;
        let (first_state, second_state) = two_tests(&api).await;

        tracing::subscriber::with_default(capturing(), || {
            let span = tracing::info_span!("reconciling object", object.ref = "Greeting.v1/hello.kuttl-test-a");
            span.in_scope(|| tracing::info!(greeting = "hello", "writing its ConfigMap"));
            tracing::warn!(namespace = "kuttl-test-ab", "reconcile failed");
            tracing::info!("the controller starts");
            tracing::debug!(namespace = "kuttl-test-a", "too detailed");
        });

        let (first_log, second) = (first_state.log.clone(), second_state.log.text());
        let first = first_log.text();
        assert!(
            first.contains("| controller | INFO") && first.contains("writing its ConfigMap greeting=hello (in reconciling object{object.ref=Greeting.v1/hello.kuttl-test-a})"),
            "{first}"
        );
        assert!(!second.contains("writing its ConfigMap"), "{second}");
        assert!(
            second.contains("WARN") && second.contains("reconcile failed"),
            "{second}"
        );
        assert!(!first.contains("reconcile failed"), "{first}");
        assert!(
            first.contains("the controller starts") && second.contains("the controller starts")
        );
        assert!(!first.contains("too detailed"), "{first}");

        // A test that has ended gets nothing more.
        drop(first_state);
        tracing::subscriber::with_default(capturing(), || {
            tracing::info!(namespace = "kuttl-test-a", "late");
        });
        assert!(!first_log.text().contains("late"), "{}", first_log.text());
    }

    #[tokio::test]
    async fn a_secret_value_one_test_applied_is_masked_in_every_test_the_line_goes_to() {
        const VALUE: &str = "ctrl-s3cret-Qz8";
        let api = FakeApi::start(|_, _| (404, serde_json::json!({}))).await;
        let (first, second) = two_tests(&api).await;
        first.remember_masked(&serde_json::json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "creds"}, "stringData": {"password": VALUE}}));

        // Naming no namespace, the line goes to both tests; the second never saw the Secret.
        tracing::subscriber::with_default(capturing(), || {
            tracing::info!("logged in with {VALUE}");
        });

        for test in [&first, &second] {
            let log = test.log.text();
            assert!(log.contains("logged in with <secret"), "{log}");
            assert!(!log.contains(VALUE), "{log}");
        }
    }

    #[test]
    fn the_level_is_info_unless_asked_otherwise() {
        assert_eq!(level_from(None), Ok(Some(Level::INFO)));
        assert_eq!(level_from(Some("DEBUG")), Ok(Some(Level::DEBUG)));
        assert_eq!(level_from(Some("off")), Ok(None));
        assert!(
            level_from(Some("loud"))
                .unwrap_err()
                .contains("KUTTL_CONTROLLER_LOG")
        );
    }
}
