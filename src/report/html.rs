//! The HTML report: one self-contained file (no request leaves it: the data is embedded as JSON, and
//! the page's CSS and script are hand-written here) with the run's header, a timeline of tests,
//! their cleanup and hooks in lanes, and the test list with failures first and expanded.
//!
//! The list renders lazily, in batches as it is scrolled, so 10,000 tests open as fast as 100.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use super::coverage::CoverageFile;
use crate::run::{HookRecord, TestRecord};

/// What the report says of the run as a whole.
pub(crate) struct RunInfo<'a> {
    pub name: &'a str,
    pub started: SystemTime,
    pub wall: Duration,
    /// Trials libtest left out as ignored.
    pub ignored: u64,
    /// The API server's version, when the run reached one.
    pub server: Option<&'a str>,
    /// The coverage summary (with the baseline's delta) and `coverage.json`'s content, when
    /// coverage is on and was written.
    pub coverage: Option<(&'a str, &'a CoverageFile)>,
}

#[derive(Serialize)]
struct Data<'a> {
    name: &'a str,
    started: String,
    wall_ms: u128,
    server: Option<&'a str>,
    kuttl_rs: String,
    counts: Counts,
    lanes: usize,
    tests: Vec<Test<'a>>,
    hooks: Vec<Hook<'a>>,
    coverage: Option<Coverage<'a>>,
}

#[derive(Serialize)]
struct Coverage<'a> {
    summary: &'a str,
    /// Per test or hook: operationId → requests.
    operations: &'a BTreeMap<String, BTreeMap<String, usize>>,
}

#[derive(Serialize)]
struct Counts {
    passed: usize,
    failed: usize,
    ignored: u64,
}

#[derive(Serialize)]
struct Test<'a> {
    suite: &'a str,
    name: &'a str,
    failed: bool,
    /// Milliseconds from the run's start.
    start: u128,
    /// When the work (namespace and steps) ended and the cleanup began.
    work_end: u128,
    end: u128,
    lane: usize,
    steps: Vec<Step<'a>>,
    /// Why it could not start, or why its cleanup failed.
    setup_failure: Option<&'a str>,
    cleanup_failure: Option<&'a str>,
    events: Option<&'a str>,
    log: &'a str,
}

#[derive(Serialize)]
struct Step<'a> {
    label: &'a str,
    start: u128,
    end: u128,
    /// The step's whole failure message: file:line, diff, states seen, collectors' output.
    failure: Option<&'a str>,
}

#[derive(Serialize)]
struct Hook<'a> {
    name: &'a str,
    source: &'a str,
    start: u128,
    end: u128,
    failure: Option<String>,
}

/// Milliseconds from `origin` to `time` (0 before it).
fn offset(origin: SystemTime, time: SystemTime) -> u128 {
    time.duration_since(origin).unwrap_or_default().as_millis()
}

/// Renders the report.
pub(crate) fn render(run: &RunInfo<'_>, tests: &[TestRecord], hooks: &[HookRecord]) -> String {
    let at = |time| offset(run.started, time);
    let mut ordered: Vec<&TestRecord> = tests.iter().collect();
    ordered.sort_by_key(|t| (t.started, t.suite.clone(), t.test.clone()));
    let mut lanes: Vec<u128> = Vec::new();
    let mut rendered: Vec<Test<'_>> = ordered
        .into_iter()
        .map(|test| {
            let start = at(test.started);
            let end = at(test.started + test.duration);
            let work_end = test
                .steps
                .last()
                .map_or(start, |step| at(step.started + step.duration));
            Test {
                suite: &test.suite,
                name: &test.test,
                failed: test.failed(),
                start,
                work_end,
                end,
                lane: lane_for(&mut lanes, start, work_end.max(start + 1)),
                steps: test
                    .steps
                    .iter()
                    .map(|step| Step {
                        label: &step.label,
                        start: at(step.started),
                        end: at(step.started + step.duration),
                        failure: step.failure.as_deref(),
                    })
                    .collect(),
                setup_failure: test.setup_failure.as_deref(),
                cleanup_failure: test.cleanup_failure.as_deref(),
                events: test.events.as_deref(),
                log: &test.log,
            }
        })
        .collect();
    // Failures first, then by suite and name.
    rendered.sort_by(|a, b| (!a.failed, a.suite, a.name).cmp(&(!b.failed, b.suite, b.name)));
    let data = Data {
        name: run.name,
        started: super::timestamp(run.started),
        wall_ms: run.wall.as_millis(),
        server: run.server,
        kuttl_rs: crate::provenance::product(),
        counts: Counts {
            passed: tests.iter().filter(|t| !t.failed()).count(),
            failed: tests.iter().filter(|t| t.failed()).count(),
            ignored: run.ignored,
        },
        lanes: lanes.len(),
        tests: rendered,
        hooks: hooks
            .iter()
            .map(|hook| Hook {
                name: &hook.name,
                source: &hook.source,
                start: at(hook.started),
                end: at(hook.started + hook.duration),
                failure: hook.failure.as_ref().map(ToString::to_string),
            })
            .collect(),
        coverage: run.coverage.map(|(summary, file)| Coverage {
            summary,
            operations: &file.tests,
        }),
    };
    // `<` never appears raw inside the script element, so no text can end it early.
    let json = serde_json::to_string(&data)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>kuttl-rs: {title}</title>\n<style>{STYLE}</style></head>\n<body>\n<script type=\"application/json\" id=\"data\">{json}</script>\n<script>{SCRIPT}</script>\n</body></html>\n",
        title = escape_html(if run.name.is_empty() { "run" } else { run.name }),
    )
}

/// The first lane free at `start` (a test's work holds its lane until `end`), as the run's
/// `parallel` slots were given out.
fn lane_for(lanes: &mut Vec<u128>, start: u128, end: u128) -> usize {
    match lanes.iter().position(|&busy_until| busy_until <= start) {
        Some(lane) => {
            lanes[lane] = end;
            lane
        }
        None => {
            lanes.push(end);
            lanes.len() - 1
        }
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = r#"
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:12px 20px;background:#f6f8fa;border-bottom:1px solid #d0d7de}
h1{font-size:18px;margin:0 0 6px}
.meta span{margin-right:16px;color:#57606a}
.count{font-weight:600;margin-right:14px}.count.passed,td.passed{color:#1a7f37}.count.failed,td.failed{color:#cf222e}.count.ignored{color:#9a6700}
section{padding:10px 20px}
h2{font-size:15px;margin:8px 0}
#timeline{position:relative;border:1px solid #d0d7de;background:#fafbfc;overflow:hidden}
.bar{position:absolute;height:14px;border-radius:2px;font-size:10px;overflow:hidden;white-space:nowrap;cursor:pointer}
.bar.work{background:#54aeff;z-index:1}.bar.work.failed{background:#ff8182}
.bar.cleanup{background:#8c959f;height:3px;transform:translateY(12px)}
.bar.hook{background:#c297ff}.bar.hook.failed{background:#ff8182}
#tip{position:fixed;display:none;background:#24292f;color:#fff;padding:4px 8px;border-radius:4px;font-size:12px;pointer-events:none;z-index:9}
.filters{display:flex;gap:10px;align-items:center;margin-bottom:8px}
details.test{border:1px solid #d0d7de;border-radius:4px;margin:4px 0}
details.test>summary{padding:4px 8px;cursor:pointer}
details.test.failed>summary{background:#ffebe9}
.steps{margin:4px 12px;border-collapse:collapse}.steps td{padding:1px 10px 1px 0}
pre{margin:4px 12px 8px;padding:8px;background:#f6f8fa;border-radius:4px;overflow:auto;font:12px/1.35 ui-monospace,monospace;white-space:pre-wrap}
.add{color:#1a7f37;background:#dafbe1}.del{color:#cf222e;background:#ffebe9}.hunk{color:#8250df}
h3{font-size:13px;margin:6px 12px 0}
"#;

const SCRIPT: &str = r#"
"use strict";
const D=JSON.parse(document.getElementById("data").textContent);
const el=(tag,attrs,...kids)=>{const e=document.createElement(tag);for(const[k,v]of Object.entries(attrs||{}))e.setAttribute(k,v);for(const k of kids)e.append(k);return e;};
const secs=ms=>(ms/1000).toFixed(3)+"s";
const header=el("header",{},el("h1",{},"kuttl-rs run "+(D.name||"")),
 el("div",{},el("span",{class:"count passed"},D.counts.passed+" passed"),el("span",{class:"count failed"},D.counts.failed+" failed"),el("span",{class:"count ignored"},D.counts.ignored+" ignored")),
 el("div",{class:"meta"},el("span",{},"started "+D.started),el("span",{},"wall "+secs(D.wall_ms)),el("span",{},"cluster "+(D.server||"unknown")),el("span",{},D.kuttl_rs)));
document.body.append(header);
const tip=el("div",{id:"tip"});document.body.append(tip);
const span=Math.max(D.wall_ms,1,...D.tests.map(t=>t.end),...D.hooks.map(h=>h.end));
const lanes=D.lanes+1,tl=el("div",{id:"timeline",style:"height:"+(lanes*18+6)+"px"});
const bar=(cls,lane,start,end,label,text)=>{const b=el("div",{class:"bar "+cls,style:`left:${start/span*100}%;width:${Math.max((end-start)/span*100,0.15)}%;top:${lane*18+3}px`},label);b.dataset.tip=text;tl.append(b);return b;};
D.hooks.forEach(h=>bar("hook"+(h.failure?" failed":""),0,h.start,h.end,h.name,h.name+" "+secs(h.end-h.start)+(h.failure?" (failed)":"")));
D.tests.forEach(t=>{const n=t.suite+"::"+t.name;
 bar("work"+(t.failed?" failed":""),t.lane+1,t.start,t.work_end,n,n+": work "+secs(t.work_end-t.start)+(t.steps.length?" ("+t.steps.map(s=>s.label+" "+secs(s.end-s.start)).join(", ")+")":"")).onclick=()=>openTest(t);
 if(t.end>t.work_end)bar("cleanup",t.lane+1,t.work_end,t.end,"",n+": cleanup "+secs(t.end-t.work_end));});
tl.addEventListener("mousemove",e=>{const t=e.target.dataset&&e.target.dataset.tip;if(!t){tip.style.display="none";return;}tip.textContent=t;tip.style.display="block";tip.style.left=e.clientX+12+"px";tip.style.top=e.clientY+12+"px";});
tl.addEventListener("mouseleave",()=>tip.style.display="none");
document.body.append(el("section",{},el("h2",{},"Timeline (top lane: hooks; then one lane per slot; a test's work in blue or red, its cleanup as the grey line under it)"),tl));
const suites=[...new Set(D.tests.map(t=>t.suite))].sort();
const status=el("select",{id:"status"},el("option",{value:""},"all"),el("option",{value:"failed"},"failed"),el("option",{value:"passed"},"passed"));
const suite=el("select",{id:"suite"},el("option",{value:""},"all suites"),...suites.map(s=>el("option",{value:s},s)));
const search=el("input",{id:"search",type:"search",placeholder:"search by name"});
const list=el("div",{id:"tests"}),sentinel=el("div",{id:"more"});
document.body.append(el("section",{},el("h2",{},"Tests"),el("div",{class:"filters"},status,suite,search),list,sentinel));
const ops=n=>D.coverage&&D.coverage.operations[n]?Object.entries(D.coverage.operations[n]).map(([op,c])=>op+" ×"+c).join("\n"):"";
if(D.coverage){const rows=Object.entries(D.coverage.operations).map(([n,o])=>el("tr",{},el("td",{},n),el("td",{},Object.keys(o).length+" operations")));
 document.body.append(el("section",{id:"coverage"},el("h2",{},"API coverage"),el("pre",{},D.coverage.summary),el("table",{class:"steps"},...rows)));}
const coloured=text=>{const pre=el("pre");let inDiff=false;for(const line of text.split("\n")){const t=line.trimStart();if(t.startsWith("--- ")||t.startsWith("+++ "))inDiff=true;
 const cls=!inDiff?"":t.startsWith("@@")?"hunk":t.startsWith("+")&&!t.startsWith("+++")?"add":t.startsWith("-")&&!t.startsWith("---")?"del":"";
 if(inDiff&&t==="")inDiff=false;pre.append(cls?el("span",{class:cls},line):line,"\n");}return pre;};
const body=t=>{const d=el("div");const rows=t.steps.map(s=>el("tr",{},el("td",{},s.label),el("td",{},secs(s.end-s.start)),el("td",{class:s.failure?"failed":"passed"},s.failure?"failed":"ok")));
 if(rows.length)d.append(el("table",{class:"steps"},...rows));
 const part=(title,text)=>{if(text){d.append(el("h3",{},title),coloured(text));}};
 part("setup failed",t.setup_failure);t.steps.forEach(s=>part("step "+s.label,s.failure));part("cleanup failed",t.cleanup_failure);part("events",t.events);part("log",t.log);part("API operations",ops(t.suite+"::"+t.name));return d;};
const item=t=>{const d=el("details",{class:"test "+(t.failed?"failed":"passed"),id:"t-"+t.suite+"::"+t.name},el("summary",{},(t.failed?"✗ ":"✓ ")+t.suite+"::"+t.name+"  "+secs(t.end-t.start)));
 let filled=false;const fill=()=>{if(!filled){filled=true;d.append(body(t));}};d.addEventListener("toggle",fill);if(t.failed){d.open=true;fill();}return d;};
let shown=[],next=0;const BATCH=200;
const more=()=>{const end=Math.min(next+BATCH,shown.length);for(;next<end;next++)list.append(item(shown[next]));};
const apply=()=>{const s=status.value,su=suite.value,q=search.value.toLowerCase();list.textContent="";next=0;
 shown=D.tests.filter(t=>(!s||(s==="failed")===t.failed)&&(!su||t.suite===su)&&(!q||(t.suite+"::"+t.name).toLowerCase().includes(q)));more();};
new IntersectionObserver(es=>{if(es.some(e=>e.isIntersecting))more();}).observe(sentinel);
[status,suite].forEach(x=>x.onchange=apply);search.oninput=apply;
const openTest=t=>{status.value="";suite.value="";search.value=t.suite+"::"+t.name;apply();const d=list.firstChild;if(d){d.open=true;d.scrollIntoView();}};
apply();
document.body.dataset.renderedMs=Math.round(performance.now());
"#;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::run::StepRecord;

    use super::*;

    const FAILURE: &str = "failed in step 1-scale: checks still failing after 3.0s (4 checks)\n\n  00-assert.yaml:1\n    resource Deployment:ns/web: .spec.replicas: value mismatch, expected: 3 != actual: 1\n    --- Deployment:ns/web\n    +++ Deployment:ns/web\n    @@ -1,3 +1,3 @@\n    -  replicas: 3\n    +  replicas: 1\n\n  states seen during the window (2):\n    +0.000s replicas: 0\n    +1.200s replicas: 1\n</script><img src=x>";

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_000 + seconds)
    }

    fn test(name: &str, start: u64, failure: Option<&str>) -> TestRecord {
        TestRecord {
            steps: vec![StepRecord {
                label: "1-scale".into(),
                started: at(start),
                duration: Duration::from_secs(2),
                assertions: 1,
                failure: failure.map(str::to_string),
                last_error: None,
                operations: Vec::new(),
            }],
            setup_failure: None,
            duration: Duration::from_secs(4),
            log: "log of the test".into(),
            events: failure.map(|_| "Warning BackOff".to_string()),
            ..TestRecord::not_started("apps", name, at(start), String::new())
        }
    }

    fn data_of(html: &str) -> serde_json::Value {
        let start = html.find("id=\"data\">").unwrap() + "id=\"data\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn holds_the_failure_the_timeline_and_nothing_from_outside() {
        let tests = [
            test("web", 0, Some(FAILURE)),
            test("db", 1, None),
            test("cache", 5, None),
        ];
        let hooks = [HookRecord {
            name: "beforeCollection".into(),
            suite: None,
            source: "kuttl.yaml:3".into(),
            started: at(0),
            duration: Duration::from_millis(300),
            failure: None,
            requests: Vec::new(),
        }];
        let run = RunInfo {
            name: "e2e",
            started: at(0),
            wall: Duration::from_secs(9),
            ignored: 2,
            server: Some("v1.28.7"),
            coverage: None,
        };
        let coverage = CoverageFile {
            tests: BTreeMap::from([(
                "apps::web".to_string(),
                BTreeMap::from([("readAppsV1NamespacedDeployment".to_string(), 4)]),
            )]),
            ..CoverageFile::default()
        };
        let run = RunInfo {
            coverage: Some(("3 of 400 eligible endpoints hit", &coverage)),
            ..run
        };
        let html = render(&run, &tests, &hooks);
        // The page loads nothing: no URL anywhere, no element that fetches outside the data.
        let data_text = serde_json::to_string(&data_of(&html)).unwrap();
        assert!(!html.contains("http://") && !html.contains("https://"));
        let page = html.replace(
            &html[html.find("id=\"data\">").unwrap()..html.find("</script>").unwrap()],
            "",
        );
        for fetching in [" src=", " href=", "@import", "url("] {
            assert!(!page.contains(fetching), "{fetching} in the page");
        }
        assert!(
            data_text.contains("<img src=x>"),
            "text stays text, escaped in the page"
        );
        // The failure's text cannot close the data's script element.
        assert_eq!(html.matches("</script>").count(), 2);
        let data = data_of(&html);
        assert_eq!(
            data["counts"],
            serde_json::json!({"passed": 2, "failed": 1, "ignored": 2})
        );
        assert_eq!(data["server"], "v1.28.7");
        let first = &data["tests"][0];
        assert_eq!(
            (first["name"].as_str(), first["failed"].as_bool()),
            (Some("web"), Some(true))
        );
        let message = first["steps"][0]["failure"].as_str().unwrap();
        assert!(
            message.contains("    -  replicas: 3\n    +  replicas: 1"),
            "the diff"
        );
        assert!(
            message.contains("states seen during the window (2)"),
            "the states"
        );
        assert_eq!(first["events"], "Warning BackOff");
        // web (0-2 s) and db (1-3 s) overlap: two lanes; cache (5 s) takes the first free one.
        let lane = |name: &str| {
            data["tests"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["name"] == name)
                .unwrap()["lane"]
                .as_u64()
        };
        assert_eq!(
            (lane("web"), lane("db"), lane("cache")),
            (Some(0), Some(1), Some(0))
        );
        assert_eq!(data["lanes"], 2);
        assert_eq!(first["work_end"], 2_000);
        assert_eq!(first["end"], 4_000);
        assert_eq!(data["hooks"][0]["name"], "beforeCollection");
        assert_eq!(
            data["coverage"]["operations"]["apps::web"]["readAppsV1NamespacedDeployment"],
            4
        );
        assert_eq!(
            data["coverage"]["summary"],
            "3 of 400 eligible endpoints hit"
        );
    }

    #[test]
    fn a_thousand_tests_make_a_small_file() {
        let tests: Vec<TestRecord> = (0..1_000)
            .map(|i| {
                test(
                    &format!("t{i:04}"),
                    i % 60,
                    (i % 10 == 0).then_some(FAILURE),
                )
            })
            .collect();
        let run = RunInfo {
            name: "big",
            started: at(0),
            wall: Duration::from_secs(70),
            ignored: 0,
            server: None,
            coverage: None,
        };
        let html = render(&run, &tests, &[]);
        assert!(html.len() < 5 << 20, "{} bytes", html.len());
        // Kept for measuring how fast a browser opens it (README, "HTML report").
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/html-report-1000-tests.html");
        if std::fs::create_dir_all(path.parent().unwrap()).is_ok() {
            let _ = std::fs::write(&path, &html);
        }
        eprintln!("{}: {} bytes", path.display(), html.len());
    }
}
