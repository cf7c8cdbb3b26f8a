//! Arbitrary bytes as the DER of a certificate or certificate request in a PEM block, decoded by
//! `x509_decode`: it must give a value or an error, never panic.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use go_jmespath::{Bindings, Expression, Functions};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

static FUNCTIONS: LazyLock<Functions> = LazyLock::new(Functions::kyverno);
static DECODE: LazyLock<Expression> =
    LazyLock::new(|| go_jmespath::compile("x509_decode(@)").expect("compiles"));

fuzz_target!(|data: &[u8]| {
    let Some((&kind, der)) = data.split_first() else { return };
    let label = if kind % 2 == 0 { "CERTIFICATE" } else { "CERTIFICATE REQUEST" };
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let pem = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
    let _ = DECODE.search(&Value::from(pem), &Bindings::new(), &FUNCTIONS);
});
