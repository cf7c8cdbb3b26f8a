#![doc = include_str!("../README.md")]

mod clean;
mod duration;
mod expand;
mod glob;
mod json;
mod time_layout;

pub use clean::clean;
pub use duration::{BadDuration, format_duration, parse_duration};
pub use expand::expand;
pub use glob::{BadPattern, Glob};
pub use json::write_json_string;
pub use time_layout::{format_time, parse_time};
