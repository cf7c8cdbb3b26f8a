//! Suites and step files fetched over HTTP: a `testDirs` entry that is a URL names a tar archive
//! (gzip-compressed or not) of test folders, and a `TestStep.apply`/`assert`/`error` entry that is
//! a URL names a YAML file, as in KUTTL. A local HTTP server on a loopback port serves them.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use kuttl::load::discover::{self, Discovered};
use kuttl::load::test_case::{self, LoadOptions};

type Files = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// Serves `files` (path → body) on a loopback port; anything else is `404 Not Found`. Returns the
/// base URL and the User-Agent of every request.
fn serve(files: Files) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let agents = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&agents);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let path = request_line
                .split(' ')
                .nth(1)
                .unwrap_or_default()
                .to_string();
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                if let Some(agent) = line.to_ascii_lowercase().strip_prefix("user-agent: ") {
                    seen.lock().unwrap().push(agent.trim().to_string());
                }
                line.clear();
            }
            let (status, body) = match files.lock().unwrap().get(&path) {
                Some(body) => ("200 OK", body.clone()),
                None => ("404 Not Found", b"no such file".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    (base, agents)
}

fn tar(entries: &[(&str, String)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, body) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, path, body.as_bytes())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-url\n";

/// A server with two suites (one gzipped, one plain) whose steps reference files on the same
/// server, and a collection naming them plus a missing one.
struct Fixture {
    base: String,
    agents: Arc<Mutex<Vec<String>>>,
    collection: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        // The archives hold the server's URL, so they are added once it listens.
        let files = Files::default();
        let (base, agents) = serve(Arc::clone(&files));
        let step = |file: &str| {
            format!("apiVersion: kuttl.dev/v1beta1\nkind: TestStep\napply:\n  - {base}/{file}\n")
        };
        let assert = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-url\n".to_string();
        let e2e = tar(&[
            ("greet/00-step.yaml", step("configmap.yaml")),
            ("greet/00-assert.yaml", assert),
            ("broken/00-step.yaml", step("nope.yaml")),
        ]);
        let plain = tar(&[("solo/00-configmap.yaml", CONFIGMAP.to_string())]);
        {
            let mut files = files.lock().unwrap();
            files.insert("/suites/e2e.tgz".to_string(), gzip(&e2e));
            files.insert("/suites/plain.tar".to_string(), plain);
            files.insert("/configmap.yaml".to_string(), CONFIGMAP.as_bytes().to_vec());
        }
        let collection = tempfile::tempdir().unwrap();
        std::fs::write(
            collection.path().join("kuttl.yaml"),
            format!(
                "apiVersion: kuttl.dev/v1beta2\nkind: TestCollection\ncontrolPlane:\n  start: auto\ntestDirs:\n  - {base}/suites/e2e.tgz\n  - {base}/suites/plain.tar\n  - {base}/suites/missing.tgz\n"
            ),
        )
        .unwrap();
        Self {
            base,
            agents,
            collection,
        }
    }

    fn path(&self) -> String {
        self.collection
            .path()
            .join("kuttl.yaml")
            .display()
            .to_string()
    }
}

#[test]
fn remote_suites_are_listed_by_archive_name() {
    let fixture = Fixture::new();
    let run = common::run(&fixture.path(), &["--list"]);
    let listed = run.listed();
    for name in [
        "e2e::broken",
        "e2e::broken::load",
        "e2e::greet",
        "e2e::greet::load",
        "plain::solo",
        "plain::solo::load",
        "missing",
    ] {
        assert!(listed.contains(&name), "{name} not in {listed:?}");
    }
}

#[test]
fn remote_suites_load_and_a_missing_archive_fails_its_trial() {
    let fixture = Fixture::new();
    let run = common::run(&fixture.path(), &[]);
    assert_eq!(
        run.outcome("e2e::greet::load"),
        Some("ok"),
        "{}",
        run.output
    );
    assert_eq!(
        run.outcome("plain::solo::load"),
        Some("ok"),
        "{}",
        run.output
    );
    assert_eq!(run.outcome("missing"), Some("FAILED"), "{}", run.output);
    let base = &fixture.base;
    assert!(
        run.failure_of("missing").contains(&format!(
            "test directory \"{base}/suites/missing.tgz\" cannot be fetched: GET {base}/suites/missing.tgz: 404 Not Found"
        )),
        "{}",
        run.failure_of("missing")
    );
    let broken = run.failure_of("e2e::broken::load");
    assert!(
        broken.contains(&format!(
            "00-step.yaml:1: TestStep apply: \"{base}/nope.yaml\": GET {base}/nope.yaml: 404 Not Found"
        )),
        "{broken}"
    );
    let agents = fixture.agents.lock().unwrap();
    assert!(!agents.is_empty());
    assert!(
        agents.iter().all(|a| a.starts_with("kuttl-rs/")),
        "{agents:?}"
    );
}

#[test]
fn step_references_to_urls_bring_their_objects() {
    let fixture = Fixture::new();
    let collection = kuttl::load::collection::read(&fixture.collection.path().join("kuttl.yaml"))
        .expect("the collection");
    let greet = discover::discover(&collection)
        .into_iter()
        .find_map(|found| match found {
            Discovered::Test(test) if test.name == "greet" => Some(test),
            _ => None,
        })
        .expect("e2e::greet");
    let options = LoadOptions {
        ignore_files: &[],
        run_labels: &Default::default(),
        namespace: "kuttl-test-remote",
        template_vars: &Default::default(),
    };
    let case = test_case::load(&greet, &options).unwrap();
    let applied = &case.steps[0].apply;
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].value["metadata"]["name"], "from-url");
    assert_eq!(
        applied[0].source.to_string(),
        format!("{}/configmap.yaml:1", fixture.base)
    );
    // The suite lives in a folder removed with the collection.
    let folder = greet.suite_dir.clone();
    assert!(folder.join("greet/00-assert.yaml").is_file());
    drop(collection);
    assert!(!folder.exists());
}

/// Against the cluster in `KUBECONFIG`: a suite downloaded as a gzipped archive applies a ConfigMap
/// fetched from a URL and asserts it; a plain-tar suite applies its own file.
#[test]
#[ignore = "needs cluster (KUBECONFIG)"]
fn remote_suites_run_against_the_cluster() {
    let fixture = Fixture::new();
    let run = common::run(
        &fixture.path(),
        &["--include-ignored", "--skip", "broken", "--skip", "missing"],
    );
    assert_eq!(run.outcome("e2e::greet"), Some("ok"), "{}", run.output);
    assert_eq!(run.outcome("plain::solo"), Some("ok"), "{}", run.output);
    assert!(run.passed(), "{}", run.output);
}
