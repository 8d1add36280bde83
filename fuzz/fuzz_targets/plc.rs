//! Fuzz `plc::parse_str` and `PlcFile::apply` against a small netlist: must never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

const NETLIST: &str = r#"
node { name: "P0" input: "M0/A" attr { key: "type" value { placeholder: "PORT" } } }
node { name: "M0" attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 30 } } attr { key: "height" value { f: 20 } } }
node { name: "M0/A" attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "macro_name" value { placeholder: "M0" } } }
node { name: "Grp_1" attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 5 } } attr { key: "height" value { f: 5 } } }
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(pf) = netlists::plc::parse_str(text, Path::new("fuzz.plc")) else { return };
    let nl = netlists::pb_txt::parse_str(NETLIST, Path::new("n.pb.txt")).expect("fixed netlist");
    let mut pl = nl.initial_placement();
    if pf.apply(&nl, &mut pl, Path::new("fuzz.plc")).is_ok() {
        let out = netlists::plc::to_string(&nl, &pl, &pf.header);
        netlists::plc::parse_str(&out, Path::new("fuzz-roundtrip.plc")).expect("the writer's output parses");
    }
});
