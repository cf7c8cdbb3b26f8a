//! Typed Rust tests of this repository's suites, registered in `tests/kuttl.rs`.

pub mod fixtures;
pub mod statefulset_status;
pub mod waits;
