//! `chipfloor serve` runs the sibling `chipfloor-serve` with the same arguments, and says how
//! to build it when it is missing.

use std::process::Command;

use e2e::chipfloor_bin;

#[test]
fn serve_passes_through_or_explains_the_missing_server() {
    let bin = chipfloor_bin();
    // Alone in a folder: a clear error, exit 1.
    let dir = std::env::temp_dir().join(format!("chipfloor-serve-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lone = dir.join("chipfloor");
    std::fs::copy(bin, &lone).unwrap();
    let out = Command::new(&lone).args(["serve", "--data-dir", "x"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("cargo build --release -p service"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);

    // Beside the server (when it is built): arguments and exit codes pass through.
    if bin.with_file_name("chipfloor-serve").is_file() {
        let out = Command::new(bin).args(["serve", "--help"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("--data-dir"));
        let out = Command::new(bin).args(["serve", "--addr", "nonsense"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    }
}
