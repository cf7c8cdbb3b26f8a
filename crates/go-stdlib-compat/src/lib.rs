#![doc = include_str!("../README.md")]

mod clean;
mod expand;
mod glob;

pub use clean::clean;
pub use expand::expand;
pub use glob::{BadPattern, Glob};
