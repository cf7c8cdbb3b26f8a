//! Test suites and step files fetched over HTTP(S): a `testDirs` entry that is a URL names a tar
//! archive of test folders, and a `TestStep.apply`/`assert`/`error` entry that is a URL names a
//! YAML file, as in KUTTL.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Longest one download may take, so an unresponsive server cannot hang the run.
const TIMEOUT: Duration = Duration::from_secs(300);
/// Largest step file read from a URL.
const MAX_FILE_BYTES: u64 = 64 << 20;
/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// True for `scheme://host…`: what KUTTL fetches instead of reading from disk (Go's `url.Parse`
/// with a scheme and a host).
pub(crate) fn is_url(entry: &str) -> bool {
    let Some((scheme, rest)) = entry.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    scheme_ok && !host.is_empty()
}

/// The body of a step file at `url`.
pub(crate) fn fetch_text(url: &str) -> Result<String, String> {
    get(url)?
        .body_mut()
        .with_config()
        .limit(MAX_FILE_BYTES)
        .read_to_string()
        .map_err(|err| format!("GET {url}: {err}"))
}

/// Largest archive read whole from a URL (envtest's are about 100 MB).
const MAX_ARCHIVE_BYTES: u64 = 1 << 30;

/// The body at `url`, whole (an envtest archive); `progress` gets the bytes read so far and the
/// length the server announced, as they grow. `HTTPS_PROXY` and friends are honoured.
pub(crate) fn download(
    url: &str,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, String> {
    let response = get(url)?;
    let length = response
        .headers()
        .get("content-length")
        .and_then(|value| value.to_str().ok()?.parse().ok());
    let mut body = response
        .into_body()
        .into_with_config()
        .limit(MAX_ARCHIVE_BYTES)
        .reader();
    let mut bytes = Vec::new();
    let mut chunk = vec![0; 1 << 16];
    loop {
        let read = body
            .read(&mut chunk)
            .map_err(|err| format!("GET {url}: {err}"))?;
        if read == 0 {
            return Ok(bytes);
        }
        bytes.extend_from_slice(&chunk[..read]);
        progress(bytes.len() as u64, length);
    }
}

/// GET with kuttl-rs's User-Agent; anything but 200 OK is an error, as in KUTTL.
fn get(url: &str) -> Result<ureq::http::Response<ureq::Body>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .user_agent(crate::provenance::product())
        .build()
        .into();
    let response = agent
        .get(url)
        .call()
        .map_err(|err| format!("GET {url}: {err}"))?;
    match response.status() {
        ureq::http::StatusCode::OK => Ok(response),
        status => Err(format!("GET {url}: {status}")),
    }
}

/// The folder remote suites are unpacked into, removed with the collection at the end of the run.
#[derive(Debug)]
pub struct RemoteSuites {
    dir: tempfile::TempDir,
    unpacked: Mutex<HashMap<String, Result<(), String>>>,
}

impl RemoteSuites {
    pub(crate) fn new() -> io::Result<Self> {
        Ok(Self {
            dir: tempfile::Builder::new()
                .prefix("kuttl-rs-suites-")
                .tempdir()?,
            unpacked: Mutex::default(),
        })
    }

    /// Where the suite at `url` is unpacked: a folder named after the archive without its
    /// extension, so `…/e2e.tgz` is the suite `e2e`.
    pub(crate) fn folder(&self, url: &str) -> PathBuf {
        self.dir.path().join(archive_stem(url))
    }

    /// Downloads and unpacks the suite at `url` the first time it is asked for; later calls give
    /// the first outcome.
    pub(crate) fn unpack(&self, url: &str) -> Result<(), String> {
        let mut unpacked = self.unpacked.lock().unwrap_or_else(PoisonError::into_inner);
        unpacked
            .entry(url.to_string())
            .or_insert_with(|| download_suite(url, &self.folder(url)))
            .clone()
    }
}

/// The archive's file name without `.tgz`, `.tar.gz`, `.tar` or else its last extension.
fn archive_stem(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    let base = path
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path);
    [".tgz", ".tar.gz", ".tar"]
        .iter()
        .find_map(|ext| base.strip_suffix(ext))
        .or_else(|| base.rsplit_once('.').map(|(stem, _)| stem))
        .filter(|stem| !stem.is_empty())
        .unwrap_or(base)
        .to_string()
}

/// Streams a tar archive, gzip-compressed or not, from `url` into `dest`.
fn download_suite(url: &str, dest: &Path) -> Result<(), String> {
    let mut body = BufReader::new(get(url)?.into_body().into_reader());
    let gzip = body
        .fill_buf()
        .map_err(|err| format!("GET {url}: {err}"))?
        .starts_with(&GZIP_MAGIC);
    let archive: Box<dyn Read> = if gzip {
        Box::new(flate2::read::GzDecoder::new(body))
    } else {
        Box::new(body)
    };
    unpack(archive, dest).map_err(|err| format!("{url}: not a tar archive of test folders: {err}"))
}

/// Writes the folders and regular files of a tar archive below `dest`; links and devices are
/// skipped as in KUTTL, and an entry that would land outside `dest` is an error.
fn unpack(archive: impl Read, dest: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dest)?;
    let mut archive = tar::Archive::new(archive);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let kind = entry.header().entry_type();
        if !(kind.is_file() || kind.is_dir()) {
            continue;
        }
        if !entry.unpack_in(dest)? {
            let path = entry.path()?.display().to_string();
            return Err(io::Error::other(format!(
                "entry {path:?} points outside the archive"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case("https://example.com/suites/e2e.tgz", true)]
    #[case("http://127.0.0.1:8080/x.yaml", true)]
    #[case("http://user@host/x.yaml", true)]
    #[case("git+ssh://host/repo", true)]
    #[case("file:///tmp/suite", false)]
    #[case("http://user@/x.yaml", false)]
    #[case("./suites/e2e", false)]
    #[case("e2e", false)]
    #[case("1http://host/x", false)]
    #[case("C:\\suites", false)]
    fn urls_have_a_scheme_and_a_host(#[case] entry: &str, #[case] expected: bool) {
        assert_eq!(is_url(entry), expected, "{entry}");
    }

    #[rstest]
    #[case("https://example.com/suites/e2e.tgz", "e2e")]
    #[case("https://example.com/suites/e2e.tar.gz", "e2e")]
    #[case("https://example.com/suites/e2e.tar", "e2e")]
    #[case("https://example.com/suites/e2e.v2.zip", "e2e.v2")]
    #[case("https://example.com/suites/e2e.tgz?token=abc#top", "e2e")]
    #[case("https://example.com/suites/e2e/", "e2e")]
    #[case("https://example.com/e2e", "e2e")]
    #[case("https://example.com/.tgz", ".tgz")]
    fn suites_are_named_after_the_archive(#[case] url: &str, #[case] expected: &str) {
        assert_eq!(archive_stem(url), expected);
    }

    #[test]
    fn refuses_entries_outside_the_folder() {
        let dest = tempfile::tempdir().unwrap();
        // `tar::Builder` refuses `..` itself, so the header is written by hand.
        let body = b"evil\n";
        let mut header = tar::Header::new_old();
        header.as_mut_bytes()[..10].copy_from_slice(b"../escaped");
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        let mut tar = header.as_bytes().to_vec();
        tar.extend_from_slice(body);
        tar.resize(512 * 4, 0);
        let err = unpack(tar.as_slice(), dest.path()).unwrap_err();
        assert!(err.to_string().contains("outside the archive"), "{err}");
        assert!(!dest.path().parent().unwrap().join("escaped").exists());
    }

    #[test]
    fn garbage_is_not_an_archive() {
        let dest = tempfile::tempdir().unwrap();
        let mut garbage = vec![7_u8; 1024];
        garbage[0] = b'x';
        assert!(unpack(garbage.as_slice(), dest.path()).is_err());
    }
}
