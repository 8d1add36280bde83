//! ibm01 (ICCAD04 mixed-size Bookshelf) acceptance: counts, and a lossless `.pb.txt` round trip.

use std::path::Path;

use netlists::testdata::require_shared;
use netlists::{bookshelf, pb_txt, NodeKind};

#[test]
fn ibm01_counts_and_pb_txt_round_trip() {
    let Some(aux) = require_shared("benchmarks/ibm01_bookshelf/ibm01.aux") else { return };
    let nl = bookshelf::read(&aux).unwrap_or_else(|e| panic!("{e}"));
    let c = nl.counts();
    // Bookshelf nodes = ports + hard macros + standard cells (macro pins are model-only nodes).
    assert_eq!(c.ports + c.hard_macros + c.std_cells, 12_752);
    assert_eq!(c.hard_macros + c.std_cells, 12_506, "movable");
    assert_eq!(c.hard_macros, 246, "macros taller than one row");
    assert_eq!(c.ports, 246, "terminals");
    assert_eq!(c.soft_macros, 0);
    assert_eq!(nl.nets.len(), 14_111);
    assert_eq!(nl.nets.pin_count(), 50_566);
    // One model pin per macro connection.
    let macro_conns = nl
        .nets
        .driver
        .iter()
        .chain(nl.nets.sinks.iter())
        .filter(|n| nl.kind(**n) == NodeKind::HardMacroPin)
        .count();
    assert_eq!(macro_conns, c.hard_macro_pins);
    assert_eq!(nl.header.canvas, Some((2295.0, 144.0 * 16.0)));
    assert_eq!(bookshelf::origin(&nl), None);
    assert!(nl.nets.weight.iter().all(|&w| w == 1.0));
    // Terminal p1 is 1 x 1 at lower-left (0, 2336) in ibm01.pl: centre = ll + size / 2.
    let a = nl.find("p1").unwrap();
    assert_eq!((nl.x[a.index()], nl.y[a.index()]), (0.5, 2336.5));

    // Movable nodes are unplaced in ibm01.pl (lower-left at the origin).
    let m = nl.find("a22").unwrap();
    assert_eq!(nl.kind(m), NodeKind::HardMacro);
    assert_eq!((nl.width[m.index()], nl.height[m.index()]), (84.0, 96.0));
    assert_eq!((nl.x[m.index()], nl.y[m.index()]), (42.0, 48.0));
    // Drivers of more than one net (stored with the .pb.txt extension attributes).
    let mut per_driver = std::collections::HashMap::new();
    for d in &nl.nets.driver {
        *per_driver.entry(*d).or_insert(0usize) += 1;
    }
    let multi = per_driver.values().filter(|&&k| k > 1).count();
    eprintln!("ibm01: {multi} nodes drive more than one net");

    let text = pb_txt::to_string(&nl, None);
    let back =
        pb_txt::parse_str(&text, Path::new("ibm01.pb.txt")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back.counts(), c);
    assert_eq!(back.nets.len(), 14_111);
    assert_eq!(back.nets.pin_count(), 50_566);
    assert_eq!(back.x, nl.x);
    assert_eq!(back.y, nl.y);
    assert_eq!(back.width, nl.width);
    assert_eq!(back.height, nl.height);
    assert_eq!(back.nets, nl.nets);
    assert!(back == nl, "the whole netlist survives the .pb.txt round trip");
}
