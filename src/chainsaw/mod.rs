//! Kyverno Chainsaw tests (`chainsaw-test.yaml`) as trials beside KUTTL's, on the same engine.
//!
//! - [`api`]: the shapes of Chainsaw's files;
//! - [`discover`]: which folders hold Chainsaw tests, and their trial names;
//! - [`load`]: a Test document into the checked [`model`].

pub(crate) mod api;
mod cel;
pub(crate) mod config;
pub mod discover;
pub(crate) mod expression;
pub(crate) mod functions;
pub(crate) mod load;
mod metrics;
pub(crate) mod model;
pub(crate) mod run;
pub(crate) mod selector;
pub(crate) mod tree;
