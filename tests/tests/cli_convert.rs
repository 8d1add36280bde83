//! `chipfloor convert` end to end: DEF + LEF import onto the ariane133 netlist, DEF / Tcl /
//! Bookshelf / .pb.txt export, the DEF round trip, and bad input.

use std::path::{Path, PathBuf};

use e2e::{run, scratch, shared, stderr, stdout};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Ariane {
    netlist: PathBuf,
    legalized: PathBuf,
    placed_def: PathBuf,
    lefs: String,
}

fn ariane() -> Option<Ariane> {
    let sh = shared()?;
    let b = sh.join("benchmarks");
    let lef = b.join("ariane133_ng45_def/lef");
    Some(Ariane {
        netlist: b.join("ariane133_ng45/netlist.pb.txt.gz"),
        legalized: b.join("ariane133_ng45/legalized.plc"),
        placed_def: b.join("ariane133_ng45_def/ariane133_fp_placed_macros.def"),
        lefs: [
            "NangateOpenCellLibrary.tech.lef",
            "NangateOpenCellLibrary.macro.mod.lef",
            "fakeram45_256x16.lef",
        ]
        .iter()
        .map(|f| lef.join(f).to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(","),
    })
}

/// `(name, status, x, y, orient)` of every COMPONENTS line of a DEF text written on one line.
fn components(def: &str) -> Vec<(String, String, i64, i64, String)> {
    let mut v: Vec<_> = def
        .lines()
        .filter(|l| l.starts_with("- ") && (l.contains("+ PLACED") || l.contains("+ FIXED")))
        .filter(|l| !l.contains("+ NET"))
        .map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            // - NAME MODEL + STATUS ( X Y ) O ;
            (
                w[1].to_string(),
                w[4].to_string(),
                w[6].parse().unwrap(),
                w[7].parse().unwrap(),
                w[9].to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn ariane_def_import_export_and_round_trip() {
    let Some(a) = ariane() else { return };
    let dir = scratch("convert-ariane");
    let out1 = dir.join("a.def");
    let o = run(&[
        "convert",
        s(&a.netlist),
        "--def",
        s(&a.placed_def),
        "--lef",
        &a.lefs,
        "--to",
        "def",
        "--out",
        s(&out1),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    assert!(t.contains("133 of 133 hard macros"), "{t}");
    assert!(t.contains("495 of 495 ports"), "{t}");
    assert!(t.contains("2000 DBU per micron"), "{t}");
    let written = std::fs::read_to_string(&out1).unwrap();
    assert!(written.contains("DIEAREA ( 0 0 ) ( 2714720 2713760 ) ;"), "{written}");
    // The same macro positions and orientations as the Innovus DEF (components without HALO).
    let orig = std::fs::read_to_string(&a.placed_def).unwrap();
    let orig_components: Vec<_> = {
        let joined = orig.replace("\n  + HALO 10000 10000 10000 10000\n ;", " ;");
        components(&joined)
    };
    assert_eq!(orig_components.len(), 133);
    assert_eq!(components(&written), orig_components);

    // Read back our own DEF (no LEF): the same file again.
    let out2 = dir.join("b.def");
    let o = run(&["convert", s(&a.netlist), "--def", s(&out1), "--to", "def", "--out", s(&out2)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = std::fs::read_to_string(&out2).unwrap();
    assert_eq!(components(&again), orig_components);

    // --all-fixed.
    let out3 = dir.join("c.def");
    let o = run(&[
        "convert",
        s(&a.netlist),
        "--def",
        s(&out1),
        "--all-fixed",
        "--to",
        "def",
        "--out",
        s(&out3),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fixed = std::fs::read_to_string(&out3).unwrap();
    assert_eq!(fixed.matches("+ FIXED").count(), 133 + 495);
}

#[test]
fn ariane_plc_to_tcl_def_bookshelf_and_pbtxt() {
    let Some(a) = ariane() else { return };
    let dir = scratch("convert-formats");
    let tcl = dir.join("place.tcl");
    let o = run(&[
        "convert",
        s(&a.netlist),
        "--plc",
        s(&a.legalized),
        "--lef",
        &a.lefs,
        "--to",
        "tcl",
        "--out",
        s(&tcl),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = std::fs::read_to_string(&tcl).unwrap();
    assert_eq!(t.matches("place_macro -macro_name {").count(), 133);
    assert!(t.contains("sram_block\\[0\\].data_sram/macro_mem\\[0\\].i_ram} -location {"), "{t}");

    // DEF with the LEF model found by size.
    let def = dir.join("legal.def");
    let o = run(&[
        "convert",
        s(&a.netlist),
        "--plc",
        s(&a.legalized),
        "--lef",
        &a.lefs,
        "--to",
        "def",
        "--out",
        s(&def),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let d = std::fs::read_to_string(&def).unwrap();
    assert_eq!(d.matches(" fakeram45_256x16 + ").count(), 133);
    // With the soft macros, back onto the netlist and to .pb.txt: evaluated from its own
    // positions (no .plc), the costs are those of legalized.plc (positions on a 1/1000 µm grid).
    let def_all = dir.join("legal_all.def");
    let o = run(&[
        "convert",
        s(&a.netlist),
        "--plc",
        s(&a.legalized),
        "--soft-macros",
        "--to",
        "def",
        "--out",
        s(&def_all),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(&def_all)
        .unwrap()
        .contains("DIEAREA ( 0 0 ) ( 1433406 1433406 ) ;"));
    let pb = dir.join("back.pb.txt");
    let o =
        run(&["convert", s(&a.netlist), "--def", s(&def_all), "--to", "pbtxt", "--out", s(&pb)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("133 of 133 hard macros, 782 soft macros"), "{}", stdout(&o));
    let e1 = run(&["eval", s(&a.netlist), s(&a.legalized), "--format", "json"]);
    let e2 = run(&["eval", s(&pb), "--grid", "24", "21", "--format", "json"]);
    assert!(e1.status.success() && e2.status.success(), "{}", stderr(&e2));
    let (v1, v2): (serde_json::Value, serde_json::Value) =
        (serde_json::from_slice(&e1.stdout).unwrap(), serde_json::from_slice(&e2.stdout).unwrap());
    assert_eq!(v2["params"]["canvas_width"], v1["params"]["canvas_width"]);
    for k in ["wirelength_cost", "density_cost", "congestion_cost"] {
        let (x, y) = (v1[k].as_f64().unwrap(), v2[k].as_f64().unwrap());
        assert!((x - y).abs() < 1e-5 * x.abs().max(1e-3), "{k}: {x} vs {y}");
    }

    // Bookshelf directory output reads back with the same node count.
    let aux = dir.join("bs/ariane.aux");
    let o = run(&["convert", s(&a.netlist), "--to", "bookshelf", "--out", s(&aux)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = run(&["info", s(&aux), "--format", "json"]);
    assert!(info.status.success(), "{}", stderr(&info));
    let v: serde_json::Value = serde_json::from_slice(&info.stdout).unwrap();
    // Soft macros come back as hard macros (Bookshelf has no soft macros).
    let orig: serde_json::Value =
        serde_json::from_slice(&run(&["info", s(&a.netlist), "--format", "json"]).stdout).unwrap();
    assert_eq!(v["ports"], orig["ports"]);
    assert_eq!(
        v["hard_macros"].as_u64().unwrap(),
        orig["hard_macros"].as_u64().unwrap() + orig["soft_macros"].as_u64().unwrap()
    );
    assert_eq!(v["nets"], orig["nets"]);
}

#[test]
fn def_input_with_lef_builds_a_netlist() {
    let Some(a) = ariane() else { return };
    let dir = scratch("convert-def-in");
    let pb = dir.join("fromdef.pb.txt");
    let o = run(&["convert", s(&a.placed_def), "--lef", &a.lefs, "--to", "pbtxt", "--out", s(&pb)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("133 hard macros, 7847 hard-macro pins"), "{}", stdout(&o));
    let o = run(&["convert", s(&a.placed_def), "--to", "pbtxt", "--out", s(&pb)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs its LEF files"), "{}", stderr(&o));
}

#[test]
fn malformed_def_and_lef_exit_2_with_file_and_line() {
    let dir = scratch("convert-bad");
    // A small generated netlist, so this test needs no shared data.
    let g = run(&["generate", "--out", s(&dir.join("gen")), "--seed", "3"]);
    assert!(g.status.success(), "{}", stderr(&g));
    let nl = std::fs::read_dir(dir.join("gen"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(".pb.txt"))
        .expect("generated .pb.txt");
    let bad_def = dir.join("bad.def");
    std::fs::write(
        &bad_def,
        "VERSION 5.8 ;\nDESIGN x ;\nCOMPONENTS 1 ;\n- m0 ram + PLACED ( 0 0 ) NW ;\nEND COMPONENTS\nEND DESIGN\n",
    )
    .unwrap();
    // `convert NL --def|--lef INPUT --to FORMAT --out o.FORMAT` exits 2 naming the problem.
    let fails = |flag: &str, input: &Path, to: &str, needle: &str| {
        let out = dir.join(format!("o.{to}"));
        let o = run(&["convert", s(&nl), flag, s(input), "--to", to, "--out", s(&out)]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{}", stderr(&o));
    };
    fails("--def", &bad_def, "def", "bad.def:4: unknown orientation `NW`");

    let truncated = dir.join("trunc.def");
    std::fs::write(&truncated, "VERSION 5.8 ;\nDESIGN x ;\nCOMPONENTS 1 ;\n- m0 ram + PLACED ( 0")
        .unwrap();
    fails("--def", &truncated, "def", "trunc.def:4: unexpected end of file");

    let bad_lef = dir.join("bad.lef");
    std::fs::write(&bad_lef, "MACRO ram\n  SIZE 1 BY two ;\nEND ram\n").unwrap();
    fails("--lef", &bad_lef, "tcl", "bad.lef:2: SIZE height `two` is not a number");

    // Names that match nothing.
    let other = dir.join("other.def");
    std::fs::write(&other, "DESIGN x ;\nCOMPONENTS 1 ;\n- zz ram ;\nEND COMPONENTS\nEND DESIGN\n")
        .unwrap();
    fails("--def", &other, "def", "no DEF component or pin matches");

    // The generated netlist round-trips through DEF (default 1000 DBU).
    let d1 = dir.join("g1.def");
    let d2 = dir.join("g2.def");
    let o = run(&["convert", s(&nl), "--to", "def", "--out", s(&d1)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["convert", s(&nl), "--def", s(&d1), "--to", "def", "--out", s(&d2)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (a, b) = (std::fs::read_to_string(&d1).unwrap(), std::fs::read_to_string(&d2).unwrap());
    assert!(!components(&a).is_empty());
    assert_eq!(components(&a), components(&b));
}

#[test]
fn place_def_out_reads_back_onto_the_netlist() {
    let dir = scratch("convert-place-def");
    let g = run(&["generate", "--out", s(&dir.join("gen")), "--seed", "5"]);
    assert!(g.status.success(), "{}", stderr(&g));
    let nl = std::fs::read_dir(dir.join("gen"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(".pb.txt"))
        .expect("generated .pb.txt");
    let def = dir.join("placed.def");
    let o = run(&[
        "place",
        s(&nl),
        "--method",
        "greedy",
        "--out",
        s(&dir.join("run")),
        "--def-out",
        s(&def),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("(DEF)"), "{}", stdout(&o));
    let text = std::fs::read_to_string(&def).unwrap();
    assert!(text.contains("UNITS DISTANCE MICRONS 1000 ;"));
    // DEF -> .plc-free round trip: importing the DEF and exporting again gives the same file.
    let again = dir.join("again.def");
    let o = run(&["convert", s(&nl), "--def", s(&def), "--to", "def", "--out", s(&again)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("24 of 24 hard macros"), "{}", stdout(&o));
    let back = std::fs::read_to_string(&again).unwrap();
    assert!(!components(&text).is_empty());
    assert_eq!(components(&back), components(&text));
}
