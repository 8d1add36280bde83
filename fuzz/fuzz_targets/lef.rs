//! Fuzz `lef::parse_str` (several texts separated by NUL bytes, read into one library as
//! `lef::LefLibrary::parse_into` does for several files): must never panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lib = netlists::lef::LefLibrary::new();
    for (i, part) in text.split('\0').enumerate() {
        if lib.parse_into(part, Path::new(&format!("fuzz{i}.lef"))).is_err() {
            return;
        }
    }
    for name in &lib.order {
        let m = lib.get(name).expect("every listed macro is defined");
        let _ = m.is_block();
        let _ = m.pins.iter().filter_map(|p| p.offset).count();
    }
});
