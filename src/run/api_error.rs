//! What an API error says: the server's own message, whether it is NotFound, and whether it says
//! anything about the object at all.

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

/// Errors that say nothing about the object asked for: the API server could not be reached or was
/// briefly unable to serve, so the same request is worth sending again.
pub(crate) fn is_transient(err: &kube::Error) -> bool {
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
    fn only_errors_that_say_nothing_about_the_object_are_asked_again(
        #[case] code: u16,
        #[case] transient: bool,
    ) {
        let err = kube::Error::Api(Box::new(
            kube::core::Status::failure("message", "Reason").with_code(code),
        ));
        assert_eq!(is_transient(&err), transient);
    }
}
