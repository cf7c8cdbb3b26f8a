//! A kind cluster created for the run with the `kind` CLI, and deleted at its end.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use crate::load::KindSettings;

/// A kind cluster this run created.
pub(crate) struct KindCluster {
    name: String,
    dir: tempfile::TempDir,
    /// The kubeconfig kind wrote, as text.
    pub kubeconfig: String,
}

impl KindCluster {
    /// Creates the cluster; refuses one that already exists, as KUTTL does.
    pub(crate) async fn create(settings: &KindSettings) -> Result<Self, String> {
        let kind = find_on_path("kind", std::env::var_os("PATH")).ok_or(
            "kindCluster.start needs the `kind` command on PATH\n(hint: install kind from https://kind.sigs.k8s.io, or point KUBECONFIG at a cluster and turn kindCluster.start off)",
        )?;
        let engine =
            std::env::var("KIND_EXPERIMENTAL_PROVIDER").unwrap_or_else(|_| "docker".into());
        if find_on_path(&engine, std::env::var_os("PATH")).is_none()
            || !succeeds(Command::new(&engine).arg("info")).await
        {
            return Err(format!(
                "kind needs a running container engine, and `{engine} info` fails\n(hint: start {engine}, or set KIND_EXPERIMENTAL_PROVIDER to podman or nerdctl)"
            ));
        }
        let existing = output(Command::new(&kind).args(["get", "clusters"])).await?;
        if existing.lines().any(|line| line.trim() == settings.name) {
            return Err(format!(
                "a kind cluster named {:?} already exists; kuttl-rs creates its own (delete it with `kind delete cluster --name {}`, or use it through KUBECONFIG)",
                settings.name, settings.name
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("kuttl-rs-kind-")
            .tempdir()
            .map_err(|err| format!("cannot create a temporary folder: {err}"))?;
        let kubeconfig_path = dir.path().join("kubeconfig");
        let mut create = Command::new(&kind);
        create
            .args([
                "create",
                "cluster",
                "--name",
                &settings.name,
                "--wait",
                "5m",
                "--kubeconfig",
            ])
            .arg(&kubeconfig_path);
        if let Some(config) = &settings.config {
            create.arg("--config").arg(config);
        }
        output(&mut create).await?;
        let cluster = Self {
            name: settings.name.clone(),
            kubeconfig: std::fs::read_to_string(&kubeconfig_path)
                .map_err(|err| format!("kind wrote no kubeconfig: {err}"))?,
            dir,
        };
        for image in &settings.containers {
            if let Err(err) = output(Command::new(&kind).args([
                "load",
                "docker-image",
                image,
                "--name",
                &settings.name,
            ]))
            .await
            {
                cluster.delete().await;
                return Err(err);
            }
        }
        Ok(cluster)
    }

    /// Where the kubeconfig was written.
    pub(crate) fn kubeconfig_path(&self) -> PathBuf {
        self.dir.path().join("kubeconfig")
    }

    /// Deletes the cluster.
    pub(crate) async fn delete(self) {
        if let Some(kind) = find_on_path("kind", std::env::var_os("PATH")) {
            let _ =
                output(Command::new(kind).args(["delete", "cluster", "--name", &self.name])).await;
        }
    }
}

/// The first executable named `name` in the folders of `path` (a `PATH` value).
pub(crate) fn find_on_path(name: &str, path: Option<std::ffi::OsString>) -> Option<PathBuf> {
    std::env::split_paths(&path?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Elsewhere there is no executable bit: a file of that name is taken.
#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

async fn succeeds(command: &mut Command) -> bool {
    command
        .output()
        .await
        .is_ok_and(|output| output.status.success())
}

async fn output(command: &mut Command) -> Result<String, String> {
    let shown = format!("{:?}", command.as_std());
    let output = command
        .output()
        .await
        .map_err(|err| format!("{shown} could not start: {err}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!(
            "{shown} failed ({}):\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_executables_on_path_only() {
        let path = Some(std::ffi::OsString::from("/nonexistent:/bin:/usr/bin"));
        assert!(find_on_path("sh", path.clone()).is_some());
        assert!(find_on_path("surely-not-a-command-kuttl-rs", path).is_none());
        assert!(find_on_path("sh", Some("/nonexistent".into())).is_none());
        assert!(find_on_path("sh", None).is_none());
    }
}
