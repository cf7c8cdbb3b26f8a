//! Sprig's encodings, hashes, identifiers and environment: `b64enc b64dec b32enc b32dec sha1sum
//! sha256sum adler32sum uuidv4 env expandenv`.

use base64::Engine as _;
use ring::rand::SecureRandom as _;

use super::{Table, Ty, fixed, text};
use crate::value::Value;

pub(super) fn register(table: &mut Table) {
    table.insert(
        "b64enc",
        fixed(&[Ty::Str], |a| {
            ok(base64::engine::general_purpose::STANDARD.encode(text(&a[0])))
        }),
    );
    table.insert(
        "b64dec",
        fixed(&[Ty::Str], |a| {
            ok(
                match base64::engine::general_purpose::STANDARD.decode(text(&a[0])) {
                    Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                    Err(err) => format!(
                        "illegal base64 data at input byte {}",
                        base64_error_offset(&err, text(&a[0]))
                    ),
                },
            )
        }),
    );
    table.insert(
        "b32enc",
        fixed(&[Ty::Str], |a| {
            ok(data_encoding::BASE32.encode(text(&a[0]).as_bytes()))
        }),
    );
    table.insert(
        "b32dec",
        fixed(&[Ty::Str], |a| {
            ok(match data_encoding::BASE32.decode(text(&a[0]).as_bytes()) {
                Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                Err(err) => format!("illegal base32 data at input byte {}", err.position),
            })
        }),
    );
    table.insert(
        "sha1sum",
        fixed(&[Ty::Str], |a| {
            ok(hex(ring::digest::digest(
                &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                text(&a[0]).as_bytes(),
            )
            .as_ref()))
        }),
    );
    table.insert(
        "sha256sum",
        fixed(&[Ty::Str], |a| {
            ok(hex(ring::digest::digest(
                &ring::digest::SHA256,
                text(&a[0]).as_bytes(),
            )
            .as_ref()))
        }),
    );
    table.insert(
        "adler32sum",
        fixed(&[Ty::Str], |a| {
            ok(adler32(text(&a[0]).as_bytes()).to_string())
        }),
    );
    table.insert(
        "uuidv4",
        fixed(&[], |_| {
            let mut bytes = random_bytes(16)?;
            bytes[6] = (bytes[6] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            let h = hex(&bytes);
            ok(format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            ))
        }),
    );
    table.insert(
        "env",
        fixed(&[Ty::Str], |a| {
            ok(std::env::var(text(&a[0])).unwrap_or_default())
        }),
    );
    table.insert(
        "expandenv",
        fixed(&[Ty::Str], |a| ok(expand_env(text(&a[0])))),
    );
}

fn ok(s: String) -> Result<Value, String> {
    Ok(Value::String(s))
}

/// Where Go's decoder would stop, for its "illegal base64 data at input byte N".
fn base64_error_offset(err: &base64::DecodeError, input: &str) -> usize {
    match err {
        base64::DecodeError::InvalidByte(offset, _)
        | base64::DecodeError::InvalidLastSymbol(offset, _) => *offset,
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => {
            input.len() / 4 * 4
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// Random bytes from the system's generator.
pub(super) fn random_bytes(count: usize) -> Result<Vec<u8>, String> {
    let mut bytes = vec![0; count];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| "the system random generator failed".to_string())?;
    Ok(bytes)
}

/// Go's `os.ExpandEnv`: `$NAME` and `${NAME}` from the process environment, unset variables
/// empty.
fn expand_env(s: &str) -> String {
    gostd::expand(s, |name| std::env::var(name).ok())
}
