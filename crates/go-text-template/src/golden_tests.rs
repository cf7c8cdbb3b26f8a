//! The template engine against real Go: every expected value below is what Go's `text/template`
//! with sprig printed for the same template and data (`.Namespace` = `ns-test`, `.Vars` decoded
//! from the JSON as KUTTL's JSON copy decodes them), errors included.

use std::collections::BTreeMap;

use rstest::rstest;

use super::Template;

const VARS: &str = r#"{"s":"hello world","n":3,"f":2.5,"big":1000000,"b":true,"z":null,"l":["a","b","c"],"nums":[3,1,2],"m":{"x":"1","y":{"deep":"v"}},"e":"","el":[],"em":{},"neg":-7,"name":"my-app","mixed":[1,"two",true,null]}"#;

#[rstest]
#[case::text_only(r#"plain text"#, r#""#, Ok(r#"plain text"#))]
#[case::namespace(r#"ns: {{ .Namespace }}"#, r#""#, Ok(r#"ns: ns-test"#))]
#[case::var_string(r#"{{ .Vars.s }}"#, VARS, Ok(r#"hello world"#))]
#[case::var_number_is_float(r#"{{ .Vars.n }} {{ printf "%T" .Vars.n }}"#, VARS, Ok(r#"3 float64"#))]
#[case::var_float(r#"{{ .Vars.f }}"#, VARS, Ok(r#"2.5"#))]
#[case::big_float_exponent(r#"{{ .Vars.big }}"#, VARS, Ok(r#"1e+06"#))]
#[case::var_bool(r#"{{ .Vars.b }}"#, VARS, Ok(r#"true"#))]
#[case::var_null(r#"{{ .Vars.z }}"#, VARS, Ok(r#"<no value>"#))]
#[case::var_list(r#"{{ .Vars.l }}"#, VARS, Ok(r#"[a b c]"#))]
#[case::var_map(r#"{{ .Vars.m }}"#, VARS, Ok(r#"map[x:1 y:map[deep:v]]"#))]
#[case::nested_field(r#"{{ .Vars.m.y.deep }}"#, VARS, Ok(r#"v"#))]
#[case::missing_key(r#"{{ .Vars.nope }}"#, VARS, Ok(r#"<no value>"#))]
#[case::missing_nested(r#"{{ .Vars.nope.deeper }}"#, VARS, Ok(r#"<no value>"#))]
#[case::root_print(r#"{{ . }}"#, r#"{"a":1}"#, Ok(r#"{ns-test map[a:1]}"#))]
#[case::root_vars_print(r#"{{ .Vars }}"#, r#"{"b":[1,2],"a":"x"}"#, Ok(r#"map[a:x b:[1 2]]"#))]
#[case::mixed_list(r#"{{ .Vars.mixed }}"#, VARS, Ok(r#"[1 two true <nil>]"#))]
#[case::trim_left(
    r#"a  
  {{- "b" }}"#,
    r#""#,
    Ok(r#"ab"#)
)]
#[case::trim_right(
    r#"{{ "a" -}}  
  b"#,
    r#""#,
    Ok(r#"ab"#)
)]
#[case::trim_both(
    r#"x
{{- /* c */ -}}
y"#,
    r#""#,
    Ok(r#"xy"#)
)]
#[case::comment(r#"a{{/* a comment */}}b"#, r#""#, Ok(r#"ab"#))]
#[case::dash_number_not_trim(r#"{{-3}}"#, r#""#, Ok(r#"-3"#))]
#[case::raw_string(r#"{{ `a\nb` }}"#, r#""#, Ok(r#"a\nb"#))]
#[case::string_escapes(r#"{{ "tab\tq\"" }}"#, r#""#, Ok(r#"tab	q""#))]
#[case::char_literal(r#"{{ 'a' }} {{ printf "%T" 'a' }}"#, r#""#, Ok(r#"97 int"#))]
#[case::hex_octal_literals(
    r#"{{ 0x1F }} {{ 017 }} {{ 0b101 }} {{ 1_000 }}"#,
    r#""#,
    Ok(r#"31 15 5 1000"#)
)]
#[case::float_literals(r#"{{ 1.5 }} {{ 1e3 }} {{ .5 }}"#, r#""#, Ok(r#"1.5 1000 0.5"#))]
#[case::bool_nil_print(r#"{{ true }} {{ print nil }}"#, r#""#, Ok(r#"true <nil>"#))]
#[case::pipeline(r#"{{ .Vars.s | upper | quote }}"#, VARS, Ok(r#""HELLO WORLD""#))]
#[case::pipeline_final_arg(r#"{{ "x" | printf "%s-%s" "a" }}"#, r#""#, Ok(r#"a-x"#))]
#[case::variables(r#"{{ $x := 1 }}{{ $x }}{{ $x = 2 }}{{ $x }}"#, r#""#, Ok(r#"12"#))]
#[case::dollar_root(
    r#"{{ range .Vars.l }}{{ $.Namespace }}{{ end }}"#,
    VARS,
    Ok(r#"ns-testns-testns-test"#)
)]
#[case::variable_field_chain(r#"{{ $m := .Vars.m }}{{ $m.y.deep }}"#, VARS, Ok(r#"v"#))]
#[case::paren_pipeline(r#"{{ (printf "%d" 3) }} {{ (.Vars.m).x }}"#, VARS, Ok(r#"3 1"#))]
#[case::if_else(r#"{{ if .Vars.b }}yes{{ else }}no{{ end }}"#, VARS, Ok(r#"yes"#))]
#[case::if_else_if(
    r#"{{ if .Vars.z }}a{{ else if .Vars.e }}b{{ else if .Vars.n }}c{{ end }}"#,
    VARS,
    Ok(r#"c"#)
)]
#[case::truthiness(
    r#"{{ if 0 }}0{{ end }}{{ if "" }}e{{ end }}{{ if .Vars.el }}l{{ end }}{{ if .Vars.em }}m{{ end }}{{ if .Vars.f }}f{{ end }}{{ if . }}root{{ end }}"#,
    VARS,
    Ok(r#"froot"#)
)]
#[case::range_list(r#"{{ range .Vars.l }}[{{ . }}]{{ end }}"#, VARS, Ok(r#"[a][b][c]"#))]
#[case::range_index_value(
    r#"{{ range $i, $v := .Vars.l }}{{ $i }}={{ $v }};{{ end }}"#,
    VARS,
    Ok(r#"0=a;1=b;2=c;"#)
)]
#[case::range_map_sorted(
    r#"{{ range $k, $v := .Vars.m }}{{ $k }}:{{ $v }};{{ end }}"#,
    VARS,
    Ok(r#"x:1;y:map[deep:v];"#)
)]
#[case::range_else(
    r#"{{ range .Vars.el }}x{{ else }}empty{{ end }}"#,
    VARS,
    Ok(r#"empty"#)
)]
#[case::range_missing_else(
    r#"{{ range .Vars.nope }}x{{ else }}none{{ end }}"#,
    VARS,
    Ok(r#"none"#)
)]
#[case::range_break_continue(
    r#"{{ range $i, $v := .Vars.l }}{{ if eq $v "b" }}{{ continue }}{{ end }}{{ if eq $v "c" }}{{ break }}{{ end }}{{ $v }}{{ end }}"#,
    VARS,
    Ok(r#"a"#)
)]
#[case::range_int(r#"{{ range 3 }}{{ . }}{{ end }}"#, r#""#, Ok(r#"012"#))]
#[case::range_until(r#"{{ range until 3 }}{{ . }}{{ end }}"#, r#""#, Ok(r#"012"#))]
#[case::range_one_var(r#"{{ range $v := .Vars.l }}{{ $v }}{{ end }}"#, VARS, Ok(r#"abc"#))]
#[case::range_over_string_error(
    r#"{{ range .Vars.s }}{{ end }}"#,
    VARS,
    Err(r#"template: t:1:14: executing "t" at <.Vars.s>: range can't iterate over hello world"#)
)]
#[case::with(r#"{{ with .Vars.m }}{{ .x }}{{ end }}"#, VARS, Ok(r#"1"#))]
#[case::with_else(
    r#"{{ with .Vars.nope }}x{{ else }}none{{ end }}"#,
    VARS,
    Ok(r#"none"#)
)]
#[case::with_else_with(
    r#"{{ with .Vars.e }}a{{ else with .Vars.s }}{{ . }}{{ end }}"#,
    VARS,
    Ok(r#"hello world"#)
)]
#[case::define_template(
    r#"{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" .Vars.s }}"#,
    VARS,
    Ok(r#"[hello world]"#)
)]
#[case::block(
    r#"{{ block "b" .Namespace }}<{{ . }}>{{ end }}"#,
    r#""#,
    Ok(r#"<ns-test>"#)
)]
#[case::template_no_pipe(
    r#"{{ define "x" }}{{ . }}{{ end }}{{ template "x" }}"#,
    r#""#,
    Ok(r#"<no value>"#)
)]
#[case::and_or(
    r#"{{ and 1 0 }} {{ or 0 "" "x" }} {{ and 1 2 }} {{ or 0 }}"#,
    r#""#,
    Ok(r#"0 x 2 0"#)
)]
#[case::not(r#"{{ not .Vars.b }} {{ not .Vars.e }}"#, VARS, Ok(r#"false true"#))]
#[case::len(
    r#"{{ len .Vars.l }} {{ len .Vars.s }} {{ len .Vars.m }}"#,
    VARS,
    Ok(r#"3 11 2"#)
)]
#[case::index(
    r#"{{ index .Vars.l 1 }} {{ index .Vars.m "x" }} {{ index .Vars.m.y "deep" }}"#,
    VARS,
    Ok(r#"b 1 v"#)
)]
#[case::index_missing_key(r#"{{ index .Vars.m "nope" }}"#, VARS, Ok(r#"<no value>"#))]
#[case::index_out_of_range(
    r#"{{ index .Vars.l 5 }}"#,
    VARS,
    Err(r#"template: t:1:3: executing "t" at <index .Vars.l 5>: error calling index: index out of range: 5"#)
)]
#[case::index_float_error(
    r#"{{ index .Vars.l .Vars.n }}"#,
    VARS,
    Err(r#"template: t:1:3: executing "t" at <index .Vars.l .Vars.n>: error calling index: cannot index slice/array with type float64"#)
)]
#[case::print_spacing(r#"{{ print 1 2 "a" "b" 3 }}"#, r#""#, Ok(r#"1 2ab3"#))]
#[case::println(
    r#"{{ println 1 "a" }}"#,
    r#""#,
    Ok(
        r#"1 a
"#
    )
)]
#[case::printf_verbs(
    r#"{{ printf "%v|%s|%d|%q|%x|%X|%t|%T" .Vars.l "s" 42 "q" 255 "hi" true 1.5 }}"#,
    VARS,
    Ok(r#"[a b c]|s|42|"q"|ff|6869|true|float64"#)
)]
#[case::printf_floats(
    r#"{{ printf "%f|%.2f|%e|%g|%8.3f|%-8.1f|" 3.14159 3.14159 1234.5678 0.000012 2.5 2.5 }}"#,
    r#""#,
    Ok(r#"3.141590|3.14|1.234568e+03|1.2e-05|   2.500|2.5     |"#)
)]
#[case::printf_width(
    r#"{{ printf "[%5s][%-5s][%05d][%+d][%x]" "ab" "ab" 42 7 "ab" }}"#,
    r#""#,
    Ok(r#"[   ab][ab   ][00042][+7][6162]"#)
)]
#[case::printf_bad_verb(
    r#"{{ printf "%d" "x" }} {{ printf "%d" .Vars.n }} {{ printf "%s" 3 }}"#,
    VARS,
    Ok(r#"%!d(string=x) %!d(float64=3) %!s(int=3)"#)
)]
#[case::printf_missing_extra(
    r#"{{ printf "%s %s" "a" }} {{ printf "%s" "a" "b" 3 }}"#,
    r#""#,
    Ok(r#"a %!s(MISSING) a%!(EXTRA string=b, int=3)"#)
)]
#[case::printf_percent(r#"{{ printf "100%%" }}"#, r#""#, Ok(r#"100%"#))]
#[case::printf_list_verbs(
    r#"{{ printf "%q" .Vars.l }} {{ printf "%s" .Vars.mixed }}"#,
    VARS,
    Ok(r#"["a" "b" "c"] [%!s(float64=1) two %!s(bool=true) <nil>]"#)
)]
#[case::printf_nil(r#"{{ printf "%v %d" nil nil }}"#, r#""#, Ok(r#"<nil> %!d(<nil>)"#))]
#[case::printf_map(r#"{{ printf "%v" .Vars.m }}"#, VARS, Ok(r#"map[x:1 y:map[deep:v]]"#))]
#[case::printf_plus_v_root(
    r#"{{ printf "%+v" . }}"#,
    r#"{"a":"b"}"#,
    Ok(r#"{Namespace:ns-test Vars:map[a:b]}"#)
)]
#[case::eq_ne(
    r#"{{ eq 1 1 }} {{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ eq .Vars.s "hello world" }}"#,
    VARS,
    Ok(r#"true true true true"#)
)]
#[case::eq_float_int_error(
    r#"{{ eq .Vars.n 3 }}"#,
    VARS,
    Err(r#"template: t:1:3: executing "t" at <eq .Vars.n 3>: error calling eq: incompatible types for comparison: float64 and int"#)
)]
#[case::eq_float_float(r#"{{ eq .Vars.n 3.0 }}"#, VARS, Ok(r#"true"#))]
#[case::lt_le_gt_ge(
    r#"{{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1.5 2.5 }}"#,
    r#""#,
    Ok(r#"true true true false"#)
)]
#[case::lt_bad_type(
    r#"{{ lt .Vars.l 1 }}"#,
    VARS,
    Err(r#"template: t:1:3: executing "t" at <lt .Vars.l 1>: error calling lt: invalid type for comparison"#)
)]
#[case::eq_missing_arg(
    r#"{{ eq 1 }}"#,
    r#""#,
    Err(r#"template: t:1:3: executing "t" at <eq 1>: error calling eq: missing argument for comparison"#)
)]
#[case::eq_nil_missing(r#"{{ eq .Vars.nope .Vars.z }}"#, VARS, Ok(r#"true"#))]
#[case::html_js_urlquery(
    r#"{{ html "<a href='x'>&</a>" }} {{ js "it's <b>" }} {{ urlquery "a b&c=d/é" }}"#,
    r#""#,
    Ok(r#"&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt; it\'s \u003Cb\u003E a+b%26c%3Dd%2F%C3%A9"#)
)]
#[case::call_non_function(
    r#"{{ call .Vars.s }}"#,
    VARS,
    Err(r#"template: t:1:3: executing "t" at <call .Vars.s>: error calling call: non-function .Vars.s of type string"#)
)]
#[case::parse_unclosed_action(
    r#"line1
{{ .Vars.s "#,
    VARS,
    Err(r#"template: t:2: unclosed action"#)
)]
#[case::parse_unexpected_end(r#"{{ end }}"#, r#""#, Err(r#"template: t:1: unexpected {{end}}"#))]
#[case::parse_missing_end(
    r#"a
{{ if true }}
b"#,
    r#""#,
    Err(r#"template: t:3: unexpected EOF"#)
)]
#[case::parse_undefined_function(
    r#"x

{{ nosuchfunc 1 }}"#,
    r#""#,
    Err(r#"template: t:3: function "nosuchfunc" not defined"#)
)]
#[case::parse_undefined_variable(
    r#"{{ $nope }}"#,
    r#""#,
    Err(r#"template: t:1: undefined variable "$nope""#)
)]
#[case::parse_unterminated_string(
    r#"{{ "abc }}"#,
    r#""#,
    Err(r#"template: t:1: unterminated quoted string"#)
)]
#[case::parse_bad_number(r#"{{ 3x }}"#, r#""#, Err(r#"template: t:1: bad number syntax: "3x""#))]
#[case::parse_unclosed_comment(r#"{{/* x }}"#, r#""#, Err(r#"template: t:1: unclosed comment"#))]
#[case::parse_comment_not_closed_right(
    r#"{{/* x */ 1 }}"#,
    r#""#,
    Err(r#"template: t:1: comment ends before closing delimiter"#)
)]
#[case::parse_break_outside_range(
    r#"{{ break }}"#,
    r#""#,
    Err(r#"template: t:1: {{break}} outside {{range}}"#)
)]
#[case::parse_else_twice(
    r#"{{ if 1 }}{{ else }}{{ else }}{{ end }}"#,
    r#""#,
    Err(r#"template: t:1: expected end; found {{else}}"#)
)]
#[case::parse_missing_value_if(
    r#"{{ if }}{{ end }}"#,
    r#""#,
    Err(r#"template: t:1: missing value for if"#)
)]
#[case::parse_non_executable_stage(
    r#"{{ 1 | 2 }}"#,
    r#""#,
    Err(r#"template: t:1: non executable command in pipeline stage 2"#)
)]
#[case::parse_unexpected_paren(
    r#"{{ ) }}"#,
    r#""#,
    Err(r#"template: t:1: unexpected right paren"#)
)]
#[case::parse_unclosed_paren(r#"{{ (1 }}"#, r#""#, Err(r#"template: t:1: unclosed left paren"#))]
#[case::parse_bad_character(
    r#"{{ .Vars.s# }}"#,
    VARS,
    Err(r#"template: t:1: bad character U+0023 '#'"#)
)]
#[case::parse_dot_after_term(
    r#"{{ "a".b }}"#,
    r#""#,
    Err(r#"template: t:1: unexpected . after term "\"a\"""#)
)]
#[case::parse_range_too_many_vars(
    r#"{{ range $a, $b, $c := .Vars.l }}{{ end }}"#,
    VARS,
    Err(r#"template: t:1: too many declarations in range"#)
)]
#[case::parse_define_in_body(
    r#"{{ if 1 }}{{ define "x" }}{{ end }}{{ end }}"#,
    r#""#,
    Err(r#"template: t:1: unexpected <define> in command"#)
)]
#[case::parse_multiline_action_error(
    r#"{{ if
 1 2 ) }}{{ end }}"#,
    r#""#,
    Err(r#"template: t:2: unexpected right paren in action started at t:1"#)
)]
#[case::exec_nil_pointer(
    r#"{{ .Vars.z.field }}"#,
    VARS,
    Err(r#"template: t:1:8: executing "t" at <.Vars.z.field>: nil pointer evaluating interface {}.field"#)
)]
#[case::exec_field_on_string(
    r#"{{ .Vars.s.field }}"#,
    VARS,
    Err(r#"template: t:1:8: executing "t" at <.Vars.s.field>: can't evaluate field field in type interface {}"#)
)]
#[case::exec_field_on_variable_string(
    r#"{{ $s := .Vars.s }}{{ $s.field }}"#,
    VARS,
    Err(r#"template: t:1:24: executing "t" at <$s.field>: can't evaluate field field in type string"#)
)]
#[case::exec_unknown_root_field(
    r#"{{ .Nope }}"#,
    r#""#,
    Err(r#"template: t:1:3: executing "t" at <.Nope>: can't evaluate field Nope in type template.Env"#)
)]
#[case::exec_wrong_arg_count(
    r#"{{ upper "a" "b" }}"#,
    r#""#,
    Err(r#"template: t:1:3: executing "t" at <upper>: wrong number of args for upper: want 1 got 2"#)
)]
#[case::exec_wrong_arg_count_variadic(
    r#"{{ printf }}"#,
    r#""#,
    Err(r#"template: t:1:3: executing "t" at <printf>: wrong number of args for printf: want at least 1 got 0"#)
)]
#[case::exec_wrong_type_float_for_string(
    r#"{{ upper .Vars.n }}"#,
    VARS,
    Err(r#"template: t:1:14: executing "t" at <.Vars.n>: wrong type for value; expected string; got float64"#)
)]
#[case::exec_nil_for_string(
    r#"{{ upper .Vars.z }}"#,
    VARS,
    Err(r#"template: t:1:14: executing "t" at <.Vars.z>: wrong type for value; expected string; got interface {}"#)
)]
#[case::exec_missing_for_string(
    r#"{{ upper .Vars.nope }}"#,
    VARS,
    Err(r#"template: t:1:14: executing "t" at <.Vars.nope>: invalid value; expected string"#)
)]
#[case::exec_literal_for_string(
    r#"{{ upper 3 }}"#,
    r#""#,
    Err(r#"template: t:1:9: executing "t" at <3>: expected string; found 3"#)
)]
#[case::exec_string_for_int(
    r#"{{ repeat "3" "a" }}"#,
    r#""#,
    Err(r#"template: t:1:10: executing "t" at <"3">: expected integer; found "3""#)
)]
#[case::exec_nil_command(
    r#"{{ nil }}"#,
    r#""#,
    Err(r#"template: t:1:3: executing "t" at <nil>: nil is not a command"#)
)]
#[case::exec_arg_to_non_function(
    r#"{{ .Vars.s 1 }}"#,
    VARS,
    Err(r#"template: t:1:8: executing "t" at <.Vars.s>: s is not a method but has arguments"#)
)]
#[case::exec_template_not_defined(
    r#"{{ template "nope" }}"#,
    r#""#,
    Err(
        r#"template: t:1:12: executing "t" at <{{template "nope"}}>: template "nope" not defined"#
    )
)]
#[case::exec_fail(
    r#"a
  {{ fail "boom" }}"#,
    r#""#,
    Err(r#"template: t:2:5: executing "t" at <fail "boom">: error calling fail: boom"#)
)]
#[case::exec_pipe_into_field(
    r#"{{ 1 | .Vars.s }}"#,
    VARS,
    Err(r#"template: t:1:12: executing "t" at <.Vars.s>: s is not a method but has arguments"#)
)]
#[case::exec_long_context_truncated(
    r#"{{ printf "%d" (index .Vars.l 1 2 3 4 5 6 7) }}"#,
    VARS,
    Err(r#"template: t:1:16: executing "t" at <index .Vars.l 1 2 3 4 5 6 7>: error calling index: index out of range: 2"#)
)]
#[case::exec_error_in_define(
    r#"{{ define "d" }}
{{ .Nope }}{{ end }}{{ template "d" . }}"#,
    r#""#,
    Err(r#"template: t:2:3: executing "d" at <.Nope>: can't evaluate field Nope in type template.Env"#)
)]
#[case::exec_div_zero(
    r#"{{ div 1 0 }}"#,
    r#""#,
    Err(r#"template: t:1:3: executing "t" at <div 1 0>: error calling div: runtime error: integer divide by zero"#)
)]
#[case::sprig_trim(
    r#"[{{ trim "  a b \n" }}][{{ trimAll "$" "$$5$" }}][{{ trimPrefix "ab" "abc" }}][{{ trimSuffix "bc" "abc" }}]"#,
    r#""#,
    Ok(r#"[a b][5][c][a]"#)
)]
#[case::sprig_case(
    r#"{{ upper "aé" }} {{ lower "AÉ" }} {{ title "hello wide-world o'neil" }} {{ untitle "Hello World" }}"#,
    r#""#,
    Ok(r#"AÉ aé Hello Wide-World O'Neil hello world"#)
)]
#[case::sprig_repeat_substr(
    r#"{{ repeat 3 "ab" }} {{ substr 1 3 "hello" }} {{ substr -1 2 "hello" }} {{ substr 2 99 "hello" }}"#,
    r#""#,
    Ok(r#"ababab el he llo"#)
)]
#[case::sprig_trunc(
    r#"{{ trunc 3 "hello" }} {{ trunc -2 "hello" }} {{ trunc 10 "hi" }}"#,
    r#""#,
    Ok(r#"hel lo hi"#)
)]
#[case::sprig_abbrev(
    r#"{{ abbrev 5 "hello world" }} {{ abbrev 3 "hello" }} {{ abbrev 20 "short" }}"#,
    r#""#,
    Ok(r#"he... hello short"#)
)]
#[case::sprig_nospace_initials(
    r#"{{ nospace " a b\tc " }} {{ initials "First Try now" }}"#,
    r#""#,
    Ok(r#"abc FTn"#)
)]
#[case::sprig_wrap(
    r#"{{ wrap 10 "the quick brown fox jumps over" }}"#,
    r#""#,
    Ok(
        r#"the quick
brown fox
jumps over"#
    )
)]
#[case::sprig_contains(
    r#"{{ contains "ll" "hello" }} {{ hasPrefix "he" "hello" }} {{ hasSuffix "x" "hello" }}"#,
    r#""#,
    Ok(r#"true true false"#)
)]
#[case::sprig_quote(
    r#"{{ quote "a" 1 .Vars.z "b\"" }} {{ squote "a" 2 }}"#,
    VARS,
    Ok(r#""a" "1" "b\"" 'a' '2'"#)
)]
#[case::sprig_cat(r#"{{ cat "a" 1 nil "b" .Vars.l }}"#, VARS, Ok(r#"a 1 b [a b c]"#))]
#[case::sprig_indent(
    r#"{{ indent 2 "a\nb" }}|{{ nindent 4 "x" }}"#,
    r#""#,
    Ok(
        r#"  a
  b|
    x"#
    )
)]
#[case::sprig_replace(
    r#"{{ replace " " "-" "a b c" }} {{ "x.y" | replace "." "_" }}"#,
    r#""#,
    Ok(r#"a-b-c x_y"#)
)]
#[case::sprig_plural(
    r#"{{ plural "one" "many" 1 }} {{ plural "one" "many" 2 }}"#,
    r#""#,
    Ok(r#"one many"#)
)]
#[case::sprig_snake_kebab(
    r#"{{ snakecase "FirstName" }} {{ snakecase "HTTPServer" }} {{ kebabcase "fooBarBaz" }} {{ snakecase "already_snake" }}"#,
    r#""#,
    Ok(r#"first_name http_server foo-bar-baz already_snake"#)
)]
#[case::sprig_camel_swap(
    r#"{{ camelcase "http_server" }} {{ camelcase "foo_bar_baz" }} {{ swapcase "Hello World" }}"#,
    r#""#,
    Ok(r#"HttpServer FooBarBaz hELLO wORLD"#)
)]
#[case::sprig_split(
    r#"{{ split "$" "foo$bar$baz" }} {{ (split "." "a.b")._1 }} {{ splitn "$" 2 "a$b$c" }}"#,
    r#""#,
    Ok(r#"map[_0:foo _1:bar _2:baz] b map[_0:a _1:b$c]"#)
)]
#[case::sprig_splitlist_join(
    r#"{{ splitList "," "a,b,c" }} {{ join "-" .Vars.l }} {{ join "," .Vars.mixed }} {{ join "," "solo" }}"#,
    VARS,
    Ok(r#"[a b c] a-b-c 1,two,true solo"#)
)]
#[case::sprig_split_type(
    r#"{{ printf "%T %T" (split "a" "b") (splitList "a" "b") }}"#,
    r#""#,
    Ok(r#"map[string]string []string"#)
)]
#[case::sprig_default(
    r#"{{ default "d" .Vars.e }} {{ default "d" .Vars.s }} {{ default "d" .Vars.nope }} {{ .Vars.nope | default "p" }} {{ default 5 0 }}"#,
    VARS,
    Ok(r#"d hello world d p 5"#)
)]
#[case::sprig_empty(
    r#"{{ empty .Vars.e }} {{ empty .Vars.l }} {{ empty 0 }} {{ empty .Vars.z }} {{ empty .Vars.em }} {{ empty . }}"#,
    VARS,
    Ok(r#"true false true true true false"#)
)]
#[case::sprig_coalesce(
    r#"{{ coalesce .Vars.e .Vars.z 0 "first" "second" }} {{ coalesce .Vars.e }}"#,
    VARS,
    Ok(r#"first <no value>"#)
)]
#[case::sprig_ternary(
    r#"{{ ternary "y" "n" true }} {{ .Vars.b | ternary "y" "n" }}"#,
    VARS,
    Ok(r#"y y"#)
)]
#[case::sprig_ternary_bad(
    r#"{{ ternary "y" "n" .Vars.s }}"#,
    VARS,
    Err(r#"template: t:1:24: executing "t" at <.Vars.s>: wrong type for value; expected bool; got string"#)
)]
#[case::sprig_tostring(
    r#"{{ toString 3 }} {{ toString .Vars.f }} {{ toString .Vars.l }} {{ toString nil }}"#,
    VARS,
    Ok(r#"3 2.5 [a b c] <nil>"#)
)]
#[case::sprig_tostrings(
    r#"{{ toStrings .Vars.mixed }} {{ printf "%T" (toStrings .Vars.l) }}"#,
    VARS,
    Ok(r#"[1 two true] []string"#)
)]
#[case::sprig_atoi_int(
    r#"{{ atoi "42" }} {{ atoi "x" }} {{ int "7" }} {{ int .Vars.f }} {{ int64 "0x10" }} {{ float64 "1.5" }} {{ int "3.0" }}"#,
    VARS,
    Ok(r#"42 0 7 2 16 1.5 3"#)
)]
#[case::sprig_int_types(
    r#"{{ printf "%T %T %T %T" (int 1) (int64 1) (float64 1) (atoi "1") }}"#,
    r#""#,
    Ok(r#"int int64 float64 int"#)
)]
#[case::sprig_tojson(
    r#"{{ toJson .Vars.m }} {{ toJson .Vars.mixed }} {{ toJson "<&>" }} {{ toRawJson "<&>" }} {{ toJson .Vars.big }} {{ toJson 1e21 }} {{ toJson 0.0000001 }}"#,
    VARS,
    Ok(r#"{"x":"1","y":{"deep":"v"}} [1,"two",true,null] "\u003c\u0026\u003e" "<&>" 1000000 1e+21 1e-7"#)
)]
#[case::sprig_toprettyjson(
    r#"{{ toPrettyJson .Vars.m }}"#,
    VARS,
    Ok(
        r#"{
  "x": "1",
  "y": {
    "deep": "v"
  }
}"#
    )
)]
#[case::sprig_tojson_root(
    r#"{{ toJson . }}"#,
    r#"{"k":[1,{"a":null}]}"#,
    Ok(r#"{"Namespace":"ns-test","Vars":{"k":[1,{"a":null}]}}"#)
)]
#[case::sprig_fromjson(
    r#"{{ $o := fromJson "{\"a\":[1,2],\"b\":{\"c\":true}}" }}{{ $o.a }} {{ $o.b.c }} {{ fromJson "bad" }}"#,
    r#""#,
    Ok(r#"[1 2] true <no value>"#)
)]
#[case::sprig_typeof(
    r#"{{ typeOf 1 }} {{ typeOf .Vars.l }} {{ kindOf .Vars.m }} {{ kindIs "slice" .Vars.l }} {{ typeIs "string" "x" }}"#,
    VARS,
    Ok(r#"int []interface {} map true true"#)
)]
#[case::sprig_list(
    r#"{{ list 1 "a" true }} {{ printf "%T" (list) }}"#,
    r#""#,
    Ok(r#"[1 a true] []interface {}"#)
)]
#[case::sprig_first_last(
    r#"{{ first .Vars.l }} {{ last .Vars.l }} {{ first .Vars.el }} {{ rest .Vars.l }} {{ initial .Vars.l }}"#,
    VARS,
    Ok(r#"a c <no value> [b c] [a b]"#)
)]
#[case::sprig_first_error(
    r#"{{ first .Vars.s }}"#,
    VARS,
    Err(r#"template: t:1:3: executing "t" at <first .Vars.s>: error calling first: Cannot find first on type string"#)
)]
#[case::sprig_append_prepend(
    r#"{{ append .Vars.l "d" }} {{ prepend .Vars.l "z" }} {{ concat .Vars.l (list 1 2) .Vars.el }}"#,
    VARS,
    Ok(r#"[a b c d] [z a b c] [a b c 1 2]"#)
)]
#[case::sprig_reverse_uniq(
    r#"{{ reverse .Vars.l }} {{ uniq (list 1 2 1 "a" "a") }} {{ without .Vars.l "b" }}"#,
    VARS,
    Ok(r#"[c b a] [1 2 a] [a c]"#)
)]
#[case::sprig_has_compact(
    r#"{{ has "b" .Vars.l }} {{ has 4 .Vars.nums }} {{ compact (list 0 1 "" "x" nil) }}"#,
    VARS,
    Ok(r#"true false [1 x]"#)
)]
#[case::sprig_slice(
    r#"{{ slice .Vars.l 1 }} {{ slice .Vars.l 0 2 }} {{ slice .Vars.l }}"#,
    VARS,
    Ok(r#"[b c] [a b] [a b c]"#)
)]
#[case::sprig_slice_string_error(
    r#"{{ slice "hello" 1 2 }}"#,
    r#""#,
    Err(r#"template: t:1:3: executing "t" at <slice "hello" 1 2>: error calling slice: list should be type of slice or array but string"#)
)]
#[case::sprig_sortalpha(
    r#"{{ sortAlpha (list "b" "a" "C") }} {{ sortAlpha .Vars.nums }}"#,
    VARS,
    Ok(r#"[C a b] [1 2 3]"#)
)]
#[case::sprig_until(
    r#"{{ until 3 }} {{ until -2 }} {{ untilStep 0 10 3 }} {{ untilStep 5 0 -2 }} {{ printf "%T" (until 1) }}"#,
    r#""#,
    Ok(r#"[0 1 2] [0 -1] [0 3 6 9] [5 3 1] []int"#)
)]
#[case::sprig_seq(
    r#"{{ seq 3 }}|{{ seq 2 5 }}|{{ seq 5 2 }}|{{ seq 0 2 10 }}|{{ seq 0 }}|{{ seq -2 }}"#,
    r#""#,
    Ok(r#"1 2 3|2 3 4 5|5 4 3 2|0 2 4 6 8 10|1 0|1 0 -1 -2"#)
)]
#[case::sprig_chunk(
    r#"{{ chunk 2 (list 1 2 3 4 5) }} {{ printf "%T" (chunk 2 (list 1)) }}"#,
    r#""#,
    Ok(r#"[[1 2] [3 4] [5]] [][]interface {}"#)
)]
#[case::sprig_dict(
    r#"{{ dict "a" 1 "b" "two" }} {{ dict "odd" }} {{ dict }}"#,
    r#""#,
    Ok(r#"map[a:1 b:two] map[odd:] map[]"#)
)]
#[case::sprig_get_set(
    r#"{{ $d := dict "a" 1 }}{{ get $d "a" }}|{{ get $d "nope" }}|{{ $_ := set $d "b" 2 }}{{ $d }}|{{ unset $d "a" }}|{{ hasKey $d "b" }}"#,
    r#""#,
    Ok(r#"1||map[a:1 b:2]|map[b:2]|true"#)
)]
#[case::sprig_set_vars(
    r#"{{ $_ := set .Vars "added" "yes" }}{{ .Vars.added }}"#,
    VARS,
    Ok(r#"yes"#)
)]
#[case::sprig_pluck_keys(
    r#"{{ pluck "a" (dict "a" 1) (dict "b" 2) (dict "a" 3) }} {{ keys .Vars.m | sortAlpha }} {{ values (dict "k" "v") }}"#,
    VARS,
    Ok(r#"[1 3] [x y] [v]"#)
)]
#[case::sprig_pick_omit(
    r#"{{ pick .Vars.m "x" "nope" }} {{ omit .Vars.m "x" }}"#,
    VARS,
    Ok(r#"map[x:1] map[y:map[deep:v]]"#)
)]
#[case::sprig_dig(
    r#"{{ dig "m" "y" "deep" "def" .Vars }} {{ dig "m" "nope" "def" .Vars }}"#,
    VARS,
    Ok(r#"v def"#)
)]
#[case::sprig_merge(
    r#"{{ $a := dict "k" "a" "n" (dict "x" 1) "e" "" }}{{ $b := dict "k" "b" "n" (dict "y" 2) "new" 3 "e" "filled" }}{{ merge $a $b }}"#,
    r#""#,
    Ok(r#"map[e:filled k:a n:map[x:1 y:2] new:3]"#)
)]
#[case::sprig_merge_overwrite(
    r#"{{ $a := dict "k" "a" "n" (dict "x" 1) }}{{ $b := dict "k" "b" "n" (dict "x" 2) "z" "" }}{{ mergeOverwrite $a $b }}"#,
    r#""#,
    Ok(r#"map[k:b n:map[x:2] z:]"#)
)]
#[case::sprig_deepcopy(
    r#"{{ $c := deepCopy .Vars.m }}{{ $_ := set $c "x" "changed" }}{{ .Vars.m.x }} {{ $c.x }}"#,
    VARS,
    Ok(r#"1 changed"#)
)]
#[case::sprig_get_wrong_type(
    r#"{{ get (split "a" "b") "_0" }}"#,
    r#""#,
    Err(r#"template: t:1:18: executing "t" at <"b">: wrong type for value; expected map[string]interface {}; got map[string]string"#)
)]
#[case::sprig_add(
    r#"{{ add 1 2 3 }} {{ add .Vars.n 1 }} {{ add1 .Vars.f }} {{ sub 10 .Vars.n }} {{ printf "%T" (add 1 2) }}"#,
    VARS,
    Ok(r#"6 4 3 7 int64"#)
)]
#[case::sprig_mul_div_mod(
    r#"{{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }} {{ div .Vars.neg 2 }}"#,
    VARS,
    Ok(r#"24 3 1 -3"#)
)]
#[case::sprig_max_min(
    r#"{{ max 1 5 3 }} {{ min 4 2 8 }} {{ max .Vars.n }}"#,
    VARS,
    Ok(r#"5 2 3"#)
)]
#[case::sprig_floor_ceil_round(
    r#"{{ floor 1.7 }} {{ ceil 1.2 }} {{ round 3.14159 2 }} {{ round 2.5 0 }} {{ round -2.5 0 }} {{ round 1.2345 3 0.4 }}"#,
    r#""#,
    Ok(r#"1 2 3.14 3 -3 1.235"#)
)]
#[case::sprig_float_math(
    r#"{{ addf 0.1 0.2 }} {{ subf 1 0.9 }} {{ mulf 1.1 3 }} {{ divf 10 4 }} {{ add1f 1.5 }} {{ divf 1 3 }}"#,
    r#""#,
    Ok(r#"0.3 0.1 3.3 2.5 2.5 0.3333333333333333"#)
)]
#[case::sprig_math_strings(r#"{{ add "2" "3" }} {{ add "x" 1 }}"#, r#""#, Ok(r#"5 1"#))]
#[case::sprig_b64(
    r#"{{ b64enc "hello" }} {{ b64dec "aGVsbG8=" }} {{ b64dec "!!" }}"#,
    r#""#,
    Ok(r#"aGVsbG8= hello illegal base64 data at input byte 0"#)
)]
#[case::sprig_b32(
    r#"{{ b32enc "hello" }} {{ b32dec "NBSWY3DP" }}"#,
    r#""#,
    Ok(r#"NBSWY3DP hello"#)
)]
#[case::sprig_hashes(
    r#"{{ sha1sum "abc" }} {{ sha256sum "abc" }} {{ adler32sum "abc" }}"#,
    r#""#,
    Ok(r#"a9993e364706816aba3e25717850c26c9cd0d89d ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 38600999"#)
)]
#[case::sprig_regex_match(
    r#"{{ regexMatch "^[a-z]+$" "abc" }} {{ regexMatch "^\\d+$" "12a" }}"#,
    r#""#,
    Ok(r#"true false"#)
)]
#[case::sprig_regex_find(
    r#"{{ regexFind "[0-9]+" "ab12cd34" }} {{ regexFindAll "[0-9]" "a1b2c3" -1 }} {{ regexFindAll "[0-9]" "a1b2c3" 2 }}"#,
    r#""#,
    Ok(r#"12 [1 2 3] [1 2]"#)
)]
#[case::sprig_regex_replace(
    r#"{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }} {{ regexReplaceAllLiteral "a(x*)b" "-ab-" "$1" }} {{ regexReplaceAll "(\\w+)@(\\w+)" "me@host" "$2/$1" }}"#,
    r#""#,
    Ok(r#"-W-xxW- -$1- host/me"#)
)]
#[case::sprig_regex_split_quote(
    r#"{{ regexSplit "z+" "pizza" -1 }} {{ regexSplit "," "a,b,c" 2 }} {{ regexQuoteMeta "1.5+x" }}"#,
    r#""#,
    Ok(r#"[pi a] [a b,c] 1\.5\+x"#)
)]
#[case::sprig_regex_bad_match_is_false(r#"{{ regexMatch "(" "x" }}"#, r#""#, Ok(r#"false"#))]
#[case::sprig_env(
    r#"[{{ env "KUTTL_TEMPLATE_TEST_UNSET" }}][{{ expandenv "x${KUTTL_TEMPLATE_TEST_UNSET}y" }}]"#,
    r#""#,
    Ok(r#"[][xy]"#)
)]
#[case::sprig_date_epoch(
    r#"{{ date "2006-01-02T15:04:05Z07:00" 0 }} {{ dateInZone "Jan 2, 2006 3:04PM MST" 1700000000 "UTC" }} {{ htmlDateInZone 86400 "UTC" }}"#,
    r#""#,
    Ok(r#"1970-01-01T00:00:00Z Nov 14, 2023 10:13PM UTC 1970-01-02"#)
)]
#[case::sprig_date_layouts(
    r#"{{ dateInZone "Monday January _2 06 15h04m05s .000 -0700 002" 1700000123 "UTC" }}"#,
    r#""#,
    Ok(r#"Tuesday November 14 23 22h15m23s .000 +0000 318"#)
)]
#[case::manifest_configmap(
    r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ .Vars.name }}
  namespace: {{ .Namespace }}
data:
  replicas: {{ .Vars.n | quote }}
  items: {{ join "," .Vars.l | quote }}
{{- range $k, $v := .Vars.m }}
  {{ $k }}: {{ toJson $v | quote }}
{{- end }}
"#,
    VARS,
    Ok(
        r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-my-app
  namespace: ns-test
data:
  replicas: "3"
  items: "a,b,c"
  x: "\"1\""
  y: "{\"deep\":\"v\"}"
"#
    )
)]
#[case::manifest_toyaml_like(
    r#"spec:
  list:
{{- range .Vars.l }}
    - {{ . }}
{{- end }}
  count: {{ len .Vars.l }}"#,
    VARS,
    Ok(
        r#"spec:
  list:
    - a
    - b
    - c
  count: 3"#
    )
)]
#[case::printf_width_past_go_limit(
    r#"{{ printf "%99999999999999999999d" 1 }}|{{ printf "%.99999999999999999999f|%d" 1.5 2 }}"#,
    r#""#,
    Ok(r#"%!(NOVERB)%!(EXTRA int=1)|%!(NOVERB)%!(EXTRA float64=1.5, int=2)"#)
)]
#[case::seq_end_at_max_int_wraps(
    r#"{{ seq 9223372036854775806 9223372036854775807 }}|{{ seq -9223372036854775807 -9223372036854775808 }}|{{ seq 5 1 9223372036854775807 }}|"#,
    r#""#,
    Ok(r#"|||"#)
)]
#[case::div_mod_smallest_int_by_minus_one_wrap(
    r#"{{ div -9223372036854775808 -1 }} {{ mod -9223372036854775808 -1 }}"#,
    r#""#,
    Ok(r#"-9223372036854775808 0"#)
)]
#[case::uniq_by_deep_equal(
    r#"{{ uniq (list 1 1.0 "1" true 1 0.0 -0.0 (list 1) (list 1) (dict "a" 1) (dict "a" 1) nil nil "1" (int64 1) (int64 1) true) }} {{ uniq (list (float64 "NaN") (float64 "NaN") (float64 "-0") 0.0) }}"#,
    r#""#,
    Ok(r#"[1 1 1 true 0 [1] map[a:1] <nil> 1] [NaN NaN -0]"#)
)]
#[case::abbrev_cuts_inside_a_character(r#"{{ abbrev 6 "ééééééé" }}"#, r#""#, Ok("é\u{FFFD}..."))]
#[case::regex_replace_expands_per_match(
    r#"{{ regexReplaceAll "a(x*)" "-ax-axx-" "<$1$1>" }} {{ regexReplaceAllLiteral "a(x*)" "-ax-axx-" "<$1>" }} {{ regexReplaceAll "x*" "abxc" "-" }}"#,
    r#""#,
    Ok(r#"-<xx>-<xxxx>- -<$1>-<$1>- -a-b-c-"#)
)]
fn renders_as_go_does(
    #[case] template: &str,
    #[case] vars: &str,
    #[case] expected: Result<&str, &str>,
) {
    let vars: BTreeMap<String, serde_json::Value> = match vars {
        "" => BTreeMap::new(),
        json => serde_json::from_str(json).expect("valid JSON"),
    };
    let rendered = Template::parse("t", template)
        .and_then(|t| t.render("ns-test", &vars))
        .map_err(|err| err.message().to_string());
    let rendered = rendered
        .as_ref()
        .map(String::as_str)
        .map_err(String::as_str);
    assert_eq!(rendered, expected, "{template}");
}
