//! `chipfloor info` and `chipfloor eval` end to end, including bad input.

use e2e::{run, scratch, shared, stderr, stdout};

fn json(o: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", stdout(o)))
}

#[test]
fn eval_ariane_legalized_matches_the_reference() {
    let Some(s) = shared() else { return };
    let nl = s.join("benchmarks/ariane133_ng45/netlist.pb.txt.gz");
    let plc = s.join("benchmarks/ariane133_ng45/legalized.plc");
    let o = run(&["eval", nl.to_str().unwrap(), plc.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    // PROXY_COST.md §14: legalized.plc with the header's parameters.
    assert!((v["wirelength_cost"].as_f64().unwrap() - 0.073568224).abs() < 1e-9);
    assert!((v["density_cost"].as_f64().unwrap() - 0.498817906).abs() < 1e-9);
    assert!((v["congestion_cost"].as_f64().unwrap() - 0.725914890).abs() < 1e-9);
    assert!(
        (v["proxy"]["proxy[wl=1,den=0.5,cong=0.5]"].as_f64().unwrap() - 0.685934622).abs() < 1e-9
    );
    assert!(
        (v["proxy"]["proxy[wl=1,den=1,cong=0.5]"].as_f64().unwrap() - 0.935343575).abs() < 1e-9
    );
    assert_eq!(v["legality"]["legal"], true);
    assert_eq!(v["params"]["grid_cols"], 24);

    let text = run(&["eval", nl.to_str().unwrap(), plc.to_str().unwrap()]);
    assert!(text.status.success());
    let t = stdout(&text);
    assert!(t.contains("proxy[wl=1,den=0.5,cong=0.5] 0.685935"), "{t}");
    assert!(t.contains("LEGAL"), "{t}");
}

#[test]
fn info_reports_counts() {
    let Some(s) = shared() else { return };
    let nl = s.join("benchmarks/ariane133_ng45/netlist.pb.txt.gz");
    let o = run(&["info", nl.to_str().unwrap(), "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["hard_macros"], 133);
    assert_eq!(v["soft_macros"], 782);
    assert_eq!(v["ports"], 495);
    assert_eq!(v["nets"], 12422);
    assert_eq!(v["nodes"], 19887);
    assert_eq!(v["net_weight_sum"].as_f64().unwrap(), 22584.0);
    let t = run(&["info", nl.to_str().unwrap()]);
    assert!(stdout(&t).contains("hard macros  133"));
}

/// Each malformed input gives exit code 2 and a single-line error naming file and line.
#[test]
fn bad_input_exits_2_with_file_and_line() {
    let dir = scratch("bad-input");
    let good = "node {\n  name: \"P0\"\n  input: \"M0/A\"\n  attr { key: \"type\" value { placeholder: \"PORT\" } }\n  attr { key: \"x\" value { f: 0 } }\n  attr { key: \"y\" value { f: 5 } }\n}\nnode {\n  name: \"M0\"\n  attr { key: \"type\" value { placeholder: \"MACRO\" } }\n  attr { key: \"width\" value { f: 10 } }\n  attr { key: \"height\" value { f: 10 } }\n}\nnode {\n  name: \"M0/A\"\n  attr { key: \"type\" value { placeholder: \"MACRO_PIN\" } }\n  attr { key: \"macro_name\" value { placeholder: \"M0\" } }\n}\n";
    let good_path = dir.join("good.pb.txt");
    std::fs::write(&good_path, good).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("truncated.pb.txt", good[..good.len() - 30].to_string(), ""),
        ("unknown_type.pb.txt", good.replace("\"PORT\"", "\"WIDGET\""), ":4:"),
        ("missing_input.pb.txt", good.replace("input: \"M0/A\"", "input: \"M9/A\""), ":"),
        ("non_numeric.pb.txt", good.replace("f: 10 }", "f: ten }"), ":11:"),
    ];
    for (name, text, line_tag) in &cases {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let o = run(&["info", p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: not one line: {err}");
        assert!(err.contains(name), "{name}: error does not name the file: {err}");
        assert!(err.contains(line_tag), "{name}: error lacks {line_tag}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    // .plc problems: an index naming a pin, and a file missing nodes.
    let plc_cases = [
        ("pin_index.plc", "0 0 5 - 1\n1 20 20 N 0\n2 3 3 N 0\n", ":3:"),
        ("missing.plc", "0 0 5 - 1\n", "missing.plc"),
        ("bad_number.plc", "0 0 5 - 1\n1 2x0 20 N 0\n", ":2:"),
    ];
    for (name, text, tag) in plc_cases {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        let o = run(&["eval", good_path.to_str().unwrap(), p.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: not one line: {err}");
        assert!(err.contains(tag), "{name}: error lacks {tag}: {err}");
    }
    // A missing file and a bad flag value are input errors too.
    let o = run(&["info", dir.join("nope.pb.txt").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["eval", good_path.to_str().unwrap(), "--weights", "1,x,2"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn demo_runs_on_a_generated_netlist() {
    let dir = scratch("demo");
    let out = dir.join("out");
    let o = run(&[
        "demo",
        "--generated",
        "--seed",
        "3",
        "--time-budget",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    assert!(t.contains("proxy[wl=1,den=0.5,cong=0.5]"), "{t}");
    assert!(t.contains("LEGAL"), "{t}");
    for f in ["placement.plc", "placement.svg", "placement.png", "report.json", "generated.pb.txt"]
    {
        assert!(out.join(f).is_file(), "demo did not write {f}");
    }
}
