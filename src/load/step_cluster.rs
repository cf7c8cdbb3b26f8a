//! A step's own cluster (`TestStep.kubeconfig`, `context`, `kubeconfigLoading`; KUTTL's
//! KEP-0008), resolved as KUTTL's `LoadYAML` does: the path is `$VAR`-expanded with the process
//! environment, a relative one is joined to the test folder, and `.` and `..` are folded. Whether the file exists is not
//! checked here: KUTTL finds out when the test starts (eager) or before the step (lazy), and an
//! earlier step may write it.

use std::path::Path;

use super::model::StepCluster;
use crate::config::TestStep;
use crate::expand::expand;
use gostd::clean;

/// The step's cluster, or `None` when it names no kubeconfig (KUTTL then ignores `context` and
/// `kubeconfigLoading`). `lookup` gives environment variables.
pub(crate) fn resolve(
    settings: &TestStep,
    test_dir: &Path,
    lookup: impl Fn(&str) -> Option<String>,
) -> Option<StepCluster> {
    if settings.kubeconfig.is_empty() {
        return None;
    }
    let joined = test_dir.join(expand(&settings.kubeconfig, lookup));
    let absolute = std::path::absolute(&joined).unwrap_or(joined);
    Some(StepCluster {
        kubeconfig: clean(&absolute),
        context: Some(settings.context.clone()).filter(|context| !context.is_empty()),
        lazy: settings.kubeconfig_loading == "Lazy",
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use rstest::rstest;

    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "SUBPATH" => Some("two".into()),
            "HOME_KUBE" => Some("/home/me/.kube/config".into()),
            _ => None,
        }
    }

    fn step(kubeconfig: &str, context: &str, loading: &str) -> TestStep {
        TestStep {
            kubeconfig: kubeconfig.into(),
            context: context.into(),
            kubeconfig_loading: loading.into(),
            ..TestStep::default()
        }
    }

    #[rstest]
    #[case::relative_to_the_test_folder("kubeconfig.yaml", "/suite/test/kubeconfig.yaml")]
    #[case::dot_relative("./kubeconfig-${SUBPATH}.yaml", "/suite/test/kubeconfig-two.yaml")]
    #[case::parent_folded("../shared/./kc", "/suite/shared/kc")]
    #[case::absolute_kept("/absolute/kubeconfig-$SUBPATH.yaml", "/absolute/kubeconfig-two.yaml")]
    #[case::variable_holding_an_absolute_path("$HOME_KUBE", "/home/me/.kube/config")]
    #[case::unset_variable_leaves_the_folder("$UNSET", "/suite/test/")]
    fn kubeconfig_is_expanded_and_resolved_against_the_test_folder(
        #[case] written: &str,
        #[case] expected: &str,
    ) {
        let cluster = resolve(&step(written, "", ""), Path::new("/suite/test"), lookup)
            .expect("a kubeconfig is named");
        assert_eq!(cluster.kubeconfig, PathBuf::from(expected));
    }

    #[test]
    fn a_relative_test_folder_gives_an_absolute_path() {
        let cluster = resolve(&step("kc", "", ""), Path::new("suites/core/t"), lookup).unwrap();
        assert!(cluster.kubeconfig.is_absolute(), "{cluster:?}");
        assert!(
            cluster.kubeconfig.ends_with("suites/core/t/kc"),
            "{cluster:?}"
        );
    }

    #[rstest]
    #[case("", "", None, false)]
    #[case("Eager", "", None, false)]
    #[case("Lazy", "other", Some("other"), true)]
    fn context_and_loading(
        #[case] loading: &str,
        #[case] context: &str,
        #[case] expected_context: Option<&str>,
        #[case] lazy: bool,
    ) {
        let cluster = resolve(&step("kc", context, loading), Path::new("/t"), lookup).unwrap();
        assert_eq!(cluster.context.as_deref(), expected_context);
        assert_eq!(cluster.lazy, lazy);
    }

    #[test]
    fn no_kubeconfig_means_the_runs_cluster_whatever_else_is_set() {
        assert_eq!(
            resolve(&step("", "other", "Lazy"), Path::new("/t"), lookup),
            None
        );
    }
}
