//! The HTML report, rendered by a real browser: a run writes the page, headless Chromium loads it
//! from disk, and the DOM it builds must show the failures expanded, the filters and the header.
//!
//! Runs when `chromium` (Debian's package) is on `PATH`; otherwise it says why and checks only the
//! file. `KUTTL_CHROMIUM=/path/to/chrome` picks another browser.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KUTTL_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|path| path.is_file())
    })
}

/// The DOM Chromium builds from `page`, after its scripts ran.
fn rendered(chromium: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn the_browser_shows_the_failures_expanded_with_their_messages() {
    let run = common::run("tests/fixtures/html-report/kuttl.yaml", &[]);
    let page = std::fs::canonicalize("target/html-report-test/kuttl-report.html")
        .unwrap_or_else(|err| panic!("no report written ({err}):\n{}", run.output));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the page fetches nothing"
    );
    let Some(chromium) = browser() else {
        eprintln!(
            "skipped the browser check: no `chromium` on PATH (apt install chromium, or set KUTTL_CHROMIUM)"
        );
        return;
    };
    let dom = rendered(&chromium, &page);
    let broken = common::run("tests/fixtures/load-errors/kuttl.yaml", &["--list"])
        .listed()
        .len()
        / 2;
    assert!(broken > 5, "{broken} broken tests");
    assert!(
        dom.contains(&format!(
            "<span class=\"count failed\">{broken} failed</span>"
        )),
        "the header counts the failures:\n{dom}"
    );
    assert_eq!(
        dom.matches("<details class=\"test failed\"").count(),
        broken,
        "one entry per failed test"
    );
    assert_eq!(
        dom.matches(" open=\"\"").count(),
        broken,
        "failures are expanded"
    );
    assert!(
        dom.contains("<h3>setup failed</h3><pre>"),
        "the setup failure is shown"
    );
    assert!(
        dom.contains("unknown field `comands`"),
        "a load error's message is in the page"
    );
    assert!(dom.contains("<select id=\"status\">") && dom.contains("id=\"search\""));
    assert_eq!(
        dom.matches("class=\"bar work failed\"").count(),
        broken,
        "one timeline bar per test"
    );
}
