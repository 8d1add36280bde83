//! Fault test: kill -9 the server with jobs queued and running, restart it on the same data
//! directory; every job reaches a final state, the interrupted one runs again, and every
//! finished result is intact.

mod common;

use std::time::Duration;

use common::*;

#[test]
fn kill9_and_restart_loses_nothing() {
    let dir = temp_dir("fault");
    let c = client();
    let nl = small_netlist(11);
    let mut s = Server::start(&dir, &["--workers", "1"]);

    // One finished job before the crash.
    let done = submit_ok(&c, &s, &nl, &[("method", "greedy"), ("seed", "1")], None);
    assert_eq!(wait_final(&c, &s, &done, None, Duration::from_secs(30))["state"], "succeeded");
    let done_files: Vec<Vec<u8>> = ["placement.plc", "report.json", "placement.png"]
        .iter()
        .map(|f| download(&c, &s, &done, f, None))
        .collect();

    // One running (SA, 3 s), three queued behind it.
    let running =
        submit_ok(&c, &s, &nl, &[("method", "sa"), ("time_budget", "3"), ("seed", "2")], None);
    let queued: Vec<String> = [("sa", "3"), ("greedy", "4"), ("greedy", "5")]
        .iter()
        .map(|(m, seed)| {
            let mut f = vec![("method", *m), ("seed", *seed)];
            if *m == "sa" {
                f.push(("time_budget", "1"));
            }
            submit_ok(&c, &s, &nl, &f, None)
        })
        .collect();
    wait_for(&c, &s, &running, None, "running with progress", |v| {
        v["state"] == "running" && v["best_cost"].as_f64().is_some()
    });
    for id in &queued {
        assert_eq!(get_json(&c, &s.at(&format!("/v1/jobs/{id}")), None).1["state"], "queued");
    }

    s.kill9();
    let s = Server::start(&dir, &["--workers", "1"]);

    // The interrupted job was queued again and ran a second time; the others ran.
    let v = wait_final(&c, &s, &running, None, Duration::from_secs(60));
    assert_eq!(v["state"], "succeeded", "{v}");
    assert_eq!(v["attempts"], 2, "{v}");
    for id in &queued {
        let v = wait_final(&c, &s, id, None, Duration::from_secs(60));
        assert_eq!(v["state"], "succeeded", "{v}");
        assert_eq!(v["attempts"], 1, "{v}");
    }
    // Every result is whole and consistent; the job finished before the crash is unchanged.
    for id in std::iter::once(&done).chain(std::iter::once(&running)).chain(&queued) {
        check_result(&c, &s, id, &nl, None);
    }
    let again: Vec<Vec<u8>> = ["placement.plc", "report.json", "placement.png"]
        .iter()
        .map(|f| download(&c, &s, &done, f, None))
        .collect();
    assert!(again == done_files, "the finished job's files changed across the crash");
    // Nothing lost, nothing duplicated.
    let (_, list) = get_json(&c, &s.at("/v1/jobs"), None);
    let mut ids: Vec<String> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let mut want: Vec<String> =
        std::iter::once(done).chain(std::iter::once(running)).chain(queued).collect();
    want.sort();
    assert_eq!(ids, want);
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}
