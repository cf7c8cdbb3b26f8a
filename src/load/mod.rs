//! From files on disk to a checked model: [`collection::read`] reads the collection file,
//! [`discover`] lists test folders by name only, and [`test_case::load`] reads one test folder.
//! Every error and warning is a [`Diagnostic`] that names its file and line.

pub mod collection;
mod commands;
pub(crate) mod diagnostic;
pub mod discover;
pub(crate) mod documents;
mod env_error;
pub mod file_name;
pub mod hook;
mod model;
mod objects;
mod overrides;
mod remote;
mod report_settings;
pub mod run_labels;
mod selector;
mod step_cluster;
pub mod suite;
pub mod template_vars;
pub mod test_case;

pub use crate::mask::{BadMaskPath, MaskField, Masks};
pub use diagnostic::{Diagnostic, LoadError, Warning};
pub use env_error::EnvError;
pub use gostd::{BadPattern, Glob as GoGlob};
pub use model::{
    ClusterSource, Collection, CollectionFormat, Hook, HookPoint, KindSettings, LoadedHook,
    Located, Object, Source, Step, StepCluster, Suite, SuiteDir, TestCase,
};
pub use objects::objects_at;
pub use overrides::{Overrides, chainsaw_set_value};
pub use remote::RemoteSuites;
pub(crate) use remote::{download, is_url};
pub use report_settings::{Granularity, ReportFormat, ReportSettings, parse_formats};
