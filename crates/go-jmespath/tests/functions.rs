//! The Kyverno and kyverno-json functions (goldens from kyverno-json's `pkg/jp` tests where they
//! have them), and the dialect's bindings, `let`, `$` and arithmetic.

use go_jmespath::{ArgSpec, ArgType, Bindings, Error, FunctionError, Functions, compile};
use serde_json::{Value, json};

fn search_with(expression: &str, data: &Value, bindings: &Bindings) -> Result<Value, Error> {
    compile(expression)?.search(data, bindings, &Functions::kyverno())
}

fn search(expression: &str) -> Value {
    search_with(
        expression,
        &json!({"a": {"b": 2}, "items": [3, 1, 2]}),
        &Bindings::new(),
    )
    .unwrap_or_else(|e| panic!("{expression}: {e}"))
}

fn error(expression: &str) -> String {
    search_with(expression, &Value::Null, &Bindings::new())
        .expect_err(expression)
        .to_string()
}

#[test]
fn kyverno_string_functions() {
    for (expression, expected) in [
        ("compare('a', 'a')", json!(0)),
        ("compare('a', 'b')", json!(-1)),
        ("compare('b', 'a')", json!(1)),
        ("equal_fold('Go', 'go')", json!(true)),
        ("equal_fold('1', 'b')", json!(false)),
        (
            "replace('Lorem ipsum dolor sit amet', 'ipsum', 'muspi', `-1`)",
            json!("Lorem muspi dolor sit amet"),
        ),
        (
            "replace('Lorem ipsum ipsum ipsum dolor sit amet', 'ipsum', 'muspi', `1`)",
            json!("Lorem muspi ipsum ipsum dolor sit amet"),
        ),
        ("replace_all('a-b-c', '-', '+')", json!("a+b+c")),
        ("to_upper('a#%&123Bc')", json!("A#%&123BC")),
        ("to_lower('a#%&123Bc')", json!("a#%&123bc")),
        (
            "trim('¡¡¡Hello, Gophers!!!', '!¡')",
            json!("Hello, Gophers"),
        ),
        ("trim_prefix('Hello, Gophers', 'Hello, ')", json!("Gophers")),
        ("split('Hello Gophers', ' ')", json!(["Hello", "Gophers"])),
        ("split('', ',')", json!([""])),
        (
            "regex_replace_all('([Hh]e|G)l', 'Hello, Gophers', '${1}L')",
            json!("HeLlo, Gophers"),
        ),
        (
            "regex_replace_all_literal('[Hh]el?', 'Hello, Gophers', '$1')",
            json!("$1lo, Gop$1rs"),
        ),
        ("regex_match('^[0-9]+$', `123`)", json!(true)),
        ("pattern_match('prefix-*', 'prefix-suffix')", json!(true)),
        (
            "label_match(`{\"app\": \"x\"}`, `{\"app\": \"x\", \"tier\": \"y\"}`)",
            json!(true),
        ),
        ("to_boolean('TruE')", json!(true)),
        ("base64_encode('hello')", json!("aGVsbG8=")),
        ("base64_decode('aGVsbG8=')", json!("hello")),
        (
            "path_canonicalize('/var/run///containerd////')",
            json!("/var/run/containerd"),
        ),
        ("path_canonicalize('/run/../etc')", json!("/etc")),
        ("path_canonicalize('/../../')", json!("/")),
        ("truncate('Lorem ipsum', `2.6`)", json!("Lo")),
        ("truncate('Lorem ipsum', `-1`)", json!("")),
        ("parse_json('{\"a\": [1, true]}')", json!({"a": [1, true]})),
        ("parse_yaml('a: [1, b]')", json!({"a": [1, "b"]})),
        (
            "parse_yaml('{mode: 0755, enabled: yes}')",
            json!({"mode": 493, "enabled": true}),
        ),
        ("lookup(`{\"key1\": \"value1\"}`, 'key1')", json!("value1")),
        ("lookup(`[\"a\", \"b\"]`, `1`)", json!("b")),
        ("lookup(`[\"a\"]`, `5`)", Value::Null),
        (
            "items(`{\"b\": 2, \"a\": 1}`, 'key', 'value')",
            json!([{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
        ),
        ("items(`[\"x\"]`, 'i', 'v')", json!([{"i": 0, "v": "x"}])),
        (
            "object_from_lists(`[\"a\", \"b\", 1]`, `[1]`)",
            json!({"a": 1, "b": null, "1": null}),
        ),
        ("round(`2.71828`, `2`)", json!(2.72)),
        ("semver_compare('4.1.3', '>=4.1.x')", json!(true)),
        ("semver_compare('4.1.3', '!4.x.x')", json!(false)),
        ("semver_compare('1.8.6', '>1.0.0 <2.0.0')", json!(true)),
        ("semver_compare('2.1.5', '<2.0.0 || >=3.0.0')", json!(false)),
    ] {
        assert_eq!(search(expression), expected, "{expression}");
    }
}

#[test]
fn kyverno_arithmetic_on_numbers_and_durations() {
    for (expression, expected) in [
        ("add(`1`, `2`)", json!(3)),
        ("sum(`[1, 2, 3.5]`)", json!(6.5)),
        ("sum(['1h', '30s'])", json!("1h0m30s")),
        ("subtract('2h', '30s')", json!("1h59m30s")),
        ("multiply('1h', `1.5`)", json!("1h30m0s")),
        ("multiply(`2`, `3`)", json!(6)),
        ("divide('1h', '30s')", json!(120)),
        ("divide('1h', `4`)", json!("15m0s")),
        ("modulo(`7`, `3`)", json!(1)),
        ("modulo('1h', '7s')", json!("2s")),
    ] {
        assert_eq!(search(expression), expected, "{expression}");
    }
    assert_eq!(
        error("divide(`1`, `0`)"),
        "function divide: JMESPath function 'divide': Zero divisor passed"
    );
    assert_eq!(
        error("add(`1`, '1h')"),
        "function add: JMESPath function 'add': Types mismatch"
    );
    assert_eq!(
        error("modulo(`1.5`, `1`)"),
        "function modulo: JMESPath function 'modulo': Non-integer argument(s) passed for modulo"
    );
    // kyverno-json's arithmetic_test.go.
    for (expression, expected) in [
        ("add('12Ki', '13Ki')", json!("25Ki")),
        ("add('100Mi', '1Gi')", json!("1124Mi")),
        ("add('12Ki', '13')", json!("12301")),
        ("add('12s', '13s')", json!("25s")),
        ("sum(['12Ki', '13Ki', '1Ki', '4Ki'])", json!("30Ki")),
        ("sum(['12Ki', '13'])", json!("12301")),
        ("sum(['12s', '13s', '1s', '4s'])", json!("30s")),
        ("subtract('12Ki', '13Ki')", json!("-1Ki")),
        ("subtract('12Ki', '13')", json!("12275")),
        ("subtract('12s', '13s')", json!("-1s")),
        ("multiply('12Ki', `2`)", json!("24Ki")),
        ("multiply('12s', `2`)", json!("24s")),
        ("multiply(`2.5`, `2.5`)", json!(6.25)),
        ("multiply(`2.5`, '12Ki')", json!("30Ki")),
        ("multiply(`2.5`, '12')", json!("30")),
        ("multiply(`2.5`, '40s')", json!("1m40s")),
        ("divide('256M', '256M')", json!(1)),
        ("divide('128M', '256M')", json!(0.5)),
        ("divide('8', '3')", json!(8.0 / 3.0)),
        ("divide('12Ki', `3`)", json!("4Ki")),
        ("divide('12Ki', '2Ki')", json!(6)),
        ("divide('12Ki', '200')", json!(61.44)),
        ("divide('12s', `3`)", json!("4s")),
        ("divide('12s', '5s')", json!(2.4)),
        ("divide(`14`, `3`)", json!(4.666_666_666_666_667)),
        ("modulo('12Ki', '5Ki')", json!("2Ki")),
        ("modulo('13s', '2s')", json!("1s")),
        ("modulo(`13`, `5`)", json!(3)),
        ("round(`9.414675`, `2`)", json!(9.41)),
        ("round(`14.123`, `6`)", json!(14.123)),
    ] {
        assert_eq!(search(expression), expected, "{expression}");
    }
    for failing in [
        "add('12', '13s')",
        "add(`12`, '13Ki')",
        "add(`12`, '13')",
        "add('12Ki', '13s')",
        "add('12s', `13`)",
        "sum(`[]`)",
        "sum(['12s', '13'])",
        "modulo('4', '0')",
        "modulo('4s', `0`)",
        "modulo('4s', '0s')",
        "modulo('4', '1.5')",
        "modulo(`14`, `1.5`)",
        "round(`14`, `1.5`)",
        "round(`14`, `-2`)",
    ] {
        assert!(
            search_with(failing, &Value::Null, &Bindings::new()).is_err(),
            "{failing}"
        );
    }
}

#[test]
fn kyverno_time_functions() {
    for (expression, expected) in [
        (
            "time_add('2021-01-02T15:04:05Z', '1h30m')",
            json!("2021-01-02T16:34:05Z"),
        ),
        (
            "time_diff('2021-01-02T15:04:05Z', '2021-01-02T16:04:06Z')",
            json!("1h0m1s"),
        ),
        (
            "time_utc('2021-01-02T18:04:05+05:30')",
            json!("2021-01-02T12:34:05Z"),
        ),
        ("time_to_cron('2021-01-02T15:04:05Z')", json!("4 15 2 1 6")),
        (
            "time_before('2021-01-02T15:04:05Z', '2021-01-02T15:04:06Z')",
            json!(true),
        ),
        (
            "time_after('2021-01-02T15:04:05Z', '2021-01-02T15:04:06Z')",
            json!(false),
        ),
        (
            "time_between('2021-01-02T15:04:05Z', '2021-01-01T00:00:00Z', '2021-01-03T00:00:00Z')",
            json!(true),
        ),
        (
            "time_truncate('2021-01-02T15:04:05Z', '1h')",
            json!("2021-01-02T15:00:00Z"),
        ),
        (
            "time_since('', '2021-01-02T15:04:05Z', '2021-01-02T15:05:05Z')",
            json!("1m0s"),
        ),
        (
            "time_since('2006-01-02', '2021-01-02', '2021-01-03')",
            json!("24h0m0s"),
        ),
        (
            "time_parse('2006-01-02', '2021-01-02')",
            json!("2021-01-02T00:00:00Z"),
        ),
        (
            "time_parse('Mon Jan _2 15:04:05 2006', 'Sat Jan  2 15:04:05 2021')",
            json!("2021-01-02T15:04:05Z"),
        ),
        (
            "time_parse('02 Jan 06 15:04 -0700', '02 Jan 21 15:04 +0530')",
            json!("2021-01-02T15:04:00+05:30"),
        ),
    ] {
        assert_eq!(search(expression), expected, "{expression}");
    }
}

#[test]
fn community_functions_keep_go_s_details() {
    let community = |expression: &str| {
        compile(expression)
            .and_then(|e| e.search(&Value::Null, &Bindings::new(), &Functions::community()))
    };
    for (expression, expected) in [
        (
            "to_string(`{\"b\": \"<a&b>\", \"a\": [1.5, 2]}`)",
            json!(r#"{"a":[1.5,2],"b":"\u003ca\u0026b\u003e"}"#),
        ),
        ("find_first('héllo', 'l')", json!(3)),
        ("find_last('abcabc', 'bc', `0`, `4`)", json!(1)),
        ("pad_left('é', `3`, '-')", json!("-é")),
        ("split('a,b,c', ',', `1`)", json!(["a", "b,c"])),
        ("split('abc', '')", json!(["a", "b", "c"])),
        ("replace('aaa', 'a', 'b', `2`)", json!("bba")),
        (
            "sort_by(`[{\"k\": 1, \"n\": \"x\"}, {\"k\": 0}, {\"k\": 1, \"n\": \"y\"}]`, &k)[*].n",
            json!(["x", "y"]),
        ),
        ("trim_left('  a  ')", json!("a  ")),
        ("upper('straße')", json!("STRAßE")),
    ] {
        assert_eq!(
            community(expression).unwrap_or_else(|e| panic!("{expression}: {e}")),
            expected,
            "{expression}"
        );
    }
    let not_arrays = community("from_items(`[[\"a\", 1], 5]`)").unwrap_err();
    assert!(
        matches!(
            not_arrays,
            Error::Function {
                error: FunctionError::InvalidType(_),
                ..
            }
        ),
        "{not_arrays}"
    );
    let not_pairs = community("from_items(`[[1, 2]]`)").unwrap_err();
    assert!(
        matches!(
            not_pairs,
            Error::Function {
                error: FunctionError::InvalidValue(_),
                ..
            }
        ),
        "{not_pairs}"
    );
    assert_eq!(
        community("abs('x')").unwrap_err().to_string(),
        "invalid type for argument #1 of abs(): expected number, got string"
    );
}

#[test]
fn random_strings_match_their_pattern() {
    let generated = search("random('[a-z]{3}-[0-9]{2,4}')");
    let text = generated.as_str().unwrap_or_default();
    assert!(
        regex::Regex::new("^[a-z]{3}-[0-9]{2,4}$")
            .unwrap()
            .is_match(text),
        "{generated}"
    );
    assert!(error("random('')").contains("no pattern provided"));
}

#[test]
fn kyverno_json_functions_and_overrides() {
    assert_eq!(search("at(items, `1`)"), json!(1));
    assert_eq!(search("concat('a', 'b')"), json!("ab"));
    assert_eq!(search("json_parse('[1]')"), json!([1]));
    assert_eq!(search("wildcard('a*', 'abc')"), json!(true));
    // Kyverno's `trim` takes a cutset and replaces the community one.
    assert!(error("trim('  a  ')").starts_with("invalid arity"));
    assert_eq!(
        compile("trim('  a  ')")
            .unwrap()
            .search(&Value::Null, &Bindings::new(), &Functions::community())
            .unwrap(),
        json!("a")
    );
}

#[test]
fn bindings_let_and_root() {
    let bindings = Bindings::new()
        .with("$namespace", json!("ns-1"))
        .with("$n", json!(2));
    let data = json!({"items": [{"ns": "ns-1", "v": 1}, {"ns": "ns-2", "v": 2}]});
    let found = search_with("items[?ns == $namespace].v", &data, &bindings).unwrap();
    assert_eq!(found, json!([1]));
    assert_eq!(
        search_with("items[?v == $n] | [0].ns", &data, &bindings).unwrap(),
        json!("ns-2")
    );
    assert_eq!(
        search_with("items[0] | $.items[1].v", &data, &bindings).unwrap(),
        json!(2)
    );
    assert_eq!(
        search_with("let $x = items[0].v in items[?v > $x].ns", &data, &bindings).unwrap(),
        json!(["ns-2"])
    );
    assert_eq!(
        search_with("let $n = `10` in $n", &data, &bindings).unwrap(),
        json!(10)
    );
    assert_eq!(
        search_with("$missing", &data, &bindings).unwrap_err(),
        Error::UndefinedVariable {
            name: "$missing".to_string()
        }
    );
}

#[test]
fn arithmetic_and_go_number_semantics() {
    for (expression, expected) in [
        ("a.b + `1`", json!(3)),
        ("a.b − `3`", json!(-1)),
        ("a.b × `1.5`", json!(3)),
        ("a.b ÷ `4`", json!(0.5)),
        ("`7` % `3`", json!(1)),
        ("`-7` % `3`", json!(-1)),
        ("`7` // `2`", json!(3)),
        ("-a.b", json!(-2)),
        ("'a' + `1`", Value::Null),
        ("'a' < 'b'", Value::Null),
        ("`1` == `1.0`", json!(true)),
        ("to_string(`1e21`)", json!("1e+21")),
        ("to_string(`[1.0, 0.0000001]`)", json!("[1,1e-7]")),
        ("to_string(a.b / `3`)", json!("0.6666666666666666")),
    ] {
        assert_eq!(search(expression), expected, "{expression}");
    }
    assert!(error("`1` / `0`").contains("not a finite number"));
}

#[test]
fn registered_functions_are_checked_and_called() {
    let mut functions = Functions::community();
    functions.register("double", vec![ArgSpec::new(&[ArgType::Number])], |args| {
        Ok(json!(args[0].as_f64().unwrap_or_default() * 2.0))
    });
    functions.register("fail", Vec::new(), |_| {
        Err(FunctionError::Failed("boom".to_string()))
    });
    let run = |expression: &str| {
        compile(expression)
            .unwrap()
            .search(&Value::Null, &Bindings::new(), &functions)
    };
    assert_eq!(run("double(`4`)").unwrap(), json!(8.0));
    assert_eq!(
        run("double('x')").unwrap_err().to_string(),
        "invalid type for argument #1 of double(): expected number, got string"
    );
    assert_eq!(
        run("fail()").unwrap_err().to_string(),
        "function fail: boom"
    );
    assert_eq!(
        run("nope()").unwrap_err().to_string(),
        "unknown function: nope"
    );
    let shared = std::sync::Arc::new(functions.clone());
    std::thread::spawn(move || assert!(shared.contains("double")))
        .join()
        .unwrap();
}

#[test]
fn the_deepest_expression_evaluates_on_a_small_stack() {
    let nested = "(".repeat(120) + "a" + &")".repeat(120);
    let chained = "a".to_string() + &".a".repeat(120);
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            for expression in [nested, chained] {
                let _ = search_with(&expression, &json!({"a": 1}), &Bindings::new());
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
