//! A Secret can reach a test's output without passing through kuttl-rs's own reads: a controller
//! creates it, a command prints it (`kubectl get secret -o yaml`), an expression reads it. Before
//! a test's outcome is made, the Secrets of its namespace, in every cluster its steps used, are
//! read so that the one way out of the test scrubs their values (and copies of them, wherever
//! they were quoted) as it does for the Secrets the test applied or read.

use std::time::Duration;

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams};

use super::connection::Connection;
use super::step_clusters::StepClusters;
use super::test_state::TestState;

/// How long one cluster may take to list the namespace's Secrets.
const LIST_LIMIT: Duration = Duration::from_secs(10);

/// Remembers the values of every Secret in the test's namespace, on the run's cluster and on
/// each cluster its steps opened. A cluster that cannot list them says so in the test's log:
/// the values of Secrets the test neither applied nor read there are then not scrubbed.
pub(crate) async fn learn_namespace_secrets(ctx: &TestState, clusters: &StepClusters) {
    learn_from(ctx, &ctx.connection).await;
    for (_, connection) in clusters.connections() {
        learn_from(ctx, &connection).await;
    }
}

/// Remembers the values of every Secret in the test's namespace on `connection`'s cluster (one a
/// Chainsaw test names by `cluster`).
pub(crate) async fn learn_from(ctx: &TestState, connection: &Connection) {
    let api: Api<Secret> = Api::namespaced(connection.client.clone(), &ctx.namespace);
    let listed = tokio::time::timeout(LIST_LIMIT, api.list(&ListParams::default())).await;
    let failure = match listed {
        Ok(Ok(list)) => {
            for secret in &list.items {
                match serde_json::to_value(secret) {
                    Ok(object) => ctx.remember_masked(&object),
                    Err(err) => return note(ctx, connection, &err.to_string()),
                }
            }
            return;
        }
        Ok(Err(kube::Error::Api(status))) if status.is_not_found() => return,
        Ok(Err(err)) => err.to_string(),
        Err(_) => format!("no answer within {}s", LIST_LIMIT.as_secs()),
    };
    note(ctx, connection, &failure);
}

fn note(ctx: &TestState, connection: &Connection, failure: &str) {
    ctx.log.line(
        "cleanup",
        &format!(
            "could not read the Secrets of namespace {:?} on {} ({failure}): the values of Secrets \
             this test neither applied nor read there are not scrubbed from its output",
            ctx.namespace,
            connection.endpoint.url()
        ),
    );
}
