//! Unit tests of the `.plc` reader, applier and writer.

use super::*;
use crate::pb_txt;

const NETLIST: &str = r#"
node { name: "P0" input: "M0/A" attr { key: "type" value { placeholder: "PORT" } } }
node { name: "M0" attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 30 } } attr { key: "height" value { f: 20 } } }
node { name: "M0/A" attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "macro_name" value { placeholder: "M0" } } }
node { name: "Grp_1" attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 5 } } attr { key: "height" value { f: 5 } } }
"#;

const PLC: &str = "# Placement file for Circuit Training
# Source input file(s) : x/netlist.pb.txt
# Date : 2022-03-13 09:30:00
# Columns : 2  Rows : 3
# Congestion Columns : 25  Congestion Rows : 26
# Width : 500.000  Height : 400
# Area (stdcell+macros) : 17603.5
# Wirelength : 3219216.090
# Wirelength cost : 0.0497
# Congestion cost : 0.7128
# Density cost : 0.6067
# Fake net cost : 0.0000
# 90% Congestion metric: (0, 0)
# Project : unset_project
# Block : sample_clustered
# Routes per micron, hor : 70.33 ver : 74.51
# Routes used by macros, hor : 51.79  ver : 51.79
# Smoothing factor : 2
# Overlap threshold : 0.004
# Blockage : 0 0 10 10 1.0
# Counts of node types:
# HARD_MACROs     :         1
# PORTs           :         1
#
# node_index x y orientation fixed
0 0 100 - 1
1 155.25 1e2 FS 0
3 10 10 N 0
";

fn nl() -> Netlist {
    pb_txt::parse_str(NETLIST, Path::new("n.pb.txt")).unwrap()
}

fn parse(t: &str) -> Result<PlcFile> {
    parse_str(t, Path::new("t.plc"))
}

fn err<T: std::fmt::Debug>(r: Result<T>) -> String {
    let e = r.unwrap_err().to_string();
    assert!(!e.contains('\n'), "one-line diagnostics: {e}");
    e
}

#[test]
fn header_fields() {
    let pf = parse(PLC).unwrap();
    let h = &pf.header;
    assert_eq!((h.columns, h.rows), (Some(2), Some(3)));
    assert_eq!((h.congestion_columns, h.congestion_rows), (Some(25), Some(26)));
    assert_eq!((h.width, h.height), (Some(500.0), Some(400.0)));
    assert_eq!((h.hroutes_per_micron, h.vroutes_per_micron), (Some(70.33), Some(74.51)));
    assert_eq!((h.hrouting_alloc, h.vrouting_alloc), (Some(51.79), Some(51.79)));
    assert_eq!(h.smoothing_factor, Some(2.0));
    assert_eq!(h.overlap_threshold, Some(0.004));
    assert_eq!(h.block.as_deref(), Some("sample_clustered"));
    assert_eq!(h.project.as_deref(), Some("unset_project"));
    assert_eq!(h.area, Some(17603.5));
    assert_eq!(h.wirelength, Some(3219216.09));
    assert_eq!(h.wirelength_cost, Some(0.0497));
    assert_eq!(h.congestion_cost, Some(0.7128));
    assert_eq!(h.density_cost, Some(0.6067));
    assert_eq!(h.fake_net_cost, Some(0.0));
    assert_eq!(h.blockages.len(), 1);
    assert_eq!(h.node_counts, vec![("HARD_MACROs".into(), 1), ("PORTs".into(), 1)]);
    assert_eq!(h.comments.len(), 25);
    assert_eq!(h.comments[3], " Columns : 2  Rows : 3");
    assert_eq!(h.count_mismatches(&nl()), vec![]);
    assert_eq!(pf.entries.len(), 3);
    assert_eq!(
        pf.entries[1],
        PlcEntry {
            node: NodeId(1),
            x: 155.25,
            y: 100.0,
            orientation: Some(Orientation::FS),
            fixed: false,
            line: 27
        }
    );
    assert_eq!(pf.entries[0].orientation, None);
}

#[test]
fn apply_sets_state_and_reports_missing() {
    let nl = nl();
    let pf = parse(PLC).unwrap();
    let mut pl = nl.initial_placement();
    assert_eq!(pf.apply(&nl, &mut pl, Path::new("t.plc")).unwrap(), vec![]);
    assert_eq!((pl.x[1], pl.y[1], pl.orientation[1]), (155.25, 100.0, Orientation::FS));
    assert!(pl.fixed[0] && !pl.fixed[1]);
    assert_eq!(pl.y[0], 100.0);

    let partial = parse("1 5 5 N 0\n").unwrap();
    let mut pl = nl.initial_placement();
    assert_eq!(
        partial.apply(&nl, &mut pl, Path::new("p.plc")).unwrap(),
        vec![NodeId(0), NodeId(3)]
    );
    assert_eq!(
        err(partial.apply_strict(&nl, &mut pl, Path::new("p.plc"))),
        "p.plc: 2 nodes have no line (first: index 0 \"P0\")"
    );
}

#[test]
fn apply_rejects_pins_and_out_of_range() {
    let nl = nl();
    let mut pl = nl.initial_placement();
    let pf = parse("# h\n0 0 0 - 1\n2 1 1 N 0\n").unwrap();
    assert_eq!(
        err(pf.apply(&nl, &mut pl, Path::new("t.plc"))),
        "t.plc:3: node index 2 (\"M0/A\") is a macro pin; .plc lines are for ports, macros and standard cells"
    );
    let pf = parse("0 0 0 - 1\n\n4 1 1 N 0\n").unwrap();
    assert_eq!(
        err(pf.apply(&nl, &mut pl, Path::new("t.plc"))),
        "t.plc:3: node index 4 out of range (the netlist has 4 nodes)"
    );
}

#[test]
fn bad_body_lines() {
    assert_eq!(
        err(parse("#\n0 1 2 N\n")),
        "t.plc:2: expected 5 fields `index x y orientation fixed`, found 4"
    );
    assert_eq!(
        err(parse("0 1 2 N 0 7\n")),
        "t.plc:1: expected 5 fields `index x y orientation fixed`, found 6"
    );
    assert_eq!(
        err(parse("-1 1 2 N 0\n")),
        "t.plc:1: node index `-1` is not a non-negative integer"
    );
    assert_eq!(err(parse("0 x 2 N 0\n")), "t.plc:1: x `x` is not a finite number");
    assert_eq!(err(parse("0 1 nan N 0\n")), "t.plc:1: y `nan` is not a finite number");
    assert_eq!(
        err(parse("0 1 2 Q 0\n")),
        "t.plc:1: unknown orientation `Q` (expected N, FN, S, FS, E, FE, W, FW or -)"
    );
    assert_eq!(err(parse("0 1 2 N yes\n")), "t.plc:1: fixed flag `yes` must be 0 or 1");
    assert_eq!(
        err(parse("# Columns : many  Rows : 2\n")),
        "t.plc:1: header field `Columns`: expected a non-negative integer, found `many`"
    );
    // Aliases and `-` for soft macros are accepted.
    let pf = parse("3 1 2 - 0\n1 1 2 R180 0\n").unwrap();
    assert_eq!(pf.entries[1].orientation, Some(Orientation::S));
}

#[test]
fn write_read_round_trip() {
    let nl = nl();
    let pf = parse(PLC).unwrap();
    let mut pl = nl.initial_placement();
    pf.apply(&nl, &mut pl, Path::new("t.plc")).unwrap();
    pl.x[3] = 1.0 / 3.0;
    let mut h = pf.header.clone();
    h.notes = vec![" Train step : 1234".into()];
    let text = to_string(&nl, &pl, &h);
    let back = parse(&text).unwrap();
    let mut expect = h.clone();
    expect.comments = back.header.comments.clone();
    expect.notes = vec![];
    assert_eq!(back.header, expect);
    assert!(back.header.comments.iter().any(|c| c == " Train step : 1234"));
    let mut pl2 = nl.initial_placement();
    back.apply_strict(&nl, &mut pl2, Path::new("back.plc")).unwrap();
    for i in [0, 1, 3] {
        assert_eq!((pl2.x[i], pl2.y[i], pl2.fixed[i]), (pl.x[i], pl.y[i], pl.fixed[i]));
    }
    assert_eq!(pl2.orientation[1], Orientation::FS);
    assert!(
        text.contains("\n0 0 100 - 1\n1 155.25 100 FS 0\n3 0.3333333333333333 10 N 0\n"),
        "{text}"
    );
    assert!(text.contains("# Routes per micron, hor : 70.33  ver : 74.51\n"));
    // An empty header writes just the title and the column line.
    let t = to_string(&nl, &pl, &PlcHeader::default());
    assert!(t.starts_with(
        "# Placement file for Circuit Training\n# node_index x y orientation fixed\n0 "
    ));
    // Files.
    let p = std::env::temp_dir().join(format!("chipfloor-plc-{}.plc", std::process::id()));
    write(&p, &nl, &pl, &h).unwrap();
    assert_eq!(read(&p).unwrap(), back);
    std::fs::remove_file(&p).ok();
}

mod fuzzish {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn arbitrary_text_never_panics(s in "[ -~\n]{0,200}") {
            if let Ok(pf) = parse(&s) {
                let nl = nl();
                let mut pl = nl.initial_placement();
                let _ = pf.apply(&nl, &mut pl, Path::new("t.plc"));
            }
        }
    }
}
