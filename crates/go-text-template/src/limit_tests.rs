//! Templates Go would run into a stack overflow, an endless loop or exhausted memory: kuttl-rs
//! fails them with an error naming the limit it keeps (`exec::MAX_DEPTH`, `exec::MAX_WORK`,
//! `funcs::MAX_LEN`, `parse::MAX_DEPTH`). `fuzz/fuzz_targets/render_template.rs` checks that no
//! input panics, hangs or exhausts the stack or memory.

use std::collections::BTreeMap;

use rstest::rstest;

use super::Template;

fn render(template: &str) -> Result<String, String> {
    Template::parse("t", template)
        .and_then(|t| t.render("ns-test", &BTreeMap::new()))
        .map_err(|err| err.message().to_string())
}

/// `depth` opening `open`s around `inner`, closed by as many `close`s.
fn nest(open: &str, inner: &str, close: &str, depth: usize) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

#[rstest]
#[case::parentheses("(", ")", "{{_}}", "max expression depth exceeded")]
#[case::ifs("{{if 1}}", "{{end}}", "_", "max nesting depth exceeded")]
#[case::ranges("{{range 1}}", "{{end}}", "_", "max nesting depth exceeded")]
fn nesting_stops_past_100_levels(
    #[case] open: &str,
    #[case] close: &str,
    #[case] around: &str,
    #[case] reason: &str,
) {
    // The caller's small stack does not matter: parsing and rendering run on a thread of their own.
    let run = |depth| {
        let template = around.replace('_', &nest(open, "1", close, depth));
        std::thread::Builder::new()
            .stack_size(128 << 10)
            .spawn(move || render(&template))
            .unwrap()
            .join()
            .unwrap()
    };
    assert_eq!(run(100).as_deref(), Ok("1"));
    assert_eq!(run(101), Err(format!("template: t:1: {reason}")));
}

#[test]
fn endless_recursion_stops_at_the_template_depth_limit() {
    assert_eq!(
        render(r#"{{define "r"}}{{template "r" .}}{{end}}{{template "r"}}"#),
        Err(r#"template: t:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (10000)"#.into())
    );
    // Bodies count as levels too: 10 per call here.
    let deep = nest("{{with .}}", r#"{{template "r" .}}"#, "{{end}}", 9);
    let err = render(&format!(
        r#"{{{{define "r"}}}}{deep}{{{{end}}}}{{{{template "r" 1}}}}"#
    ))
    .unwrap_err();
    assert!(
        err.ends_with("exceeded maximum template depth (10000)"),
        "{err}"
    );
}

#[rstest]
#[case::range_over_a_huge_integer("{{range 1000000000}}{{end}}")]
#[case::recursion_that_calls_itself_twice(
    r#"{{define "a"}}{{if lt . 40}}{{template "a" (add1 .)}}{{template "a" (add1 .)}}{{end}}{{end}}{{template "a" 0}}"#
)]
#[case::a_string_doubled_in_a_loop(r#"{{$s := "x"}}{{range 40}}{{$s = print $s $s}}{{end}}"#)]
#[case::a_big_list_copied_in_a_loop("{{$l := until 1000000}}{{range $l}}{{len $l}}{{end}}")]
#[case::a_list_nested_in_a_loop("{{$x := list}}{{range 100000}}{{$x = list $x}}{{end}}")]
#[case::a_chain_of_maps_set_in_a_loop(
    r#"{{$m := dict}}{{$root := $m}}{{range 1000000}}{{$n := dict}}{{$_ := set $m "a" $n}}{{$m = $n}}{{end}}"#
)]
#[case::maps_sharing_a_map_in_a_loop(
    r#"{{$m := dict}}{{range 60}}{{$m = dict "a" $m "b" $m}}{{end}}{{toJson $m}}"#
)]
fn runaway_work_stops_at_the_work_limit(#[case] template: &str) {
    let err = render(template).unwrap_err();
    assert!(
        err.ends_with("exceeded maximum template work (100000000 steps)"),
        "{err}"
    );
}

#[rstest]
#[case::repeat(r#"{{repeat 1000000000 "x"}}"#, "repeat")]
#[case::repeat_of_repeat(r#"{{repeat 100000 (repeat 100000 "x")}}"#, "repeat")]
#[case::until("{{until 1000000000}}", "until")]
#[case::until_step("{{untilStep 0 9223372036854775807 1}}", "untilStep")]
#[case::seq("{{seq 1000000000}}", "seq")]
#[case::rand_alpha("{{randAlpha 1000000000}}", "randAlpha")]
#[case::indent(r#"{{indent 1000000000 "a"}}"#, "indent")]
#[case::replace(r#"{{replace "" (repeat 100000 "y") (repeat 1000 "x")}}"#, "replace")]
#[case::join(r#"{{join (repeat 1000000 "x") (until 1000)}}"#, "join")]
#[case::regex_replace(
    r#"{{regexReplaceAll "a" (repeat 1000 "a") (repeat 100000 "$0")}}"#,
    "regexReplaceAll"
)]
fn a_huge_function_result_fails_before_it_is_built(#[case] template: &str, #[case] name: &str) {
    let err = render(template).unwrap_err();
    assert!(
        err.ends_with(&format!(
            "error calling {name}: result exceeds maximum size (16777216)"
        )),
        "{err}"
    );
}

#[test]
fn a_huge_output_fails_at_the_output_limit() {
    let err = render(r#"{{range 10}}{{printf "%9999999d" 1}}{{end}}"#).unwrap_err();
    assert!(
        err.ends_with("exceeded maximum template output (16777216 bytes)"),
        "{err}"
    );
}

#[test]
fn a_map_cannot_be_set_into_itself() {
    for template in [
        r#"{{$d := dict}}{{$_ := set $d "a" $d}}{{$d}}"#,
        r#"{{$d := dict}}{{$_ := set $d "a" (list 1 (dict "b" $d))}}{{$d}}"#,
        r#"{{$_ := set .Vars "a" .}}{{.}}"#,
    ] {
        let err = render(template).unwrap_err();
        assert!(err.ends_with("a map cannot hold itself"), "{err}");
    }
    assert_eq!(
        render(r#"{{$d := dict}}{{$_ := set $d "a" (dict "b" 1)}}{{$d}}"#).as_deref(),
        Ok("map[a:map[b:1]]")
    );
}

#[test]
fn uniq_of_a_long_list_takes_no_quadratic_time() {
    assert_eq!(
        render("{{ uniq (concat (until 1000000) (until 10)) | len }}").as_deref(),
        Ok("1000000")
    );
}

#[test]
fn until_step_stops_at_the_largest_integer() {
    // Go's loop wraps around past it and never ends.
    assert_eq!(
        render("{{untilStep 9223372036854775800 9223372036854775807 5}}").as_deref(),
        Ok("[9223372036854775800 9223372036854775805]")
    );
    assert_eq!(
        render("{{untilStep -9223372036854775800 -9223372036854775808 -5}}").as_deref(),
        Ok("[-9223372036854775800 -9223372036854775805]")
    );
}
