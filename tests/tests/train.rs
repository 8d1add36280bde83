//! `chipfloor train`, `generate` and `plot-metrics` end to end: a run killed with SIGKILL and
//! resumed has exactly one metrics line per iteration; bad input exits 2.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use e2e::{chipfloor, run, scratch, stderr, stdout};

/// A tiny training run: 5 hard macros on a 10x10 grid, model grid 32, 4 episodes/iteration.
fn tiny_args(run_dir: &Path, iterations: u32) -> Vec<String> {
    [
        "train",
        "--generated",
        "1",
        "--hard-macros",
        "5",
        "--soft-macros",
        "8",
        "--nets",
        "60",
        "--gen-grid",
        "10x10",
        "--grid",
        "32",
        "--episodes-per-iter",
        "4",
        "--minibatch",
        "8",
        "--epochs",
        "2",
        "--soft",
        "keep",
        "--eval-every",
        "10",
        "--device",
        "cpu",
        "--threads",
        "1",
        "--seed",
        "5",
        "--run-dir",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([run_dir.display().to_string(), "--iterations".into(), iterations.to_string()])
    .collect()
}

fn checkpoints(run_dir: &Path) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(run_dir.join("checkpoints")) else { return Vec::new() };
    let mut v: Vec<String> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("iter_") && n != "iter_000000")
        .collect();
    v.sort();
    v
}

#[test]
fn sigkill_then_resume_gives_one_metrics_line_per_iteration() {
    let dir = scratch("train-sigkill");
    let run_dir = dir.join("run");
    let n = 50u32;
    let mut child = chipfloor()
        .args(tiny_args(&run_dir, n))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn chipfloor train");
    let start = Instant::now();
    while checkpoints(&run_dir).len() < 2 {
        assert!(start.elapsed() < Duration::from_secs(120), "no checkpoints after 120 s");
        if let Some(st) = child.try_wait().unwrap() {
            panic!("train exited early with {st}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL"); // Child::kill sends SIGKILL on Unix
    let _ = child.wait();
    let killed_at =
        std::fs::read_to_string(run_dir.join("metrics.jsonl")).unwrap_or_default().lines().count();
    assert!(killed_at < n as usize, "the run finished before it could be killed");

    let mut args = tiny_args(&run_dir, n);
    args.push("--resume".into());
    let o = chipfloor().args(&args).output().unwrap();
    assert!(o.status.success(), "resume failed: {}", stderr(&o));
    assert!(stdout(&o).contains(&format!("iteration {n} of {n}")), "{}", stdout(&o));

    let text = std::fs::read_to_string(run_dir.join("metrics.jsonl")).unwrap();
    assert!(text.ends_with('\n'), "partial last line");
    let its: Vec<u64> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line ({e}): {l}"));
            v["iteration"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(its, (1..=u64::from(n)).collect::<Vec<_>>());
    assert!(checkpoints(&run_dir).last().is_some_and(|c| c == &format!("iter_{n:06}")));
    assert!(run_dir.join("eval/gen_0.plc").is_file());

    // Resuming a finished run does nothing; extending it runs the new iterations.
    let o = chipfloor().args(&args).output().unwrap();
    assert!(o.status.success() && stdout(&o).contains("nothing to do"), "{}", stdout(&o));
    let o = run(&[
        "train",
        "--resume",
        "--run-dir",
        run_dir.to_str().unwrap(),
        "--iterations",
        "52",
        "--device",
        "cpu",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = std::fs::read_to_string(run_dir.join("metrics.jsonl")).unwrap().lines().count();
    assert_eq!(lines, 52);

    // The learning curve.
    let png = dir.join("curve.png");
    let o = run(&["plot-metrics", run_dir.to_str().unwrap(), "--out", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn generate_writes_netlists_that_train_reads() {
    let dir = scratch("train-generate");
    let g = dir.join("gen");
    let o = run(&[
        "generate",
        "--out",
        g.to_str().unwrap(),
        "--count",
        "2",
        "--seed",
        "3",
        "--hard-macros",
        "4",
        "--soft-macros",
        "6",
        "--nets",
        "40",
        "--grid",
        "8x8",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["gen_0.pb.txt", "gen_0.plc", "gen_1.pb.txt", "gen_1.plc"] {
        assert!(g.join(f).is_file(), "{f} missing");
    }
    // Pretraining over the folder (two netlists, one shared model).
    let r = dir.join("run");
    let o = run(&[
        "train",
        g.to_str().unwrap(),
        "--grid",
        "32",
        "--iterations",
        "1",
        "--episodes-per-iter",
        "2",
        "--soft",
        "keep",
        "--device",
        "cpu",
        "--run-dir",
        r.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("gen_0, gen_1") && out.contains("proxy[wl=1,den=0.5,cong=0.5]"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_train_input_exits_2() {
    let dir = scratch("train-bad");
    let r = dir.join("run");
    let rs = r.to_str().unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["train", "/nonexistent/x.pb.txt", "--run-dir", rs],
        vec!["train", "--run-dir", rs],
        vec!["train", "--generated", "1", "--device", "tpu", "--run-dir", rs],
        vec!["train", "--generated", "1", "--grid", "24", "--run-dir", rs],
        vec!["train", "--generated", "1", "--gen-grid", "40x40", "--grid", "32", "--run-dir", rs],
        vec!["train", "--resume", "--run-dir", rs],
        vec!["plot-metrics", rs],
    ];
    for args in cases {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("error") && !e.contains("panicked"), "{args:?}: {e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
