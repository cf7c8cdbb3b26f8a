//! envtest binaries (etcd, kube-apiserver, kubectl) fetched as controller-runtime's setup-envtest
//! fetches them: the release index names a `envtest-v<version>-<os>-<arch>.tar.gz` archive and its
//! SHA-512; the archive is downloaded, verified and unpacked into setup-envtest's cache
//! (`<data dir>/kubebuilder-envtest/k8s/<version>-<os>-<arch>`), so both tools share it. A cached
//! version is used without any network access. Processes share one download through a lock file.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The index setup-envtest reads by default.
pub(crate) const DEFAULT_INDEX: &str =
    "https://raw.githubusercontent.com/kubernetes-sigs/controller-tools/HEAD/envtest-releases.yaml";

/// The binaries a control plane needs from the folder.
const NEEDED: [&str; 2] = ["etcd", "kube-apiserver"];

/// Why no envtest binaries could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AssetsError {
    /// `controlPlane.version` is not `1.33`, `1.33.x` or a version.
    #[error("controlPlane.version {0:?} is not a version (1.33, 1.33.x or 1.33.2)")]
    BadVersion(String),
    /// The index, or an archive, could not be read.
    #[error(
        "cannot fetch envtest binaries: {reason}\n(cache: {cache}; hint: set KUBEBUILDER_ASSETS to a folder with etcd and kube-apiserver, or KUTTL_ENVTEST_INDEX to a mirror's index or a local file)"
    )]
    Fetch { reason: String, cache: String },
    /// The index has no archive for the version and platform.
    #[error("the envtest index {index} has no {wanted}")]
    NotInIndex { index: String, wanted: String },
    /// The archive is not the one the index names.
    #[error(
        "checksum mismatch for {archive}: sha512 {actual} (downloaded) != {expected} (index); nothing was cached"
    )]
    Checksum {
        archive: String,
        actual: String,
        expected: String,
    },
    /// The cache could not be written.
    #[error("cannot write the envtest cache {path}: {reason}")]
    Cache { path: String, reason: String },
}

/// The release index: version → archive name → hash and link.
#[derive(Debug, Deserialize)]
struct Index {
    releases: BTreeMap<String, BTreeMap<String, Archive>>,
}

#[derive(Debug, Deserialize)]
struct Archive {
    hash: String,
    #[serde(rename = "selfLink")]
    self_link: String,
}

/// Which version is wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Wanted {
    /// The newest stable one.
    Newest,
    /// The newest stable one of a minor release (`1.33`, `1.33.x`).
    Series(u64, u64),
    Exact(Version),
}

type Version = (u64, u64, u64);

fn parse_wanted(text: Option<&str>) -> Result<Wanted, AssetsError> {
    let Some(text) = text.filter(|text| !text.is_empty()) else {
        return Ok(Wanted::Newest);
    };
    let bad = || AssetsError::BadVersion(text.to_string());
    let parts: Vec<&str> = text.trim_start_matches('v').split('.').collect();
    let number = |part: &str| part.parse::<u64>().map_err(|_| bad());
    match parts.as_slice() {
        [major, minor] | [major, minor, "x"] => Ok(Wanted::Series(number(major)?, number(minor)?)),
        [major, minor, patch] => Ok(Wanted::Exact((
            number(major)?,
            number(minor)?,
            number(patch)?,
        ))),
        _ => Err(bad()),
    }
}

/// `1.33.2`, or `None` for a pre-release or anything else.
fn parse_version(text: &str) -> Option<Version> {
    let mut parts = text.trim_start_matches('v').split('.');
    let version = (
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
        parts.next()?.parse().ok()?,
    );
    parts.next().is_none().then_some(version)
}

impl Wanted {
    fn accepts(&self, version: Version) -> bool {
        match self {
            Self::Newest => true,
            Self::Series(major, minor) => (version.0, version.1) == (*major, *minor),
            Self::Exact(exact) => version == *exact,
        }
    }

    /// The newest of `versions` this accepts.
    fn pick(&self, versions: impl IntoIterator<Item = Version>) -> Option<Version> {
        versions.into_iter().filter(|v| self.accepts(*v)).max()
    }
}

/// Go's names for this machine: `linux`/`darwin`, `amd64`/`arm64`.
fn platform() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    (os, arch)
}

/// setup-envtest's cache: `${XDG_DATA_HOME:-~/.local/share}/kubebuilder-envtest/k8s`
/// (`~/Library/Application Support/io.kubebuilder.envtest/k8s` on macOS).
pub(crate) fn default_cache(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let home = env("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from);
    if std::env::consts::OS == "macos" {
        return home
            .map(|home| home.join("Library/Application Support/io.kubebuilder.envtest/k8s"));
    }
    let data = env("XDG_DATA_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| home.map(|home| home.join(".local/share")))?;
    Some(data.join("kubebuilder-envtest/k8s"))
}

fn folder_name(version: Version) -> String {
    let (os, arch) = platform();
    format!("{}.{}.{}-{os}-{arch}", version.0, version.1, version.2)
}

/// The cached versions, complete ones only.
fn cached(cache: &Path) -> Vec<Version> {
    let (os, arch) = platform();
    let suffix = format!("-{os}-{arch}");
    std::fs::read_dir(cache)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|entry| NEEDED.iter().all(|name| entry.path().join(name).is_file()))
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            parse_version(name.strip_suffix(&suffix)?)
        })
        .collect()
}

/// The folder of envtest binaries for `version` (`None`: the newest), from the cache or else
/// fetched through `index` (a URL or a file). Progress goes to `progress`.
pub(crate) fn ensure(
    version: Option<&str>,
    index: &str,
    cache: &Path,
    progress: &mut dyn Write,
) -> Result<PathBuf, AssetsError> {
    let wanted = parse_wanted(version)?;
    let cache_error = |err: std::io::Error| AssetsError::Cache {
        path: cache.display().to_string(),
        reason: err.to_string(),
    };
    std::fs::create_dir_all(cache).map_err(cache_error)?;
    // One process downloads; the others wait here, then find it cached.
    let lock = std::fs::File::create(cache.join(".kuttl-rs.lock")).map_err(cache_error)?;
    lock.lock().map_err(cache_error)?;
    if let Some(version) = wanted.pick(cached(cache)) {
        return Ok(cache.join(folder_name(version)));
    }
    let fetch_error = |reason: String| AssetsError::Fetch {
        reason,
        cache: cache.display().to_string(),
    };
    let index_text = read(index, progress).map_err(fetch_error)?;
    let parsed: Index = serde_saphyr::from_slice(&index_text)
        .map_err(|err| fetch_error(format!("{index}: not an envtest index: {err}")))?;
    let (os, arch) = platform();
    let version = wanted
        .pick(parsed.releases.keys().filter_map(|v| parse_version(v)))
        .ok_or_else(|| AssetsError::NotInIndex {
            index: index.to_string(),
            wanted: format!("stable version for {wanted:?}"),
        })?;
    let tag = format!("v{}.{}.{}", version.0, version.1, version.2);
    let name = format!("envtest-{tag}-{os}-{arch}.tar.gz");
    let archive = parsed
        .releases
        .iter()
        .find(|(v, _)| parse_version(v) == Some(version))
        .and_then(|(_, archives)| archives.get(&name))
        .ok_or_else(|| AssetsError::NotInIndex {
            index: index.to_string(),
            wanted: name.clone(),
        })?;
    let bytes = read(&archive.self_link, progress).map_err(fetch_error)?;
    let actual = data_encoding::HEXLOWER
        .encode(ring::digest::digest(&ring::digest::SHA512, &bytes).as_ref());
    if !actual.eq_ignore_ascii_case(&archive.hash) {
        return Err(AssetsError::Checksum {
            archive: name,
            actual,
            expected: archive.hash.clone(),
        });
    }
    let folder = cache.join(folder_name(version));
    unpack(&bytes, cache, &folder).map_err(|err| AssetsError::Cache {
        path: folder.display().to_string(),
        reason: err.to_string(),
    })?;
    let _ = writeln!(progress, "envtest {tag} cached in {}", folder.display());
    Ok(folder)
}

/// Writes the archive's regular files (flattened, as setup-envtest does) into a fresh folder
/// beside `folder`, then renames it: a failure leaves no half-written folder.
fn unpack(bytes: &[u8], cache: &Path, folder: &Path) -> std::io::Result<()> {
    let staging = tempfile::Builder::new()
        .prefix(".unpacking-")
        .tempdir_in(cache)?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for entry in archive.entries()? {
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path()?.into_owned();
        let Some(name) = path.file_name() else {
            continue;
        };
        let target = staging.path().join(name);
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents)?;
        std::fs::write(&target, contents)?;
        #[cfg(unix)]
        std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o755))?;
    }
    for needed in NEEDED {
        if !staging.path().join(needed).is_file() {
            return Err(std::io::Error::other(format!(
                "the archive holds no {needed}"
            )));
        }
    }
    std::fs::rename(staging.keep(), folder)
}

/// The bytes at `location`: a URL, a `file://` URL or a path.
fn read(location: &str, progress: &mut dyn Write) -> Result<Vec<u8>, String> {
    if let Some(path) = location.strip_prefix("file://") {
        return std::fs::read(path).map_err(|err| format!("{location}: {err}"));
    }
    if !crate::load::is_url(location) {
        return std::fs::read(location).map_err(|err| format!("{location}: {err}"));
    }
    let _ = writeln!(progress, "downloading {location}");
    let mut reported = 0;
    crate::load::download(location, &mut |read, length| {
        // A line at each tenth of a download whose length is known.
        if let Some(length) = length.filter(|&length| length > 0) {
            let tenth = read * 10 / length;
            if tenth > reported {
                reported = tenth;
                let _ = writeln!(
                    progress,
                    "downloading {location}: {}% of {:.1} MB",
                    tenth * 10,
                    length as f64 / 1e6
                );
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use rstest::rstest;

    use super::*;

    /// A loopback server of `files` (path → body; anything else is 404), counting requests.
    struct Server {
        base: String,
        files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
        requests: Arc<AtomicUsize>,
        stop: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Server {
        fn start() -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let base = format!("http://{}", listener.local_addr().unwrap());
            let files: Arc<Mutex<HashMap<String, Vec<u8>>>> = Arc::default();
            let requests = Arc::new(AtomicUsize::new(0));
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let (served, counted, stopped) =
                (Arc::clone(&files), Arc::clone(&requests), Arc::clone(&stop));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(mut stream) = stream else { continue };
                    if stopped.load(Ordering::SeqCst) {
                        return;
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut request = String::new();
                    reader.read_line(&mut request).unwrap();
                    let path = request.split(' ').nth(1).unwrap_or_default().to_string();
                    let mut line = String::new();
                    while reader.read_line(&mut line).unwrap_or(0) > 2 {
                        line.clear();
                    }
                    let (status, body) = match served.lock().unwrap().get(&path) {
                        Some(body) => ("200 OK", body.clone()),
                        None => ("404 Not Found", b"no such file".to_vec()),
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(&body);
                }
            });
            Self {
                base,
                files,
                requests,
                stop,
            }
        }

        fn serve(&self, path: &str, body: Vec<u8>) {
            self.files.lock().unwrap().insert(path.into(), body);
        }

        fn requests(&self) -> usize {
            self.requests.load(Ordering::SeqCst)
        }

        /// Refuses every later connection.
        fn stop(&self) {
            self.stop.store(true, Ordering::SeqCst);
            let _ = std::net::TcpStream::connect(self.base.trim_start_matches("http://"));
        }
    }

    /// An archive packed as the releases are: `controller-tools/envtest/<binary>`.
    fn archive() -> Vec<u8> {
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for name in ["etcd", "kube-apiserver", "kubectl"] {
            let body = format!("#!/bin/sh\necho {name}\n");
            let mut header = tar::Header::new_gnu();
            header.set_size(body.len() as u64);
            header.set_mode(0o755);
            header.set_cksum();
            tar.append_data(
                &mut header,
                format!("controller-tools/envtest/{name}"),
                body.as_bytes(),
            )
            .unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap()
    }

    fn sha512(bytes: &[u8]) -> String {
        data_encoding::HEXLOWER.encode(ring::digest::digest(&ring::digest::SHA512, bytes).as_ref())
    }

    /// Serves an index of `versions` (each with the same archive, whose hash is `hash`).
    fn publish(server: &Server, versions: &[&str], hash: &str) -> String {
        let (os, arch) = platform();
        let mut index = String::from("releases:\n");
        for version in versions {
            let name = format!("envtest-{version}-{os}-{arch}.tar.gz");
            index.push_str(&format!(
                "  {version}:\n    {name}:\n      hash: {hash}\n      selfLink: {}/{name}\n",
                server.base
            ));
            server.serve(&format!("/{name}"), archive());
        }
        server.serve("/envtest-releases.yaml", index.into_bytes());
        format!("{}/envtest-releases.yaml", server.base)
    }

    #[test]
    fn downloads_verifies_caches_and_then_needs_no_network() {
        let server = Server::start();
        let index = publish(
            &server,
            &["v1.28.7", "v1.30.1", "v1.31.0-beta.0"],
            &sha512(&archive()),
        );
        let cache = tempfile::tempdir().unwrap();
        let mut progress = Vec::new();
        let folder = ensure(None, &index, cache.path(), &mut progress).unwrap();
        assert_eq!(
            folder,
            cache.path().join(folder_name((1, 30, 1))),
            "the newest stable one"
        );
        assert_eq!(
            std::fs::read_to_string(folder.join("etcd")).unwrap(),
            "#!/bin/sh\necho etcd\n"
        );
        let progress = String::from_utf8(progress).unwrap();
        assert!(
            progress.contains("tar.gz: 100% of 0.0 MB") && progress.contains("cached in"),
            "{progress}"
        );
        let served = server.requests();
        server.stop();
        assert_eq!(
            ensure(Some("1.30"), &index, cache.path(), &mut Vec::new()),
            Ok(folder.clone())
        );
        assert_eq!(
            ensure(None, &index, cache.path(), &mut Vec::new()),
            Ok(folder)
        );
        assert_eq!(server.requests(), served, "the cache answered");
        let offline = ensure(Some("1.28.7"), &index, cache.path(), &mut Vec::new()).unwrap_err();
        assert!(
            offline.to_string().contains(&index)
                && offline.to_string().contains("KUBEBUILDER_ASSETS"),
            "{offline}"
        );
    }

    #[test]
    fn a_checksum_mismatch_caches_nothing() {
        let server = Server::start();
        let index = publish(&server, &["v1.28.7"], &sha512(b"another archive"));
        let cache = tempfile::tempdir().unwrap();
        let err = ensure(Some("1.28.7"), &index, cache.path(), &mut Vec::new()).unwrap_err();
        assert!(matches!(err, AssetsError::Checksum { .. }), "{err}");
        let left: Vec<_> = std::fs::read_dir(cache.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            left,
            [".kuttl-rs.lock"],
            "no folder, not even a half-written one"
        );
    }

    #[test]
    fn a_missing_archive_names_the_url() {
        let server = Server::start();
        let index = publish(&server, &["v1.28.7"], &sha512(&archive()));
        server
            .files
            .lock()
            .unwrap()
            .retain(|path, _| path.ends_with(".yaml"));
        let cache = tempfile::tempdir().unwrap();
        let err = ensure(Some("1.28"), &index, cache.path(), &mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("404"), "{err}");
        assert!(err.to_string().contains(&server.base), "{err}");
        let missing = ensure(Some("1.29"), &index, cache.path(), &mut Vec::new()).unwrap_err();
        assert!(
            matches!(missing, AssetsError::NotInIndex { .. }),
            "{missing}"
        );
    }

    #[test]
    fn concurrent_runs_share_one_download() {
        let server = Server::start();
        let index = publish(&server, &["v1.28.7"], &sha512(&archive()));
        let cache = tempfile::tempdir().unwrap();
        let folders: Vec<_> = std::thread::scope(|scope| {
            let runs: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| ensure(Some("1.28.7"), &index, cache.path(), &mut Vec::new()))
                })
                .collect();
            runs.into_iter()
                .map(|run| run.join().unwrap().unwrap())
                .collect()
        });
        assert!(folders.iter().all(|folder| folder == &folders[0]));
        assert_eq!(
            server.requests(),
            2,
            "one index and one archive download in all"
        );
    }

    #[rstest]
    #[case(None, Wanted::Newest)]
    #[case(Some("1.33"), Wanted::Series(1, 33))]
    #[case(Some("1.33.x"), Wanted::Series(1, 33))]
    #[case(Some("v1.28.7"), Wanted::Exact((1, 28, 7)))]
    fn versions_are_series_or_exact(#[case] text: Option<&str>, #[case] expected: Wanted) {
        assert_eq!(parse_wanted(text), Ok(expected));
    }

    #[test]
    fn a_bad_version_is_refused() {
        assert_eq!(
            parse_wanted(Some("one.two")),
            Err(AssetsError::BadVersion("one.two".into()))
        );
    }

    #[test]
    fn picks_the_newest_stable_version_wanted() {
        let versions = [(1, 28, 7), (1, 30, 0), (1, 28, 12)];
        assert_eq!(Wanted::Newest.pick(versions), Some((1, 30, 0)));
        assert_eq!(Wanted::Series(1, 28).pick(versions), Some((1, 28, 12)));
        assert_eq!(Wanted::Series(1, 29).pick(versions), None);
        assert_eq!(parse_version("v1.31.0-beta.0"), None);
    }

    #[test]
    fn the_cache_is_setup_envtests() {
        let env = |name: &str| match name {
            "HOME" => Some("/home/u".to_string()),
            _ => None,
        };
        if std::env::consts::OS == "linux" {
            assert_eq!(
                default_cache(env),
                Some(PathBuf::from(
                    "/home/u/.local/share/kubebuilder-envtest/k8s"
                ))
            );
            let xdg = |name: &str| (name == "XDG_DATA_HOME").then(|| "/data".to_string());
            assert_eq!(
                default_cache(xdg),
                Some(PathBuf::from("/data/kubebuilder-envtest/k8s"))
            );
        }
    }
}
