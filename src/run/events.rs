//! The events of a test's namespace, for a failing test's message.

use k8s_openapi::api::core::v1::Event;
use kube::api::ListParams;
use kube::{Api, Client};

/// One line per event, oldest first, or why they could not be read.
pub(crate) async fn describe(client: &Client, namespace: &str) -> String {
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    let mut events = match api.list(&ListParams::default()).await {
        Ok(list) => list.items,
        Err(err) => return format!("  (events could not be listed: {err})\n"),
    };
    let time = |event: &Event| {
        event
            .last_timestamp
            .as_ref()
            .map(|t| t.0.to_string())
            .or_else(|| event.event_time.as_ref().map(|t| t.0.to_string()))
            .or_else(|| {
                event
                    .metadata
                    .creation_timestamp
                    .as_ref()
                    .map(|t| t.0.to_string())
            })
            .unwrap_or_default()
    };
    events.sort_by_cached_key(|event| (time(event), event.metadata.name.clone()));
    if events.is_empty() {
        return "  (no events)\n".into();
    }
    events
        .iter()
        .map(|event| {
            let object = &event.involved_object;
            format!(
                "  {} {} {}/{} {}: {}\n",
                time(event),
                event.type_.as_deref().unwrap_or(""),
                object.kind.as_deref().unwrap_or(""),
                object.name.as_deref().unwrap_or(""),
                event.reason.as_deref().unwrap_or(""),
                event.message.as_deref().unwrap_or("").trim_end()
            )
        })
        .collect()
}
