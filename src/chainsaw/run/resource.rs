//! `apply`, `create`, `patch`, `update` and `delete` (Chainsaw's `engine/operations/*`): each
//! resource from `file` (a glob in the test folder) or inline, templated, given the test namespace
//! when its kind is namespaced and it names none, then written with strict field validation and
//! polled until it succeeds or the timeout passes. `expect` turns an API error into a check.

use std::path::Path;

use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::super::api;
use super::super::expression::{Bindings, Expressions};
use super::super::model::{Action, Operation};
use super::super::tree;
use super::bindings;
use super::scope::{POLL, Scope};
use crate::run::api_error::api_message;
use crate::run::{Created, Target};

/// `forceTerminationGracePeriod` (the test's, else the Configuration's), written into a Pod's spec
/// and the pod template of the workload kinds, as Chainsaw's `prepareResource` does.
fn force_termination_grace_period(scope: &Scope<'_>, resource: &mut Value) {
    let grace = scope
        .chainsaw
        .spec
        .force_termination_grace_period
        .as_deref()
        .and_then(|text| super::super::load::duration(text).ok())
        .or(scope.settings.config.force_termination_grace_period);
    write_grace_period(resource, grace.map_or(0, |grace| grace.as_secs()));
}

/// Sets `terminationGracePeriodSeconds` where the kind's pods take it (none for `0` seconds).
fn write_grace_period(resource: &mut Value, seconds: u64) {
    if seconds == 0 {
        return;
    }
    let path: &[&str] = match resource.get("kind").and_then(Value::as_str) {
        Some("Pod") => &["spec"],
        Some("Deployment" | "StatefulSet" | "DaemonSet" | "Job") => &["spec", "template", "spec"],
        Some("CronJob") => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return,
    };
    let mut here = resource;
    for key in path {
        let Some(map) = here.as_object_mut() else {
            return;
        };
        here = map.entry(key.to_string()).or_insert_with(|| json!({}));
    }
    if let Some(spec) = here.as_object_mut() {
        spec.insert("terminationGracePeriodSeconds".into(), json!(seconds));
    }
}

/// `$operation` with `resourceId`, the resource's place in the operation (from 1).
fn with_resource_id(bindings: Bindings, index: usize) -> Bindings {
    let mut operation = bindings
        .get("$operation")
        .cloned()
        .unwrap_or_else(|| json!({}));
    operation["resourceId"] = json!(index + 1);
    bindings.with("$operation", operation)
}

/// Writes the resources of an apply, create, patch or update; `Ok` holds the outputs.
pub(super) async fn write(
    scope: &Scope<'_>,
    op: &Operation,
    action: &api::ResourceAction,
    bindings: &Bindings,
) -> Result<Vec<(String, Value)>, String> {
    let expressions = scope.expressions();
    let mut bindings = bindings::register(expressions, bindings.clone(), &action.bindings)?;
    let deadline = Instant::now() + scope.timeout(|t| t.apply, action.timeout.as_deref());
    let template = action.template.unwrap_or(scope.template);
    let mut outputs = Vec::new();
    let resources = documents_of(
        scope,
        action.file.as_deref(),
        action.resource.as_ref(),
        &bindings,
    )?;
    for (index, resource) in resources.into_iter().enumerate() {
        bindings = with_resource_id(bindings, index);
        let mut resource = if template {
            bindings::template_resource(expressions, &resource, &bindings)?
        } else {
            resource
        };
        force_termination_grace_period(scope, &mut resource);
        scope.test.remember_masked(&resource);
        let session = scope.session();
        // A kind whose CRD was applied moments ago is waited for, as Chainsaw's polling does.
        let target = crate::run::object_target_served_by(&session, &mut resource, Some(deadline))
            .await
            .map_err(|err| err.to_string())?;
        loop {
            let (error, created) =
                match attempt(scope, &op.action, &target, &resource, action).await {
                    Ok(created) => (None, created),
                    Err(err) => (Some(api_message(&err)), None),
                };
            // As Chainsaw's client does, a create fills the object in with what the API server
            // returned (`metadata.uid` …), which `expect` and `outputs` then see.
            if let Some(created) = created {
                resource = created;
            }
            match expected(
                expressions,
                &action.expect,
                &resource,
                &bindings,
                error.as_deref(),
            ) {
                Ok(()) => break,
                Err(failure) if Instant::now() >= deadline => return Err(failure),
                Err(_) => tokio::time::sleep(POLL).await,
            }
        }
        // Each output is a binding of the outputs and resources after it (`[$foos, @][]`
        // gathers one value per resource).
        for output in &action.outputs {
            let with_error = bindings.with("$error", Value::Null);
            if let Some((name, value)) = self::output(expressions, output, &resource, &with_error)?
            {
                bindings = bindings.with(&name, value.clone());
                outputs.push((name, value));
            }
        }
    }
    Ok(outputs)
}

/// One try of one resource; `Ok` holds the object a create made.
async fn attempt(
    scope: &Scope<'_>,
    action: &Action,
    target: &Target,
    resource: &Value,
    settings: &api::ResourceAction,
) -> Result<Option<Value>, kube::Error> {
    let name = crate::run::metadata_str(resource, "name").unwrap_or_default();
    let live = if name.is_empty() {
        None
    } else {
        target.api.get_opt(name).await?
    };
    let dry_run = settings.dry_run.unwrap_or(false);
    match (action, live) {
        (Action::Create(_), Some(_)) => Err(already_exists(target, name)),
        (Action::Apply(_) | Action::Create(_), None) => {
            create(scope, target, resource, dry_run).await.map(Some)
        }
        (Action::Patch(_) | Action::Update(_), None) => Err(not_found(target, name)),
        (Action::Apply(_) | Action::Patch(_), Some(live)) => {
            let mut patch = resource.clone();
            patch["metadata"]["resourceVersion"] =
                Value::from(live.metadata.resource_version.unwrap_or_default());
            let params = PatchParams {
                field_validation: Some(kube::api::ValidationDirective::Strict),
                dry_run,
                ..PatchParams::default()
            };
            match settings.subresource.as_deref() {
                Some(sub) => target
                    .api
                    .patch_subresource(sub, name, &params, &Patch::Merge(&patch))
                    .await
                    .map(|_| None),
                None => target
                    .api
                    .patch(name, &params, &Patch::Merge(&patch))
                    .await
                    .map(|_| None),
            }
        }
        (Action::Update(_), Some(live)) => {
            let mut replaced = resource.clone();
            replaced["metadata"]["resourceVersion"] =
                Value::from(live.metadata.resource_version.unwrap_or_default());
            let params = PostParams {
                dry_run,
                ..PostParams::default()
            };
            let body = serde_json::to_vec(&replaced).map_err(kube::Error::SerdeError)?;
            let request = kube::core::Request::new(target.api.resource_url())
                .replace(name, &params, body)
                .map_err(kube::Error::BuildRequest)?;
            send_strict::<DynamicObject>(target, request)
                .await
                .map(|_| None)
        }
        _ => unreachable!("only resource actions are written"),
    }
}

async fn create(
    scope: &Scope<'_>,
    target: &Target,
    resource: &Value,
    dry_run: bool,
) -> Result<Value, kube::Error> {
    let params = PostParams {
        dry_run,
        ..PostParams::default()
    };
    let body = serde_json::to_vec(resource).map_err(kube::Error::SerdeError)?;
    let request = kube::core::Request::new(target.api.resource_url())
        .create(&params, body)
        .map_err(kube::Error::BuildRequest)?;
    let created: DynamicObject = send_strict(target, request).await?;
    let object = serde_json::to_value(&created).map_err(kube::Error::SerdeError)?;
    let name = created.metadata.name.unwrap_or_default();
    let id = target.id(&name);
    scope
        .test
        .log
        .line(&scope.step_label(), &format!("{id} created"));
    if !dry_run {
        let session = scope.session();
        scope.test.register_created(Created {
            api: target.api.clone(),
            name,
            id,
            reach: session.reach(target),
            propagation: Some(scope.deletion_propagation(None)),
        });
    }
    Ok(object)
}

/// Sends a create or replace with `fieldValidation=Strict`, as Chainsaw's client does: unknown
/// and duplicate fields are errors (kube's `PostParams` has no field for it).
async fn send_strict<K: serde::de::DeserializeOwned>(
    target: &Target,
    mut request: http::Request<Vec<u8>>,
) -> Result<K, kube::Error> {
    let uri = request.uri().to_string();
    let separator = if uri.contains('?') { '&' } else { '?' };
    *request.uri_mut() = format!("{uri}{separator}fieldValidation=Strict")
        .parse()
        .map_err(|err: http::uri::InvalidUri| {
            kube::Error::BuildRequest(kube::core::request::Error::Validation(err.to_string()))
        })?;
    target.api.clone().into_client().request(request).await
}

fn already_exists(target: &Target, name: &str) -> kube::Error {
    api_failure(
        409,
        "AlreadyExists",
        format!("{} already exists", target.id(name)),
    )
}

fn not_found(target: &Target, name: &str) -> kube::Error {
    api_failure(404, "NotFound", format!("{} not found", target.id(name)))
}

fn api_failure(code: u16, reason: &str, message: String) -> kube::Error {
    kube::Error::Api(Box::new(
        kube::core::Status::failure(&message, reason).with_code(code),
    ))
}

/// Chainsaw's `checks.Expect`: without an expectation whose `match` selects the resource, an API
/// error fails; with some, their checks decide, with `$error` bound to the error (or `null`).
fn expected(
    expressions: &Expressions,
    expect: &[api::Expectation],
    resource: &Value,
    bindings: &Bindings,
    error: Option<&str>,
) -> Result<(), String> {
    let bindings = bindings.with("$error", error.map_or(Value::Null, Value::from));
    let mut matched = false;
    let mut failures = Vec::new();
    for expectation in expect {
        if let Some(when) = &expectation.when {
            let mismatches = tree::check(when, resource, &Bindings::new(), expressions)
                .map_err(|err| err.to_string())?;
            if !mismatches.is_empty() {
                continue;
            }
        }
        matched = true;
        let mismatches = tree::check(&expectation.check, resource, &bindings, expressions)
            .map_err(|err| err.to_string())?;
        failures.extend(mismatches.iter().map(ToString::to_string));
    }
    match (matched, error) {
        (false, Some(error)) => Err(error.to_string()),
        (false, None) => Ok(()),
        (true, _) if failures.is_empty() => Ok(()),
        (true, _) => Err(failures.join("\n")),
    }
}

/// An `outputs` entry: `($name, value)` when its `match` holds for `object` (or it has none).
pub(super) fn output(
    expressions: &Expressions,
    output: &api::Output,
    object: &Value,
    bindings: &Bindings,
) -> Result<Option<(String, Value)>, String> {
    if let Some(when) = &output.when {
        let mismatches =
            tree::check(when, object, bindings, expressions).map_err(|err| err.to_string())?;
        if !mismatches.is_empty() {
            return Ok(None);
        }
    }
    let expressions = expressions.with_default(output.compiler);
    let name = bindings::name(&expressions, &output.name, bindings)?;
    let value = bindings::template(&expressions, &output.value, object, bindings)
        .map_err(|err| format!("output {name}: {err}"))?;
    Ok(Some((format!("${name}"), value)))
}

/// Deletes the objects a `delete` names (by `ref`, or each resource of `file`), then waits until
/// they are gone.
pub(super) async fn delete(
    scope: &Scope<'_>,
    delete: &api::Delete,
    bindings: &Bindings,
) -> Result<(), String> {
    let expressions = scope.expressions();
    let bindings = bindings::register(expressions, bindings.clone(), &delete.bindings)?;
    let deadline = Instant::now() + scope.timeout(|t| t.delete, delete.timeout.as_deref());
    let references = match &delete.reference {
        Some(reference) => {
            let mut object = serde_json::json!({
                "apiVersion": bindings::string(expressions, &reference.api_version, &bindings)?,
                "kind": bindings::string(expressions, &reference.kind, &bindings)?,
                "metadata": {},
            });
            if let Some(name) = &reference.name {
                object["metadata"]["name"] = bindings::string(expressions, name, &bindings)?.into();
            }
            if let Some(namespace) = &reference.namespace {
                object["metadata"]["namespace"] =
                    bindings::string(expressions, namespace, &bindings)?.into();
            }
            if !reference.labels.is_empty() {
                object["metadata"]["labels"] =
                    serde_json::to_value(&reference.labels).map_err(|err| err.to_string())?;
            }
            vec![object]
        }
        None => documents_of(scope, delete.file.as_deref(), None, &bindings)?,
    };
    let template = delete.template.unwrap_or(scope.template);
    for reference in references {
        let mut reference = if template {
            resource_reference(expressions, reference, &bindings)?
        } else {
            reference
        };
        let session = scope.session();
        let target = crate::run::object_target(&session, &mut reference)
            .await
            .map_err(|err| err.to_string())?;
        let names: Vec<String> = match crate::run::metadata_str(&reference, "name") {
            Some(name) => vec![name.to_string()],
            None => {
                let labels = reference
                    .pointer("/metadata/labels")
                    .and_then(Value::as_object)
                    .map(|labels| {
                        labels
                            .iter()
                            .filter_map(|(k, v)| v.as_str().map(|v| format!("{k}={v}")))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .unwrap_or_default();
                let params = kube::api::ListParams::default().labels(&labels);
                let list = target
                    .api
                    .list(&params)
                    .await
                    .map_err(|e| api_message(&e))?;
                list.items
                    .into_iter()
                    .filter_map(|item| item.metadata.name)
                    .collect()
            }
        };
        let params = DeleteParams {
            propagation_policy: Some(
                scope.deletion_propagation(delete.deletion_propagation_policy.as_deref()),
            ),
            ..DeleteParams::default()
        };
        for name in &names {
            let result = target.api.delete(name, &params).await;
            let error = match &result {
                Ok(_) => None,
                Err(kube::Error::Api(status)) if status.is_not_found() => None,
                Err(err) => Some(api_message(err)),
            };
            expected(
                expressions,
                &delete.expect,
                &reference,
                &bindings,
                error.as_deref(),
            )?;
            scope
                .test
                .log
                .line("delete", &format!("{} deleted", target.id(name)));
        }
        for name in &names {
            loop {
                match target.api.get_opt(name).await {
                    Ok(None) => break,
                    Ok(Some(_)) if Instant::now() < deadline => tokio::time::sleep(POLL).await,
                    Ok(Some(_)) => {
                        return Err(format!("{} was not deleted in time", target.id(name)));
                    }
                    Err(err) => return Err(api_message(&err)),
                }
            }
        }
    }
    Ok(())
}

/// The resources of an operation: those of `file` (a glob, relative to the test folder; every
/// document of every file matched), else the inline one.
pub(super) fn documents_of(
    scope: &Scope<'_>,
    file: Option<&str>,
    inline: Option<&Value>,
    bindings: &Bindings,
) -> Result<Vec<Value>, String> {
    if let Some(inline) = inline {
        return Ok(vec![inline.clone()]);
    }
    let Some(file) = file else {
        return Err("neither file nor resource is set".into());
    };
    let file = bindings::string(scope.expressions(), file, bindings)?;
    let paths = matching_files(&scope.chainsaw.dir, &file)?;
    if paths.is_empty() {
        return Err(format!(
            "no file matches {file:?} in {}",
            scope.chainsaw.dir.display()
        ));
    }
    let mut resources = Vec::new();
    for path in paths {
        let text = crate::load::documents::read_text(&path).map_err(|err| err.to_string())?;
        for (_, value) in crate::load::documents::values(&path, &text).map_err(|e| e.to_string())? {
            // A list (`kind: List`, any object whose `items` is an array) gives its items, as
            // Chainsaw's loader (`unstructured.IsList`) does.
            match value.get("items") {
                Some(Value::Array(items)) => resources.extend(items.iter().cloned()),
                _ => resources.push(value),
            }
        }
    }
    Ok(resources)
}

/// The files `pattern` names, relative to `dir` unless absolute; the last part of the path may hold
/// Go's glob syntax (`resources/*.yaml`).
fn matching_files(dir: &Path, pattern: &str) -> Result<Vec<std::path::PathBuf>, String> {
    let full = dir.join(pattern);
    let (Some(parent), Some(name)) = (full.parent(), full.file_name()) else {
        return Ok(Vec::new());
    };
    let name = name.to_string_lossy();
    let glob = gostd::Glob::new(&name).map_err(|err| format!("file {pattern:?}: {err}"))?;
    let entries = match std::fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(_) => return Ok(Vec::new()),
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|entry| glob.is_match(&entry.file_name().to_string_lossy()))
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    Ok(paths)
}

/// Chainsaw's `templating.ResourceRef`: the tree's `apiVersion`, `kind`, name, namespace and
/// string labels templated; the rest of the tree stays an assertion tree.
pub(super) fn resource_reference(
    expressions: &Expressions,
    mut tree: Value,
    bindings: &Bindings,
) -> Result<Value, String> {
    for field in ["apiVersion", "kind"] {
        if let Some(Value::String(text)) = tree.get(field) {
            let text = bindings::string(expressions, text, bindings)?;
            tree[field] = Value::from(text);
        }
    }
    if let Some(Value::Object(metadata)) = tree.get_mut("metadata") {
        for field in ["name", "namespace"] {
            if let Some(Value::String(text)) = metadata.get(field) {
                let text = bindings::string(expressions, text, bindings)?;
                metadata.insert(field.to_string(), Value::from(text));
            }
        }
        if let Some(Value::Object(labels)) = metadata.get_mut("labels") {
            for value in labels.values_mut() {
                if let Value::String(text) = value {
                    *text = bindings::string(expressions, text, bindings)?;
                }
            }
        }
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grace_period_goes_where_each_kind_keeps_its_pods() {
        let mut pod = json!({"kind": "Pod", "spec": {"terminationGracePeriodSeconds": 30}});
        write_grace_period(&mut pod, 5);
        assert_eq!(pod["spec"]["terminationGracePeriodSeconds"], 5);
        let mut job = json!({"kind": "CronJob", "spec": {}});
        write_grace_period(&mut job, 5);
        assert_eq!(
            job.pointer("/spec/jobTemplate/spec/template/spec/terminationGracePeriodSeconds"),
            Some(&json!(5))
        );
        let mut deployment = json!({"kind": "Deployment"});
        write_grace_period(&mut deployment, 5);
        assert_eq!(
            deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"],
            5
        );
        let mut config_map = json!({"kind": "ConfigMap", "data": {}});
        write_grace_period(&mut config_map, 5);
        assert_eq!(config_map, json!({"kind": "ConfigMap", "data": {}}));
        write_grace_period(&mut pod, 0);
        assert_eq!(pod["spec"]["terminationGracePeriodSeconds"], 5);
    }
}
