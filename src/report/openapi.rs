//! Mapping a request (method and path) to the OpenAPI operationId it exercises, from the cluster's
//! `/openapi/v2`, as APISnoop does (spec/apisnoop.md §2), with per-template matching so that an
//! object named like a literal segment (`status`) cannot steal its route.

use std::collections::HashMap;

use serde_json::Value;

/// One operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Operation {
    pub id: String,
    /// Neither alpha nor beta, and not deprecated: counted in coverage totals.
    pub eligible: bool,
}

/// A path template's segments and its operations by method key.
type Template = (Vec<String>, HashMap<String, Operation>);

/// Path templates by segment count.
#[derive(Debug, Default)]
pub(crate) struct Index {
    templates: HashMap<usize, Vec<Template>>,
}

impl Index {
    /// Indexes an OpenAPI v2 document.
    pub(crate) fn from_spec(spec: &Value) -> Self {
        let mut index = Self::default();
        let Some(paths) = spec.get("paths").and_then(Value::as_object) else {
            return index;
        };
        for (path, item) in paths {
            let segments = split(path);
            let level_ok = !path.contains("alpha") && !path.contains("beta");
            let operations: HashMap<String, Operation> = item
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| method.as_str() != "parameters")
                .filter_map(|(method, operation)| {
                    let id = operation.get("operationId")?.as_str()?.to_string();
                    let deprecated = operation
                        .get("description")
                        .and_then(Value::as_str)
                        .is_some_and(|d| d.to_ascii_lowercase().contains("deprecated"));
                    Some((
                        method.clone(),
                        Operation {
                            id,
                            eligible: level_ok && !deprecated,
                        },
                    ))
                })
                .collect();
            index
                .templates
                .entry(segments.len())
                .or_default()
                .push((segments, operations));
        }
        index
    }

    /// The operation a request exercises: the template of the same length with the most literal
    /// segments matching, and the operation for the request's method.
    pub(crate) fn operation(&self, method: &str, uri: &str) -> Option<&Operation> {
        let segments = normalize(uri);
        let key = method.to_ascii_lowercase();
        self.templates
            .get(&segments.len())?
            .iter()
            .filter_map(|(template, operations)| Some((score(template, &segments)?, operations)))
            .max_by_key(|(score, _)| *score)
            .and_then(|(_, operations)| operations.get(&key))
    }

    /// Every eligible operationId.
    pub(crate) fn eligible(&self) -> impl Iterator<Item = &str> {
        self.templates
            .values()
            .flatten()
            .flat_map(|(_, operations)| operations.values())
            .filter(|operation| operation.eligible)
            .map(|operation| operation.id.as_str())
    }
}

fn split(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The path without its query, split into segments, everything after a `proxy` segment joined into
/// one (as `{path}` matches it).
fn normalize(uri: &str) -> Vec<String> {
    let path = uri.split('?').next().unwrap_or(uri);
    let mut segments = split(path);
    let proxy = segments.iter().position(|s| s == "proxy");
    if let Some(proxy) = proxy.filter(|&proxy| segments.len() > proxy + 2) {
        let tail = segments.split_off(proxy + 1).join("/");
        segments.push(tail);
    }
    segments
}

/// How many literal segments of `template` match, or `None` when one does not.
fn score(template: &[String], segments: &[String]) -> Option<usize> {
    template
        .iter()
        .zip(segments)
        .try_fold(0, |score, (template, segment)| {
            if template.starts_with('{') {
                Some(score)
            } else if template == segment {
                Some(score + 1)
            } else {
                None
            }
        })
}

#[cfg(test)]
mod tests {
    use rstest::rstest;
    use serde_json::json;

    use super::*;

    /// A slice of a real `/openapi/v2`, plus a CRD's paths.
    fn index() -> Index {
        let op = |id: &str| json!({"operationId": id, "description": "operation"});
        let deprecated = |id: &str| json!({"operationId": id, "description": "deprecated: use the 'watch' parameter with a list operation instead."});
        Index::from_spec(&json!({"paths": {
            "/api/v1/namespaces/{namespace}/pods": {"get": op("listCoreV1NamespacedPod"), "post": op("createCoreV1NamespacedPod"), "delete": op("deleteCoreV1CollectionNamespacedPod"), "parameters": []},
            "/api/v1/namespaces/{namespace}/pods/{name}": {"get": op("readCoreV1NamespacedPod"), "put": op("replaceCoreV1NamespacedPod"), "patch": op("patchCoreV1NamespacedPod"), "delete": op("deleteCoreV1NamespacedPod")},
            "/api/v1/namespaces/{namespace}/pods/{name}/log": {"get": op("readCoreV1NamespacedPodLog")},
            "/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}": {"get": op("connectCoreV1GetNamespacedPodProxyWithPath")},
            "/api/v1/pods": {"get": op("listCoreV1PodForAllNamespaces")},
            "/api/v1/namespaces": {"get": op("listCoreV1Namespace"), "post": op("createCoreV1Namespace")},
            "/api/v1/namespaces/{name}": {"get": op("readCoreV1Namespace"), "delete": op("deleteCoreV1Namespace")},
            "/api/v1/namespaces/{name}/status": {"get": op("readCoreV1NamespaceStatus")},
            "/api/v1/nodes/{name}": {"get": op("readCoreV1Node")},
            "/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}/status": {"get": op("readAppsV1NamespacedStatefulSetStatus"), "put": op("replaceAppsV1NamespacedStatefulSetStatus"), "patch": op("patchAppsV1NamespacedStatefulSetStatus")},
            "/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}": {"get": op("readAppsV1NamespacedStatefulSet")},
            "/apis/apps/v1/statefulsets": {"get": op("listAppsV1StatefulSetForAllNamespaces")},
            "/apis/apps/v1/watch/namespaces/{namespace}/statefulsets": {"get": deprecated("watchAppsV1NamespacedStatefulSetList")},
            "/apis/batch/v1beta1/namespaces/{namespace}/cronjobs": {"get": op("listBatchV1beta1NamespacedCronJob")},
            "/apis/step.kuttl-rs.dev/v1/namespaces/{namespace}/widgets/{name}": {"get": op("readStepKuttlRsDevV1NamespacedWidget")},
            "/api/": {"get": op("getCoreAPIVersions")},
        }}))
    }

    #[rstest]
    #[case(
        "GET",
        "/api/v1/namespaces/ns1/pods?labelSelector=app%3Dx",
        "listCoreV1NamespacedPod"
    )]
    #[case(
        "GET",
        "/api/v1/namespaces/ns1/pods?watch=true&resourceVersion=5",
        "listCoreV1NamespacedPod"
    )]
    #[case("POST", "/api/v1/namespaces/ns1/pods?", "createCoreV1NamespacedPod")]
    #[case(
        "DELETE",
        "/api/v1/namespaces/ns1/pods",
        "deleteCoreV1CollectionNamespacedPod"
    )]
    #[case("GET", "/api/v1/namespaces/ns1/pods/web-0", "readCoreV1NamespacedPod")]
    #[case(
        "PATCH",
        "/api/v1/namespaces/ns1/pods/web-0",
        "patchCoreV1NamespacedPod"
    )]
    #[case(
        "GET",
        "/api/v1/namespaces/ns1/pods/web-0/log?container=a",
        "readCoreV1NamespacedPodLog"
    )]
    #[case(
        "GET",
        "/api/v1/namespaces/ns1/pods/web-0/proxy/a/b/c",
        "connectCoreV1GetNamespacedPodProxyWithPath"
    )]
    #[case("GET", "/api/v1/pods", "listCoreV1PodForAllNamespaces")]
    #[case("POST", "/api/v1/namespaces", "createCoreV1Namespace")]
    #[case("DELETE", "/api/v1/namespaces/kuttl-test-x", "deleteCoreV1Namespace")]
    #[case(
        "GET",
        "/api/v1/namespaces/kuttl-test-x/status",
        "readCoreV1NamespaceStatus"
    )]
    #[case("GET", "/api/v1/nodes/node-1", "readCoreV1Node")]
    #[case(
        "GET",
        "/apis/apps/v1/namespaces/ns1/statefulsets/web/status",
        "readAppsV1NamespacedStatefulSetStatus"
    )]
    #[case(
        "PUT",
        "/apis/apps/v1/namespaces/ns1/statefulsets/web/status",
        "replaceAppsV1NamespacedStatefulSetStatus"
    )]
    #[case(
        "PATCH",
        "/apis/apps/v1/namespaces/ns1/statefulsets/web/status",
        "patchAppsV1NamespacedStatefulSetStatus"
    )]
    // An object named `status` is still the object, not a subresource.
    #[case(
        "GET",
        "/apis/apps/v1/namespaces/ns1/statefulsets/status",
        "readAppsV1NamespacedStatefulSet"
    )]
    #[case(
        "GET",
        "/apis/apps/v1/statefulsets?watch=true",
        "listAppsV1StatefulSetForAllNamespaces"
    )]
    #[case(
        "GET",
        "/apis/apps/v1/watch/namespaces/ns1/statefulsets",
        "watchAppsV1NamespacedStatefulSetList"
    )]
    #[case(
        "GET",
        "/apis/step.kuttl-rs.dev/v1/namespaces/ns1/widgets/small",
        "readStepKuttlRsDevV1NamespacedWidget"
    )]
    #[case("GET", "/api/", "getCoreAPIVersions")]
    fn maps_requests_to_operation_ids(
        #[case] method: &str,
        #[case] uri: &str,
        #[case] expected: &str,
    ) {
        assert_eq!(
            index().operation(method, uri).map(|op| op.id.as_str()),
            Some(expected)
        );
    }

    #[rstest]
    #[case("GET", "/api/v1/namespaces/ns1/configmaps/x")]
    #[case("PUT", "/api/v1/pods")]
    #[case("GET", "/readyz")]
    fn requests_outside_the_spec_map_to_nothing(#[case] method: &str, #[case] uri: &str) {
        assert_eq!(index().operation(method, uri), None);
    }

    #[test]
    fn alpha_beta_and_deprecated_operations_are_not_eligible() {
        let index = index();
        let eligible: Vec<&str> = index.eligible().collect();
        assert!(eligible.contains(&"readAppsV1NamespacedStatefulSetStatus"));
        assert!(!eligible.contains(&"watchAppsV1NamespacedStatefulSetList"));
        assert!(!eligible.contains(&"listBatchV1beta1NamespacedCronJob"));
    }
}
