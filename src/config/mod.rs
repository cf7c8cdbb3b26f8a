//! The shapes of the files kuttl-rs reads, as serde types and nothing more.
//!
//! Each type mirrors one KUTTL (or KEP-6) object field by field. Turning these shapes into a checked
//! model is the job of [`crate::load`]; reading YAML the way kubectl does is [`yaml`].

mod collection;
mod command;
mod legacy_suite;
mod step;
mod suite;
mod unsupported;
pub mod yaml;
mod yaml_value;

pub use collection::{
    ChainsawCluster, ChainsawRun, ControlPlane, Hook, KindCluster, MaskField, Start, TestCollection,
};
pub use command::{Command, TestAssertCommand};
pub use legacy_suite::LegacyTestSuite;
pub use step::{
    CelExpression, LabelSelector, LabelSelectorRequirement, ObjectReference, ResourceRef,
    TestAssert, TestCollector, TestFile, TestStep,
};
pub use suite::TestSuite;
pub use unsupported::Unsupported;
