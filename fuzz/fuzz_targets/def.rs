//! Fuzz `def::parse_str`, `def::import` onto a small netlist, `def::to_netlist` against a
//! small LEF, and the DEF writer: must never panic, and a DEF written from an imported
//! placement parses again.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

const NETLIST: &str = r#"
node { name: "P0" input: "a/m[0]/A" attr { key: "type" value { placeholder: "PORT" } } }
node { name: "a/m[0]" attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 10 } } attr { key: "height" value { f: 20 } } }
node { name: "a/m[0]/A" attr { key: "type" value { placeholder: "MACRO_PIN" } }
  attr { key: "macro_name" value { placeholder: "a/m[0]" } } }
node { name: "Grp_1" attr { key: "type" value { placeholder: "MACRO" } }
  attr { key: "width" value { f: 5 } } attr { key: "height" value { f: 5 } } }
"#;

const LEF: &str = "MACRO ram\n CLASS BLOCK ;\n SIZE 10 BY 20 ;\n PIN A\n DIRECTION INPUT ;\n PORT\n RECT 0 0 1 1 ;\n END\n END A\nEND ram\nMACRO INV\n CLASS CORE ;\n SIZE 1 BY 1 ;\n PIN Z\n DIRECTION OUTPUT ;\n END Z\nEND INV\n";

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(d) = netlists::def::parse_str(&text, Path::new("fuzz.def")) else { return };
    let nl = netlists::pb_txt::parse_str(NETLIST, Path::new("n.pb.txt")).expect("fixed netlist");
    let lef = netlists::lef::parse_str(LEF, Path::new("n.lef")).expect("fixed LEF");
    for lib in [None, Some(&lef)] {
        if let Ok(imp) = netlists::def::import(&nl, &d, lib) {
            let opts = netlists::def::DefExportOptions {
                models: imp.models.clone(),
                ..Default::default()
            };
            let out = netlists::def::write_placement(&nl, &imp.placement, &opts);
            netlists::def::parse_str(&out, Path::new("fuzz-roundtrip.def"))
                .expect("the writer's output parses");
            let _ = netlists::def::write_tcl(&nl, &imp.placement, &opts);
        }
    }
    if let Ok(built) = netlists::def::to_netlist(&d, &lef) {
        let _ = netlists::pb_txt::to_string(&built, None);
    }
});
