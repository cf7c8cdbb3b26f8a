//! Finding Chainsaw tests in a suite folder. A folder with a `chainsaw-test.yaml` is a Chainsaw
//! test; a folder with no files of its own whose sub-folders hold Chainsaw tests is searched like
//! Chainsaw searches (`negative-testing/resource`). Trial names come from inside the test file
//! (`metadata.name`, scenarios), so unlike a KUTTL folder the file is read here.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::load;
use super::selector::LabelSelector;
use crate::load::diagnostic::Diagnostic;

/// One trial's worth of a Chainsaw test file: a Test document, for one scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainsawRef {
    /// The suite's name.
    pub suite: String,
    /// `metadata.name`, and `/<scenario>` when the test has scenarios.
    pub name: String,
    /// The test file.
    pub file: PathBuf,
    /// Which Test document of the file, from 0.
    pub document: usize,
    /// Which scenario, from 1; `0` when the test has none.
    pub scenario: usize,
}

impl ChainsawRef {
    /// `<suite>::<name>`.
    pub fn trial_name(&self) -> String {
        format!("{}::{}", self.suite, self.name)
    }
}

/// What a folder holds, as far as Chainsaw is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// A trial.
    Test(ChainsawRef),
    /// A test file that cannot be read: one failing trial named after its folder.
    Broken {
        name: String,
        diagnostic: Diagnostic,
    },
}

/// The Chainsaw tests in `dir` (a folder of the suite `suite`) that `selector` selects, or `None`
/// when it is not a Chainsaw test and holds none.
pub(crate) fn in_folder(suite: &str, dir: &Path, selector: &LabelSelector) -> Option<Vec<Found>> {
    if let Some(file) = load::test_file(dir) {
        return Some(tests_of(suite, dir, &file, selector));
    }
    let entries: Vec<_> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .collect();
    if entries
        .iter()
        .any(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
    {
        return None;
    }
    let mut subfolders: Vec<PathBuf> = entries
        .iter()
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.path())
        .collect();
    subfolders.sort();
    // A folder of Chainsaw tests stays one when the selector selects none of them.
    let found: Vec<Vec<Found>> = subfolders
        .iter()
        .filter_map(|sub| in_folder(suite, sub, selector))
        .collect();
    (!found.is_empty()).then(|| found.into_iter().flatten().collect())
}

fn tests_of(suite: &str, dir: &Path, file: &Path, selector: &LabelSelector) -> Vec<Found> {
    let documents = match load::documents(file) {
        Ok(documents) => documents,
        Err(err) => {
            let folder = dir.file_name().unwrap_or_default().to_string_lossy();
            return vec![Found::Broken {
                name: format!("{suite}::{folder}"),
                diagnostic: err.diagnostic().clone(),
            }];
        }
    };
    let mut found = Vec::new();
    for (index, doc) in documents.iter().enumerate() {
        let test = &doc.test;
        if !selector.matches(&test.metadata.labels) {
            continue;
        }
        let reference = |name: String, scenario| {
            Found::Test(ChainsawRef {
                suite: suite.to_string(),
                name,
                file: file.to_path_buf(),
                document: index,
                scenario,
            })
        };
        if test.spec.scenarios.is_empty() {
            found.push(reference(test.metadata.name.clone(), 0));
        }
        for (at, scenario) in test.spec.scenarios.iter().enumerate() {
            let label = if scenario.name.is_empty() {
                format!("scenario-{}", at + 1)
            } else {
                scenario.name.clone()
            };
            found.push(reference(format!("{}/{label}", test.metadata.name), at + 1));
        }
    }
    found
}

/// Tests of one suite that share a name are told apart as Go's `testing` tells subtests apart,
/// in the order of their files: the first keeps the name, the next ones get `#01`, `#02`, ….
/// (Chainsaw's own examples have two Tests named `delete` in one file.)
pub(crate) fn number_duplicates(tests: &mut [&mut ChainsawRef]) {
    tests.sort_by(|a, b| {
        (&a.suite, &a.file, a.document, a.scenario)
            .cmp(&(&b.suite, &b.file, b.document, b.scenario))
    });
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for test in tests.iter_mut() {
        let count = seen
            .entry((test.suite.clone(), test.name.clone()))
            .or_insert(0);
        if *count > 0 {
            test.name = format!("{}#{:02}", test.name, *count);
        }
        *count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> LabelSelector {
        LabelSelector::default()
    }

    fn write(dir: &Path, file: &str, text: &str) {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn names(found: &[Found]) -> Vec<String> {
        found
            .iter()
            .map(|f| match f {
                Found::Test(test) => test.trial_name(),
                Found::Broken { name, .. } => format!("broken {name}"),
            })
            .collect()
    }

    const TWO_TESTS: &str = "\
apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: first
spec:
  steps: []
---
apiVersion: chainsaw.kyverno.io/v1alpha1
kind: Test
metadata:
  name: second
spec:
  scenarios:
  - name: hello
  - bindings: []
  steps: []
";

    #[test]
    fn every_test_document_and_scenario_is_a_trial() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "t/chainsaw-test.yaml", TWO_TESTS);
        let found = in_folder("examples", &dir.path().join("t"), &all()).unwrap();
        assert_eq!(
            names(&found),
            [
                "examples::first",
                "examples::second/hello",
                "examples::second/scenario-2"
            ]
        );
    }

    #[test]
    fn folders_holding_only_chainsaw_tests_are_searched_and_kuttl_folders_are_not_chainsaw() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "negative/b/chainsaw-test.yml", TWO_TESTS);
        write(dir.path(), "negative/a/chainsaw-test.yaml", TWO_TESTS);
        write(
            dir.path(),
            "kuttl/00-install.yaml",
            "apiVersion: v1\nkind: ConfigMap\n",
        );
        write(
            dir.path(),
            "mixed/README.md",
            "a folder with a file of its own\n",
        );
        write(dir.path(), "mixed/inner/chainsaw-test.yaml", TWO_TESTS);
        let found = in_folder("s", &dir.path().join("negative"), &all()).unwrap();
        assert_eq!(found.len(), 6);
        match &found[0] {
            Found::Test(test) => assert!(test.file.ends_with("negative/a/chainsaw-test.yaml")),
            other => panic!("{other:?}"),
        }
        assert_eq!(in_folder("s", &dir.path().join("kuttl"), &all()), None);
        assert_eq!(in_folder("s", &dir.path().join("mixed"), &all()), None);
    }

    #[test]
    fn a_selector_leaves_out_the_tests_it_does_not_select_and_their_folders_stay_chainsaws() {
        let dir = tempfile::tempdir().unwrap();
        let labelled = |name: &str, labels: &str| {
            format!(
                "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: {name}\n  \
                 labels: {labels}\nspec:\n  steps: []\n"
            )
        };
        write(
            dir.path(),
            "t/chainsaw-test.yaml",
            &format!(
                "{}---\n{}",
                labelled("kind-only", "{no-ko-test: \"\"}"),
                labelled("everywhere", "{}")
            ),
        );
        write(
            dir.path(),
            "nested/only/chainsaw-test.yaml",
            &labelled("kind-only", "{no-ko-test: \"\"}"),
        );
        let selector = LabelSelector::parse("!no-ko-test").unwrap();
        let names = |found: Vec<Found>| -> Vec<String> {
            found
                .into_iter()
                .map(|found| match found {
                    Found::Test(test) => test.name,
                    other => panic!("{other:?}"),
                })
                .collect()
        };

        let selected = in_folder("s", &dir.path().join("t"), &selector).unwrap();
        assert_eq!(names(selected), ["everywhere"]);
        let all_of_them = in_folder("s", &dir.path().join("t"), &all()).unwrap();
        assert_eq!(names(all_of_them), ["kind-only", "everywhere"]);
        // Not a KUTTL test folder because nothing in it was selected.
        assert_eq!(
            in_folder("s", &dir.path().join("nested"), &selector),
            Some(vec![])
        );
    }

    #[test]
    fn tests_of_one_name_are_numbered_in_file_order_as_go_numbers_subtests() {
        let test = |suite: &str, name: &str, file: &str, document| ChainsawRef {
            suite: suite.into(),
            name: name.into(),
            file: file.into(),
            document,
            scenario: 0,
        };
        let mut found = [
            test("s", "quick-start", "s/step-template/chainsaw-test.yaml", 0),
            test("s", "delete", "s/delete/chainsaw-test.yaml", 1),
            test("s", "delete", "s/delete/chainsaw-test.yaml", 0),
            test("s", "quick-start", "s/quick-start/chainsaw-test.yaml", 0),
            test("other", "delete", "other/delete/chainsaw-test.yaml", 0),
        ];
        let mut refs: Vec<&mut ChainsawRef> = found.iter_mut().collect();
        number_duplicates(&mut refs);
        let names: Vec<String> = refs.iter().map(|t| t.trial_name()).collect();
        assert_eq!(
            names,
            [
                "other::delete",
                "s::delete",
                "s::delete#01",
                "s::quick-start",
                "s::quick-start#01"
            ]
        );
    }

    #[test]
    fn a_broken_test_file_is_one_trial_named_after_its_folder_with_the_line() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "bad/chainsaw-test.yaml",
            "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: bad\nspec:\n  steps:\n  - try:\n    - aply: {}\n",
        );
        let found = in_folder("s", &dir.path().join("bad"), &all()).unwrap();
        let [Found::Broken { name, diagnostic }] = found.as_slice() else {
            panic!("{found:?}");
        };
        assert_eq!(name, "s::bad");
        assert_eq!(diagnostic.line, 8, "{diagnostic}");
        assert!(diagnostic.message.contains("aply"), "{diagnostic}");
    }
}
