//! Unit tests of the `.pb.txt` reader and writer.

use super::*;

const SMALL: &str = r#"# proto-file: tensorflow/core/framework/graph.proto
# FP bbox: {0 0} {300 200}
# Columns : 3  Rows : 2
node {
  name: "__metadata__"
  attr { key: "soft_macro_area_bloating_ratio" value { f: 2.0 } }
}
node { name: "in0"  input: "M0/A"  input: "Grp_7/Pinput"
  attr { key: "type" value { placeholder: "port" } }  attr { key: "side" value { placeholder: "LEFT" } }
  attr { key: "x" value { f: 0 } }  attr { key: "y" value { f: 4.25e1 } } }
node { name: "M0"  attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 30 } }  attr { key: "height" value { i: 20 } }
  attr { key: "orientation" value { placeholder: "S" } } }
# a comment between nodes
node { name: "M0/A"  attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "macro_name" value { placeholder: "M0" } }
  attr { key: "x_offset" value { f: -14 } }  attr { key: "y_offset" value { f: 3 } }
  attr { key: "x" value { f: 1.5 } } attr { key: "weight" value { i: 3 } } input: "in0" }
node { name: "Grp_7" attr { key: "type" value { placeholder: "macro" } }
  attr { key: "width" value { placeholder: "10" } } attr { key: "height" value { f: 1E+1 } } }
node { name: "Grp_7/Pinput" attr { key: "type" value { placeholder: "macro_pin" } }
  attr { key: "macro_name" value { placeholder: "Grp_7" } } }
node { name: "s\"q" attr { key: "type" value { placeholder: "STDCELL" } }
  attr { key: "width" value { f: 1 } } attr { key: "height" value { f: 1 } }
  attr { key: "ref_name" value { placeholder: "INV_X1" } } attr { key: "flags" value { i: -7 } } }
"#;

fn parse(text: &str) -> Result<Netlist> {
    parse_str(text, Path::new("t.pb.txt"))
}

fn err(text: &str) -> String {
    let e = parse(text).unwrap_err().to_string();
    assert!(!e.contains('\n'), "one-line diagnostics: {e}");
    e
}

#[test]
fn parses_small_netlist() {
    let nl = parse(SMALL).unwrap();
    assert_eq!(nl.len(), 6);
    assert_eq!(nl.soft_macro_area_bloating_ratio, Some(2.0));
    assert_eq!(
        nl.kinds,
        vec![
            NodeKind::Port,
            NodeKind::HardMacro,
            NodeKind::HardMacroPin,
            NodeKind::SoftMacro,
            NodeKind::SoftMacroPin,
            NodeKind::StdCell
        ]
    );
    assert_eq!(nl.y[0], 42.5);
    assert_eq!((nl.width[1], nl.height[1]), (30.0, 20.0));
    assert_eq!(nl.orientation[1], Orientation::S);
    assert_eq!(nl.pin_offset[2], (-14.0, 3.0));
    assert_eq!(nl.weight[2], Some(3.0));
    assert_eq!(nl.extra_attrs[2], vec![("x".to_string(), AttrValue::F(1.5))]);
    assert_eq!(nl.extra_attrs[0], vec![("side".to_string(), AttrValue::Str("LEFT".into()))]);
    assert_eq!((nl.width[3], nl.height[3]), (10.0, 10.0));
    assert_eq!(nl.names[5], "s\"q");
    assert_eq!(nl.extra_attrs[5][1], ("flags".to_string(), AttrValue::I(-7)));
    assert_eq!(nl.nets.len(), 2);
    assert_eq!(nl.nets.sinks_of(NetId(0)), &[NodeId(2), NodeId(4)]);
    assert_eq!(nl.nets.weight, vec![1.0, 3.0]);
    assert_eq!(nl.header.canvas, Some((300.0, 200.0)));
    assert_eq!(nl.header.grid, Some((3, 2)));
    assert_eq!(nl.header.comments.len(), 3);
}

#[test]
fn round_trip_is_identical() {
    let a = parse(SMALL).unwrap();
    let text = to_string(&a, None);
    let b = parse(&text).unwrap();
    assert_eq!(a, b);
    assert_eq!(to_string(&b, None), text);
    assert!(text.starts_with("# proto-file: tensorflow/core/framework/graph.proto\n# FP bbox"));
}

#[test]
fn writer_uses_placement_and_resynthesizes_changed_header() {
    let mut a = parse(SMALL).unwrap();
    let mut pl = a.initial_placement();
    pl.x[1] = 123.25;
    pl.orientation[1] = Orientation::FN;
    pl.x[0] = 7.0;
    let b = parse(&to_string(&a, Some(&pl))).unwrap();
    assert_eq!((b.x[1], b.orientation[1], b.x[0]), (123.25, Orientation::FN, 7.0));
    assert_eq!(b.x[2], 0.0, "pins keep no position");

    a.header.canvas = Some((400.0, 100.0));
    a.header.blockages.push(crate::Blockage {
        min_x: 0.0,
        min_y: 0.0,
        max_x: 1.0,
        max_y: 2.0,
        rate: 0.5,
    });
    let b = parse(&to_string(&a, None)).unwrap();
    assert_eq!(b.header.canvas, Some((400.0, 100.0)));
    assert_eq!(b.header.grid, Some((3, 2)));
    assert_eq!(b.header.blockages, a.header.blockages);
    assert_eq!(b.header.comments[0], " proto-file: tensorflow/core/framework/graph.proto");
}

#[test]
fn extra_nets_round_trip() {
    let mut a = parse(SMALL).unwrap();
    // Make the port drive a second net (to the std cell) with weight 2.
    let mut nets = Nets::default();
    nets.push(NodeId(0), 1.0, &[NodeId(2), NodeId(4)]);
    nets.push(NodeId(0), 2.0, &[NodeId(5)]);
    nets.push(NodeId(2), 3.0, &[NodeId(0)]);
    a.nets = nets;
    let text = to_string(&a, None);
    assert!(text.contains("chipfloor_net_1") && text.contains("chipfloor_net_weight_1"));
    let b = parse(&text).unwrap();
    assert_eq!(a, b);
}

#[test]
fn one_line_nodes_and_odd_spacing() {
    let t = "node{name:\"a\" attr{key:\"type\" value{placeholder:\"PORT\"}}attr{key:\"x\" value{f:-1.5e-3}}}\n\
             node <name: 'b' attr: { key: \"type\" value: { placeholder: \"PORT\" } } input: \"a\">";
    let nl = parse(t).unwrap();
    assert_eq!(nl.x[0], -1.5e-3);
    assert_eq!(nl.nets.len(), 1);
    assert!(parse("").unwrap().is_empty());
    assert!(parse("# only a header\n").unwrap().is_empty());
}

#[test]
fn errors_name_file_and_line() {
    assert_eq!(
        err("node {\n  name: \"a\"\n"),
        "t.pb.txt:3: unexpected end of file: `node` block opened at line 1 is not closed"
    );
    assert_eq!(err("node {\n  name: \"a"), "t.pb.txt:2: unterminated string at end of file");
    assert_eq!(
        err("node { name: \"a\"\n attr { key: \"type\" value { placeholder: \"GATE\" } } }"),
        "t.pb.txt:2: node \"a\" has unknown type \"GATE\" (expected PORT, MACRO, MACRO_PIN or STDCELL)"
    );
    assert_eq!(err("\nnode { name: \"a\" }"), "t.pb.txt:2: node \"a\" has no type");
    assert_eq!(
        err("node { attr { key: \"type\" value { placeholder: \"PORT\" } } }"),
        "t.pb.txt:1: node without a name"
    );
    assert_eq!(
        err("node { name: \"a\"\n attr { key: \"type\" value { placeholder: \"PORT\" } } }\n\nnode { name: \"b\" input: \"zz\"\n attr { key: \"type\" value { placeholder: \"PORT\" } } }"),
        "t.pb.txt:4: node \"b\" has input \"zz\", which is not a node"
    );
    assert_eq!(
        err("node { name: \"a\"\n attr { key: \"x\"\n value { f: abc } } }"),
        "t.pb.txt:3: expected a number after `f:`, found `abc`"
    );
    assert_eq!(
        err("node { name: \"a\"\n attr { key: \"x\" value { i: 1.5 } } }"),
        "t.pb.txt:2: expected an integer after `i:`, found `1.5`"
    );
    assert_eq!(
        err("node { name: \"M\" attr { key: \"type\" value { placeholder: \"MACRO\" } }\n attr { key: \"width\" value { placeholder: \"wide\" } }\n attr { key: \"height\" value { f: 1 } } }"),
        "t.pb.txt:2: node \"M\": attribute `width` must be a number, found \"wide\""
    );
    assert_eq!(
        err("node { name: \"M\" attr { key: \"type\" value { placeholder: \"MACRO\" } }\n attr { key: \"width\" value { f: 1 } } }"),
        "t.pb.txt:1: macro \"M\" has no `height`"
    );
    assert_eq!(
        err("\nnode { name: \"P\" attr { key: \"type\" value { placeholder: \"MACRO_PIN\" } } }"),
        "t.pb.txt:2: macro pin \"P\" has no macro_name"
    );
    assert_eq!(
        err("node { name: \"a\" attr { key: \"type\" value { placeholder: \"PORT\" } } }\nnode { name: \"a\" attr { key: \"type\" value { placeholder: \"PORT\" } } }"),
        "t.pb.txt:2: duplicate node name \"a\""
    );
    assert_eq!(err("edge { }"), "t.pb.txt:1: expected `node {`, found `edge`");
    assert_eq!(
        err("node { name: \"a\" attr { key: \"x\" value { s: \"1\" } } }"),
        "t.pb.txt:1: unsupported attribute value field `s` (expected `placeholder`, `f` or `i`)"
    );
    assert_eq!(
        err("node { name: \"a\"\n attr { key: \"type\" value { placeholder: \"MACRO\" } } attr { key: \"orientation\" value { placeholder: \"Q\" } } }"),
        "t.pb.txt:2: node \"a\": unknown orientation \"Q\""
    );
    assert_eq!(err("node { name: \"a\" ;"), "t.pb.txt:1: unexpected character `;`");
    assert_eq!(
        err("# FP bbox: {0 0}\nnode {}"),
        "t.pb.txt:1: `FP bbox` needs `{x0 y0} {W H}`, found `: {0 0}`"
    );
}

#[test]
fn read_many_continues_numbering_and_names_the_file() {
    let dir = std::env::temp_dir().join(format!("chipfloor-pbtxt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("part0.pb.txt");
    let b = dir.join("part1.pb.txt.gz");
    std::fs::write(&a, "# FP bbox: {0 0} {10 10}\nnode { name: \"p\" input: \"q\" attr { key: \"type\" value { placeholder: \"PORT\" } } }\n").unwrap();
    // Gzip detection by magic bytes: write the second part compressed.
    let part1 =
        parse("node { name: \"q\" attr { key: \"type\" value { placeholder: \"PORT\" } } }")
            .unwrap();
    write(&part1, None, &b).unwrap();
    let raw = std::fs::read(&b).unwrap();
    assert_eq!(&raw[..2], &[0x1f, 0x8b]);
    let nl = read_many(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(nl.len(), 2);
    assert_eq!(nl.find("q"), Some(NodeId(1)));
    assert_eq!(nl.nets.sinks_of(NetId(0)), &[NodeId(1)]);
    assert_eq!(nl.header.canvas, Some((10.0, 10.0)));
    // An error in the second file names it, with its own line number.
    let c = dir.join("part2.pb.txt");
    std::fs::write(&c, "\n\nnode { name: \"r\" input: \"nope\" attr { key: \"type\" value { placeholder: \"PORT\" } } }\n").unwrap();
    let e = read_many(&[a.clone(), b.clone(), c.clone()]).unwrap_err().to_string();
    assert_eq!(e, format!("{}:3: node \"r\" has input \"nope\", which is not a node", c.display()));
    // A gz copy with a .txt name is still detected.
    let d = dir.join("renamed.pb.txt");
    std::fs::copy(&b, &d).unwrap();
    assert_eq!(read(&d).unwrap(), part1);
    let e = read(&dir.join("missing.pb.txt")).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}: ", dir.join("missing.pb.txt").display())), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

mod fuzzish {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Truncations and byte edits of a valid netlist never panic, and errors are one line.
        #[test]
        fn mutations_never_panic(cut in 0usize..SMALL.len(), pos in 0usize..SMALL.len(), byte in any::<u8>()) {
            let mut bytes = SMALL.as_bytes().to_vec();
            bytes[pos] = byte;
            bytes.truncate(cut.max(pos + 1));
            let text = String::from_utf8_lossy(&bytes);
            if let Err(e) = parse(&text) {
                prop_assert!(!e.to_string().contains('\n'));
            }
        }

        #[test]
        fn arbitrary_text_never_panics(s in "[ -~\n]{0,200}") {
            let _ = parse(&s);
        }
    }
}

#[test]
fn diagnostics_stay_on_one_line() {
    let e = err("node { name: \"a\\nb\" attr { key: \"type\" value { placeholder: \"PORT\" } } }\nnode { name: \"a\\nb\" attr { key: \"type\" value { placeholder: \"PORT\" } } }");
    assert_eq!(e, "t.pb.txt:2: duplicate node name \"a\\nb\"");
}
