//! What an API error says: the server's own message, and whether it is NotFound.

/// The API server's own message for an API error (`pods "x" not found`), else the error and its
/// causes (`… client error (Connect): tcp connect error: Connection refused …`).
pub(crate) fn api_message(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => {
            let mut message = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                let text = cause.to_string();
                if !message.contains(&text) {
                    message = format!("{message}: {text}");
                }
                source = cause.source();
            }
            message
        }
    }
}

/// Whether an error is the API server's NotFound.
pub(crate) fn is_not_found(err: &kube::Error) -> bool {
    matches!(err, kube::Error::Api(status) if status.is_not_found())
}
