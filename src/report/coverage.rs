//! Per-test API endpoint coverage: each test's recorded requests mapped to operationIds, written
//! as `coverage.json`, with a summary against the spec's eligible endpoints and, given a baseline
//! `coverage.json`, the endpoints this run adds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::openapi::Index;

/// `coverage.json`.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct CoverageFile {
    /// Per test (or hook): operationId → number of requests.
    pub tests: BTreeMap<String, BTreeMap<String, usize>>,
    /// Per test: requests that match no operation of the spec (`METHOD path`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unmatched: BTreeMap<String, Vec<String>>,
    /// Totals.
    #[serde(default)]
    pub summary: Summary,
}

/// Totals of a coverage file.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Summary {
    /// Distinct operationIds hit.
    pub endpoints_hit: usize,
    /// Stable, non-deprecated operations in the spec.
    pub eligible: usize,
    /// Of those, how many were hit.
    pub eligible_hit: usize,
}

impl CoverageFile {
    /// Maps every recorded request (`(method, uri)`, per test) through the spec.
    pub(crate) fn build<'a>(
        index: &Index,
        recorded: impl IntoIterator<Item = (&'a str, &'a [(String, String)])>,
    ) -> Self {
        let mut file = Self::default();
        for (name, requests) in recorded {
            let counts = file.tests.entry(name.to_string()).or_default();
            for (method, uri) in requests {
                match index.operation(method, uri) {
                    Some(operation) => *counts.entry(operation.id.clone()).or_default() += 1,
                    None => file
                        .unmatched
                        .entry(name.to_string())
                        .or_default()
                        .push(format!("{method} {}", uri.split('?').next().unwrap_or(uri))),
                }
            }
        }
        for unmatched in file.unmatched.values_mut() {
            unmatched.sort();
            unmatched.dedup();
        }
        let hit = file.endpoints();
        let eligible: BTreeSet<&str> = index.eligible().collect();
        file.summary = Summary {
            endpoints_hit: hit.len(),
            eligible: eligible.len(),
            eligible_hit: hit
                .iter()
                .filter(|id| eligible.contains(id.as_str()))
                .count(),
        };
        file
    }

    /// Every operationId hit by any test.
    pub(crate) fn endpoints(&self) -> BTreeSet<String> {
        self.tests
            .values()
            .flat_map(|counts| counts.keys().cloned())
            .collect()
    }

    /// The summary line for the user, with what this run adds to `baseline`.
    pub(crate) fn describe(&self, baseline: Option<&CoverageFile>) -> String {
        let Summary {
            endpoints_hit,
            eligible,
            eligible_hit,
        } = self.summary;
        let mut line = format!(
            "coverage: {eligible_hit} of {eligible} eligible (stable, not deprecated) endpoints hit; {endpoints_hit} endpoints in all"
        );
        if let Some(baseline) = baseline {
            let before = baseline.endpoints();
            let added: Vec<String> = self.endpoints().difference(&before).cloned().collect();
            line.push_str(&format!(
                "\n+{} endpoints against the baseline",
                added.len()
            ));
            if !added.is_empty() {
                line.push_str(&format!(": {}", added.join(", ")));
            }
        }
        line
    }
}

/// Reads a baseline `coverage.json`.
pub(crate) fn read_baseline(path: &Path) -> Result<CoverageFile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read coverage baseline {}: {err}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|err| format!("coverage baseline {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn index() -> Index {
        let op = |id: &str| json!({"operationId": id});
        Index::from_spec(&json!({"paths": {
            "/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}/status": {"get": op("readAppsV1NamespacedStatefulSetStatus"), "put": op("replaceAppsV1NamespacedStatefulSetStatus"), "patch": op("patchAppsV1NamespacedStatefulSetStatus")},
            "/api/v1/namespaces/{namespace}/configmaps": {"get": op("listCoreV1NamespacedConfigMap"), "post": op("createCoreV1NamespacedConfigMap")},
            "/api/v1/namespaces": {"post": op("createCoreV1Namespace")},
        }}))
    }

    fn requests(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(m, u)| (m.to_string(), u.to_string()))
            .collect()
    }

    #[test]
    fn counts_per_test_and_lists_what_the_baseline_lacks() {
        let index = index();
        let baseline_requests = requests(&[
            ("POST", "/api/v1/namespaces"),
            ("POST", "/api/v1/namespaces/ns/configmaps"),
            ("GET", "/api/v1/namespaces/ns/configmaps?watch=true"),
        ]);
        let baseline =
            CoverageFile::build(&index, [("core::configmap", baseline_requests.as_slice())]);
        let typed = requests(&[
            ("POST", "/api/v1/namespaces"),
            ("GET", "/apis/apps/v1/namespaces/ns/statefulsets/web/status"),
            ("PUT", "/apis/apps/v1/namespaces/ns/statefulsets/web/status"),
            ("PUT", "/apis/apps/v1/namespaces/ns/statefulsets/web/status"),
            (
                "PATCH",
                "/apis/apps/v1/namespaces/ns/statefulsets/web/status",
            ),
            ("GET", "/version"),
        ]);
        let run = CoverageFile::build(
            &index,
            [
                ("core::configmap", baseline_requests.as_slice()),
                ("apps::statefulset-status-lifecycle", typed.as_slice()),
            ],
        );
        assert_eq!(
            run.tests["apps::statefulset-status-lifecycle"]["replaceAppsV1NamespacedStatefulSetStatus"],
            2
        );
        assert_eq!(
            run.unmatched["apps::statefulset-status-lifecycle"],
            ["GET /version"]
        );
        assert_eq!(
            run.summary,
            Summary {
                endpoints_hit: 6,
                eligible: 6,
                eligible_hit: 6
            }
        );
        assert_eq!(
            run.describe(Some(&baseline)),
            "coverage: 6 of 6 eligible (stable, not deprecated) endpoints hit; 6 endpoints in all\n+3 endpoints against the baseline: patchAppsV1NamespacedStatefulSetStatus, readAppsV1NamespacedStatefulSetStatus, replaceAppsV1NamespacedStatefulSetStatus"
        );
        let round_trip: CoverageFile =
            serde_json::from_str(&serde_json::to_string(&run).unwrap()).unwrap();
        assert_eq!(round_trip, run);
    }
}
