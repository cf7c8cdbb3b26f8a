//! What `#[kuttl::test]` expands to: each function submits a [`RegisteredTest`] to a link-time
//! registry, which the harness reads when it starts. Hidden: only the macro's output names it.

pub use inventory;

/// A typed test's future, its error already formatted.
pub type TestFuture = futures::future::BoxFuture<'static, Result<(), String>>;

/// A function registered with `#[kuttl::test]`.
pub struct RegisteredTest {
    /// The suite it belongs to.
    pub suite: &'static str,
    /// Its trial's name in the suite.
    pub name: &'static str,
    /// The function's name.
    pub function: &'static str,
    /// `module_path!()` where it is defined.
    pub module_path: &'static str,
    /// `file!()` and `line!()` of the attribute.
    pub file: &'static str,
    pub line: u32,
    /// Its own time limit, instead of the suite's timeout.
    pub timeout_seconds: Option<u64>,
    /// Runs it, fetching its fixture parameters from the context first.
    pub run: fn(crate::TestContext) -> TestFuture,
}

inventory::collect!(RegisteredTest);

impl RegisteredTest {
    /// The function's Rust path as editors name the test (`module::function`, without the
    /// crate): rust-analyzer's "Run Test" passes it as an exact filter.
    pub(crate) fn rust_path(&self) -> String {
        match self.module_path.split_once("::") {
            Some((_crate, module)) => format!("{module}::{}", self.function),
            None => self.function.to_string(),
        }
    }
}

/// Every function registered with `#[kuttl::test]` in this test binary.
pub(crate) fn registered() -> impl Iterator<Item = &'static RegisteredTest> {
    inventory::iter::<RegisteredTest>.into_iter()
}
