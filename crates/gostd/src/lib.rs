//! Go standard-library behaviour that files written for Go tools depend on, byte for byte:
//! [`expand`] (`os.Expand`), [`Glob`] (`path/filepath.Match`) and [`clean`] (`filepath.Clean`,
//! lexically). kuttl-rs and its template engine share this one copy.

mod clean;
mod expand;
mod glob;

pub use clean::clean;
pub use expand::expand;
pub use glob::{BadPattern, Glob};
