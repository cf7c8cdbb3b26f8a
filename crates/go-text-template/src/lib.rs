#![doc = include_str!("../README.md")]
// Inside, the modules `lexer` → `parse` (into `ast`) → `exec` over `value`s, printing with Go's
// `fmt` rules (`format`) and calling `funcs`.

mod ast;
mod exec;
mod format;
mod funcs;
mod lexer;
mod parse;
mod value;

#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod limit_tests;

use std::collections::BTreeMap;

/// Why a template could not be rendered: Go's message and the line it names (1-based, `0` when
/// Go names none). The message is Go's, `template: <file>:<line>[:<col>]: …`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The text is not a template: a syntax error, an undefined variable, or a function that is
    /// not defined (or that kuttl-rs does not implement).
    #[error("{message}")]
    Parse { line: usize, message: String },
    /// Executing the template failed: a function's error, a missing key, or a limit.
    #[error("{message}")]
    Render { line: usize, message: String },
}

impl TemplateError {
    /// The template line the error names, `0` when none.
    pub fn line(&self) -> usize {
        match self {
            Self::Parse { line, .. } | Self::Render { line, .. } => *line,
        }
    }

    /// Go's message.
    pub fn message(&self) -> &str {
        match self {
            Self::Parse { message, .. } | Self::Render { message, .. } => message,
        }
    }
}

/// A file's templates, parsed and checked (syntax, functions, variables), ready to render.
#[derive(Debug)]
pub struct Template {
    name: String,
    text: String,
    templates: parse::Templates,
}

impl Template {
    /// Parses `text` as the template `name` (the file's base name, as KUTTL names it).
    ///
    /// # Errors
    ///
    /// Go's parse error, or a sprig function kuttl-rs does not implement.
    pub fn parse(name: &str, text: &str) -> Result<Self, TemplateError> {
        let templates =
            on_own_stack(|| parse::parse(name, text, &funcs::check)).map_err(|err| {
                TemplateError::Parse {
                    line: err.line,
                    message: err.message,
                }
            })?;
        Ok(Self {
            name: name.to_string(),
            text: text.to_string(),
            templates,
        })
    }

    /// Renders with KUTTL's data: `.Namespace` and `.Vars` (numbers become `float64`, as KUTTL's
    /// JSON copy of the data makes them).
    ///
    /// # Errors
    ///
    /// Go's execution error, `template: <file>:<line>:<col>: executing …`.
    pub fn render(
        &self,
        namespace: &str,
        vars: &BTreeMap<String, serde_json::Value>,
    ) -> Result<String, TemplateError> {
        on_own_stack(|| {
            exec::execute(
                &self.name,
                &self.text,
                &self.templates,
                value::env(namespace, vars),
            )
        })
        .map_err(|message| TemplateError::Render {
            line: error_line(&message),
            message,
        })
    }
}

/// The stack size parsing and rendering run with. Both recurse once a nesting level (a debug build
/// takes kilobytes a level), so they get a thread of their own rather than the caller's stack,
/// as Go's goroutines grow theirs; the nesting limits (`parse::MAX_DEPTH`, `exec::MAX_DEPTH`) keep
/// within it.
const STACK_SIZE: usize = 64 << 20;

fn on_own_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, work)
            .expect("a thread to render the template on")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// The line of a Go error message `template: name:LINE:…`.
fn error_line(message: &str) -> usize {
    message
        .strip_prefix("template: ")
        .and_then(|rest| rest.split(':').nth(1))
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_render_errors_are_told_apart_and_name_their_line() {
        let undefined = Template::parse("t", "a\n{{ nosuch 1 }}").unwrap_err();
        assert!(
            matches!(undefined, TemplateError::Parse { line: 2, .. }),
            "{undefined:?}"
        );
        assert_eq!(
            undefined.message(),
            "template: t:2: function \"nosuch\" not defined"
        );
        let failing = Template::parse("t", "a\nb\n{{ fail \"no\" }}")
            .unwrap()
            .render("ns", &BTreeMap::new())
            .unwrap_err();
        assert!(
            matches!(failing, TemplateError::Render { line: 3, .. }),
            "{failing:?}"
        );
        assert_eq!(failing.line(), 3);
        assert_eq!(failing.to_string(), failing.message());
    }
}
