//! Fuzz `bookshelf::parse_parts`: the input is split on NUL bytes into the texts of
//! `.nodes`, `.nets`, `.pl`, `.scl` and `.wts` (missing parts are empty). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.split('\0');
    let mut next = || parts.next().unwrap_or("");
    let (nodes, nets, pl, scl, wts) = (next(), next(), next(), next(), next());
    if let Ok(nl) = netlists::bookshelf::parse_parts(nodes, nets, pl, scl, wts) {
        let _ = netlists::pb_txt::to_string(&nl, None);
    }
});
