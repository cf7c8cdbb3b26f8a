//! Kyverno's functions (kyverno-json `pkg/jp/kyverno`).

use super::Functions;

pub(super) fn register(_functions: &mut Functions) {}
