//! An embedded control plane: etcd and kube-apiserver from `KUBEBUILDER_ASSETS` (the envtest
//! layout), on loopback ports, with certificates generated for the run, a bearer token in
//! `system:masters` and a kubeconfig (mode 0600) in a temporary folder. Stopping it kills both
//! processes and removes the folder.
//!
//! There are no controllers: no namespace controller deletes namespaces, no service-account
//! controller creates accounts (the ServiceAccount admission plugin is off, as in envtest).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, SanType};
use tokio::process::{Child, Command};
use tokio::time::Instant;

use super::envtest_assets::AssetsError;
use super::error::ControlPlaneError;

/// The environment variable naming the folder with `etcd` and `kube-apiserver`.
pub(crate) const ASSETS_ENV: &str = "KUBEBUILDER_ASSETS";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const LOG_TAIL_LINES: usize = 20;
/// The kubeconfig's file name in the control plane's folder.
const KUBECONFIG_FILE: &str = "kubeconfig";

/// A running etcd and kube-apiserver.
pub(crate) struct ControlPlane {
    dir: tempfile::TempDir,
    etcd: Child,
    apiserver: Child,
    /// The generated kubeconfig, as text.
    pub kubeconfig: String,
}

impl ControlPlane {
    /// Starts etcd, then kube-apiserver with `extra_args`, and waits until the API server is ready.
    /// The binaries come from `KUBEBUILDER_ASSETS`, else from `fetched` (envtest binaries fetched
    /// before the run, see [`super::envtest_binaries`]).
    pub(crate) async fn start(
        extra_args: &[String],
        fetched: Option<&Result<PathBuf, AssetsError>>,
    ) -> Result<Self, ControlPlaneError> {
        let assets = match (std::env::var_os(ASSETS_ENV), fetched) {
            (Some(assets), _) => PathBuf::from(assets),
            (None, Some(fetched)) => fetched.clone()?,
            (None, None) => return Err(ControlPlaneError::NoAssets(ASSETS_ENV)),
        };
        let binary = |name: &'static str| -> Result<PathBuf, ControlPlaneError> {
            let path = assets.join(name);
            path.is_file()
                .then_some(path.clone())
                .ok_or_else(|| ControlPlaneError::MissingBinary {
                    env: ASSETS_ENV,
                    folder: assets.display().to_string(),
                    binary: name,
                })
        };
        let (etcd_bin, apiserver_bin) = (binary("etcd")?, binary("kube-apiserver")?);
        let dir = tempfile::Builder::new()
            .prefix("kuttl-rs-control-plane-")
            .tempdir()
            .map_err(|err| setup("cannot create a temporary folder", err))?;
        let secrets = Secrets::write(dir.path())?;
        let [etcd_port, peer_port, api_port] = free_ports()?;
        let etcd = spawn(
            Command::new(&etcd_bin).args([
                "--data-dir",
                &dir.path().join("etcd").display().to_string(),
                "--listen-client-urls",
                &format!("http://127.0.0.1:{etcd_port}"),
                "--advertise-client-urls",
                &format!("http://127.0.0.1:{etcd_port}"),
                "--listen-peer-urls",
                &format!("http://127.0.0.1:{peer_port}"),
                "--initial-advertise-peer-urls",
                &format!("http://127.0.0.1:{peer_port}"),
                "--initial-cluster",
                &format!("default=http://127.0.0.1:{peer_port}"),
            ]),
            &dir.path().join("etcd.log"),
        )?;
        let server = format!("https://127.0.0.1:{api_port}");
        let path = |name: &str| dir.path().join(name).display().to_string();
        let mut args = vec![
            format!("--etcd-servers=http://127.0.0.1:{etcd_port}"),
            format!("--secure-port={api_port}"),
            "--bind-address=127.0.0.1".into(),
            "--advertise-address=127.0.0.1".into(),
            "--endpoint-reconciler-type=none".into(),
            format!("--tls-cert-file={}", path("apiserver.crt")),
            format!("--tls-private-key-file={}", path("apiserver.key")),
            format!("--token-auth-file={}", path("tokens.csv")),
            format!("--service-account-key-file={}", path("sa.pub")),
            format!("--service-account-signing-key-file={}", path("sa.key")),
            format!("--service-account-issuer={server}"),
            "--service-cluster-ip-range=10.0.0.0/24".into(),
            "--authorization-mode=RBAC".into(),
            "--allow-privileged=true".into(),
            "--disable-admission-plugins=ServiceAccount".into(),
        ];
        args.extend(extra_args.iter().cloned());
        let apiserver = spawn(
            Command::new(&apiserver_bin).args(&args),
            &dir.path().join("kube-apiserver.log"),
        )?;
        let kubeconfig = secrets.write_kubeconfig(dir.path(), &server)?;
        let mut plane = Self {
            dir,
            etcd,
            apiserver,
            kubeconfig,
        };
        if let Err(err) = plane.wait_ready().await {
            let logs = plane.log_tails();
            plane.stop().await;
            return Err(ControlPlaneError::WithLogs {
                failure: Box::new(err),
                logs,
            });
        }
        Ok(plane)
    }

    /// Where the kubeconfig was written.
    pub(crate) fn kubeconfig_path(&self) -> PathBuf {
        self.dir.path().join(KUBECONFIG_FILE)
    }

    async fn wait_ready(&mut self) -> Result<(), ControlPlaneError> {
        let config = super::endpoint::config_from_yaml(&self.kubeconfig)
            .await
            .map_err(|err| ControlPlaneError::Client(err.to_string()))?;
        let client = kube::Client::try_from(config)
            .map_err(|err| ControlPlaneError::Client(err.to_string()))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            for (name, child) in [
                ("etcd", &mut self.etcd),
                ("kube-apiserver", &mut self.apiserver),
            ] {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(ControlPlaneError::Exited {
                        name,
                        status: status.to_string(),
                    });
                }
            }
            let request = http::Request::get("/readyz")
                .body(Vec::new())
                .map_err(|err| ControlPlaneError::Client(err.to_string()))?;
            if client.request_text(request).await.is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(ControlPlaneError::NotReady(READY_TIMEOUT.as_secs()));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    fn log_tails(&self) -> String {
        ["etcd.log", "kube-apiserver.log"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
                let lines: Vec<&str> = text.lines().collect();
                let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
                format!("last lines of {name}:\n{tail}\n")
            })
            .collect()
    }

    /// Kills kube-apiserver, then etcd, waits for both and removes the folder.
    pub(crate) async fn stop(mut self) {
        for child in [&mut self.apiserver, &mut self.etcd] {
            let _ = child.kill().await;
        }
        // `self.dir` is removed when it is dropped here.
    }
}

/// The certificates, keys and token of one control plane.
struct Secrets {
    ca_pem: String,
    token: String,
}

impl Secrets {
    fn write(dir: &Path) -> Result<Self, ControlPlaneError> {
        let fail = |err: rcgen::Error| ControlPlaneError::Certificates(err.to_string());
        let ca_key = KeyPair::generate().map_err(fail)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kuttl-rs control plane CA");
        let ca = ca_params.self_signed(&ca_key).map_err(fail)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let server_key = KeyPair::generate().map_err(fail)?;
        let mut server_params =
            CertificateParams::new(vec!["localhost".to_string()]).map_err(fail)?;
        server_params
            .subject_alt_names
            .push(SanType::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()));
        server_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kube-apiserver");
        let server = server_params
            .signed_by(&server_key, &issuer)
            .map_err(fail)?;

        let service_accounts = KeyPair::generate().map_err(fail)?;
        let token = random_token()?;
        let files = [
            ("apiserver.crt", server.pem()),
            ("apiserver.key", server_key.serialize_pem()),
            ("sa.key", service_accounts.serialize_pem()),
            ("sa.pub", service_accounts.public_key_pem()),
            (
                "tokens.csv",
                format!("{token},kuttl-rs-admin,kuttl-rs-admin,system:masters\n"),
            ),
        ];
        for (name, contents) in files {
            write_private(&dir.join(name), &contents)?;
        }
        Ok(Self {
            ca_pem: ca.pem(),
            token,
        })
    }

    /// Writes the kubeconfig for `server` into `dir`, readable by the owner only, and returns it.
    fn write_kubeconfig(&self, dir: &Path, server: &str) -> Result<String, ControlPlaneError> {
        let kubeconfig = self.kubeconfig(server);
        write_private(&dir.join(KUBECONFIG_FILE), &kubeconfig)?;
        Ok(kubeconfig)
    }

    fn kubeconfig(&self, server: &str) -> String {
        use base64::Engine as _;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: kuttl-rs\n  cluster:\n    server: {server}\n    certificate-authority-data: {}\nusers:\n- name: kuttl-rs-admin\n  user:\n    token: {}\ncontexts:\n- name: kuttl-rs\n  context:\n    cluster: kuttl-rs\n    user: kuttl-rs-admin\ncurrent-context: kuttl-rs\n",
            b64(self.ca_pem.as_bytes()),
            self.token
        )
    }
}

fn spawn(command: &mut Command, log: &Path) -> Result<Child, ControlPlaneError> {
    let cannot_create = |err| setup(&format!("cannot create {}", log.display()), err);
    let file = std::fs::File::create(log).map_err(cannot_create)?;
    let stderr = file.try_clone().map_err(cannot_create)?;
    command
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| {
            let doing = format!("cannot start {:?}", command.as_std().get_program());
            setup(&doing, err)
        })
}

fn setup(doing: &str, err: std::io::Error) -> ControlPlaneError {
    ControlPlaneError::Setup {
        doing: doing.to_string(),
        reason: err.to_string(),
    }
}

/// `N` distinct free ports on 127.0.0.1. Each is held until all are chosen: one closed at once
/// could be handed out again (etcd and the API server were once given the same port).
fn free_ports<const N: usize>() -> Result<[u16; N], ControlPlaneError> {
    let no_port = |err| setup("no free port on 127.0.0.1", err);
    let mut held = Vec::with_capacity(N);
    let mut ports = [0; N];
    for port in &mut ports {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(no_port)?;
        *port = listener.local_addr().map_err(no_port)?.port();
        held.push(listener);
    }
    Ok(ports)
}

fn write_private(path: &Path, contents: &str) -> Result<(), ControlPlaneError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let cannot_write = |err| setup(&format!("cannot write {}", path.display()), err);
    let mut file = options.open(path).map_err(cannot_write)?;
    std::io::Write::write_all(&mut file, contents.as_bytes()).map_err(cannot_write)
}

/// 128 bits from the system's cryptographic random generator, as 32 hexadecimal characters.
fn random_token() -> Result<String, ControlPlaneError> {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| {
            ControlPlaneError::Certificates("the system random generator failed".into())
        })?;
    Ok(data_encoding::HEXLOWER.encode(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ports_of_one_control_plane_are_distinct() {
        for _ in 0..200 {
            let [etcd, peer, api] = free_ports().unwrap();
            assert!(
                etcd != peer && peer != api && etcd != api,
                "{etcd} {peer} {api}"
            );
        }
    }

    #[test]
    fn writes_certificates_keys_and_a_kubeconfig_kube_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::write(dir.path()).unwrap();
        let written = secrets
            .write_kubeconfig(dir.path(), "https://127.0.0.1:6443")
            .unwrap();
        assert_eq!(written, secrets.kubeconfig("https://127.0.0.1:6443"));
        for name in [
            "apiserver.crt",
            "apiserver.key",
            "sa.key",
            "sa.pub",
            "tokens.csv",
            KUBECONFIG_FILE,
        ] {
            let metadata = std::fs::metadata(dir.path().join(name)).unwrap();
            assert_eq!(
                std::os::unix::fs::PermissionsExt::mode(&metadata.permissions()) & 0o777,
                0o600,
                "{name}"
            );
        }
        let kubeconfig =
            kube::config::Kubeconfig::from_yaml(&secrets.kubeconfig("https://127.0.0.1:6443"))
                .unwrap();
        let cluster = kubeconfig.clusters[0].cluster.as_ref().unwrap();
        assert_eq!(cluster.server.as_deref(), Some("https://127.0.0.1:6443"));
        assert!(
            cluster
                .certificate_authority_data
                .as_ref()
                .is_some_and(|ca| !ca.is_empty())
        );
        assert_eq!(secrets.token.len(), 32);
    }

    #[test]
    fn tokens_are_128_random_bits_in_hex() {
        let tokens: std::collections::HashSet<String> =
            (0..100).map(|_| random_token().unwrap()).collect();
        assert_eq!(tokens.len(), 100);
        for token in &tokens {
            assert_eq!(token.len(), 32, "{token}");
            assert!(
                token
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{token}"
            );
        }
        // A uniform generator's first digits take most of the 16 values over 100 tokens.
        let digits: std::collections::HashSet<u8> =
            tokens.iter().map(|token| token.as_bytes()[0]).collect();
        assert!(digits.len() > 10, "{digits:?}");
    }
}
