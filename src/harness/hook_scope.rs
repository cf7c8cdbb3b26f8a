//! The points of a run's lifecycle where hooks run: the collection's before and after, and each
//! suite's. Run-once coordination, the reaper and the shared-run protocol key their records by it.

/// A point of the lifecycle, with the suite it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    BeforeCollection,
    AfterCollection,
    BeforeSuite(String),
    AfterSuite(String),
}

impl Scope {
    /// The name a hook runs under: `afterCollection`, `<suite>::afterSuite`.
    pub(crate) fn name(&self) -> String {
        match self {
            Self::BeforeCollection => "beforeCollection".into(),
            Self::AfterCollection => "afterCollection".into(),
            Self::BeforeSuite(suite) => format!("{suite}::beforeSuite"),
            Self::AfterSuite(suite) => format!("{suite}::afterSuite"),
        }
    }
}
