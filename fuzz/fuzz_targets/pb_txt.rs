//! Fuzz `pb_txt::parse_str`: must never panic; a parsed netlist must survive a write/read.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(nl) = netlists::pb_txt::parse_str(text, Path::new("fuzz.pb.txt")) {
        let out = netlists::pb_txt::to_string(&nl, None);
        let back = netlists::pb_txt::parse_str(&out, Path::new("fuzz-roundtrip.pb.txt"))
            .expect("the writer's output parses");
        // NaN attributes compare unequal; compare the structure instead.
        assert_eq!(back.names, nl.names);
        assert_eq!(back.kinds, nl.kinds);
        assert_eq!(back.nets.sinks, nl.nets.sinks);
    }
});
