//! The HTTP API against the real server binary: a job end to end, every kind of bad input
//! (status code and message), cancellation, server-sent events, the OpenAPI document.

mod common;

use std::io::Read;
use std::time::Duration;

use common::*;
use serde_json::Value;

const TOKEN: &str = "s3cret-token";

fn error_of(r: reqwest::blocking::Response) -> (u16, String) {
    let st = r.status().as_u16();
    let v: Value = r.json().expect("a JSON error body");
    assert_eq!(v["status"].as_u64(), Some(st as u64), "{v}");
    (st, v["error"].as_str().expect("error message").to_string())
}

#[test]
fn job_end_to_end_and_bad_input() {
    let dir = temp_dir("api");
    let s = Server::start(
        &dir,
        &["--token", TOKEN, "--workers", "2", "--max-upload-mb", "1", "--max-budget", "60"],
    );
    let c = client();
    let t = Some(TOKEN);
    let nl = small_netlist(3);

    // A greedy job: accepted, succeeds, files consistent; same seed, same placement.
    let a = submit_ok(&c, &s, &nl, &[("method", "greedy"), ("seed", "7")], t);
    let b = submit_ok(&c, &s, &nl, &[("method", "greedy"), ("seed", "7")], t);
    for id in [&a, &b] {
        let v = wait_final(&c, &s, id, t, Duration::from_secs(30));
        assert_eq!(v["state"], "succeeded", "{v}");
        assert!(v["best_cost"].as_f64().is_some(), "{v}");
        assert!(v["timings"]["run_s"].as_f64().is_some(), "{v}");
        check_result(&c, &s, id, &nl, t);
    }
    let body = |id: &str| -> String {
        String::from_utf8(download(&c, &s, id, "placement.plc", t))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&a), body(&b), "same seed, same placement");

    // gzip netlist and an initial .plc are accepted.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, nl.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let plc = download(&c, &s, &a, "placement.plc", t);
    let r = submit(
        &c,
        &s,
        &[("netlist", "d.pb.txt.gz", gz), ("plc", "init.plc", plc)],
        &[("method", "sa"), ("time_budget", "0.3"), ("options", r#"{"iterations": 2000}"#)],
        t,
    );
    assert_eq!(r.status().as_u16(), 202);
    let v: Value = r.json().unwrap();
    assert_eq!(v["design"], "d");
    let v = wait_final(&c, &s, v["id"].as_str().unwrap(), t, Duration::from_secs(30));
    assert_eq!(v["state"], "succeeded", "{v}");

    // Auth: missing and wrong token.
    let r = c.get(s.at("/v1/jobs")).send().unwrap();
    let (st, msg) = error_of(r);
    assert_eq!((st, msg.contains("missing bearer token")), (401, true), "{msg}");
    let (st, msg) = error_of(c.get(s.at("/v1/jobs")).bearer_auth("wrong").send().unwrap());
    assert_eq!((st, msg.as_str()), (401, "invalid bearer token"));
    let (st, _) =
        error_of(submit(&c, &s, &[("netlist", "x.pb.txt", nl.clone().into_bytes())], &[], None));
    assert_eq!(st, 401);
    // ... the token also works as a query parameter (links, EventSource).
    let r = c.get(s.at(&format!("/v1/jobs/{a}/report.json?access_token={TOKEN}"))).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);

    // Malformed netlist: 422 with file:line.
    let bad =
        "node {\n  name: \"a\"\n  input: \n  attr { key: \"x\" value { f: notanumber } }\n}\n";
    let (st, msg) =
        error_of(submit(&c, &s, &[("netlist", "broken.pb.txt", bad.as_bytes().to_vec())], &[], t));
    assert_eq!(st, 422, "{msg}");
    assert!(msg.starts_with("broken.pb.txt:"), "{msg}");
    assert!(msg.split(':').nth(1).unwrap().trim().parse::<usize>().is_ok(), "file:line: {msg}");
    // Malformed Bookshelf (.nodes line 3) and malformed .plc.
    let (st, msg) = error_of(submit(
        &c,
        &s,
        &[
            ("netlist", "bs.nodes", b"UCLA nodes 1.0\nNumNodes : 1\n a x y\n".to_vec()),
            ("netlist", "bs.nets", b"UCLA nets 1.0\n".to_vec()),
        ],
        &[],
        t,
    ));
    assert_eq!(st, 422, "{msg}");
    assert!(msg.starts_with("bs.nodes:3:"), "{msg}");
    let (st, msg) = error_of(submit(
        &c,
        &s,
        &[
            ("netlist", "ok.pb.txt", nl.clone().into_bytes()),
            ("plc", "bad.plc", b"0 1 2 N\nzz\n".to_vec()),
        ],
        &[],
        t,
    ));
    assert_eq!(st, 422, "{msg}");
    assert!(msg.starts_with("bad.plc:"), "{msg}");

    // Oversize upload: 413.
    let big = vec![b'#'; 2 * 1024 * 1024];
    let (st, msg) = error_of(submit(&c, &s, &[("netlist", "big.pb.txt", big)], &[], t));
    assert_eq!(st, 413, "{msg}");
    assert!(msg.contains("upload too large"), "{msg}");

    // Bad fields: 400.
    let one = |fields: &[(&str, &str)]| {
        error_of(submit(&c, &s, &[("netlist", "n.pb.txt", nl.clone().into_bytes())], fields, t))
    };
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("method", "annealing")], "unknown method `annealing`; methods: random, greedy, sa, rl"),
        (&[("method", "rl")], "started without --checkpoints-dir"),
        (&[("seed", "-1")], "seed `-1`"),
        (&[("time_budget", "soon")], "time_budget `soon`"),
        (&[("time_budget", "120")], "over this server's limit of 60 s"),
        (&[("options", r#"{"colour": 1}"#)], "unknown field `colour`"),
        (&[("options", r#"{"threads": 0}"#)], "options.threads"),
        (&[("priority", "high")], "unknown form field `priority`"),
    ];
    for (fields, want) in cases {
        let (st, msg) = one(fields);
        assert_eq!(st, 400, "{fields:?}: {msg}");
        assert!(msg.contains(want), "{fields:?}: {msg}");
    }
    let (st, msg) = error_of(submit(&c, &s, &[], &[("method", "greedy")], t));
    assert_eq!(st, 400);
    assert!(msg.contains("no netlist"), "{msg}");
    let (st, msg) = error_of(
        c.post(s.at("/v1/jobs"))
            .bearer_auth(TOKEN)
            .body("{}")
            .header("content-type", "application/json")
            .send()
            .unwrap(),
    );
    assert_eq!(st, 400);
    assert!(msg.contains("multipart/form-data"), "{msg}");
    let (st, msg) = error_of(c.get(s.at("/v1/jobs?state=done")).bearer_auth(TOKEN).send().unwrap());
    assert_eq!(st, 400);
    assert!(msg.contains("unknown state `done`"), "{msg}");

    // Unknown job id: 404 everywhere.
    for (m, path) in [
        ("GET", "/v1/jobs/nope"),
        ("DELETE", "/v1/jobs/nope"),
        ("GET", "/v1/jobs/nope/events"),
        ("GET", "/v1/jobs/nope/placement.plc"),
    ] {
        let rq = if m == "GET" { c.get(s.at(path)) } else { c.delete(s.at(path)) };
        let (st, msg) = error_of(rq.bearer_auth(TOKEN).send().unwrap());
        assert_eq!((st, msg.as_str()), (404, "no job with id `nope`"), "{m} {path}");
    }
    let (st, msg) = error_of(c.get(s.at("/v2/things")).send().unwrap());
    assert_eq!((st, msg.as_str()), (404, "no route GET /v2/things"));
    // Already final: 409.
    let (st, msg) =
        error_of(c.delete(s.at(&format!("/v1/jobs/{a}"))).bearer_auth(TOKEN).send().unwrap());
    assert_eq!(st, 409);
    assert!(msg.contains("already succeeded"), "{msg}");

    // Still serving: a new job succeeds and the list has them all.
    let z = submit_ok(&c, &s, &nl, &[], t);
    assert_eq!(wait_final(&c, &s, &z, t, Duration::from_secs(30))["state"], "succeeded");
    let (st, v) = get_json(&c, &s.at("/v1/jobs"), t);
    assert_eq!(st, 200);
    assert_eq!(v["jobs"].as_array().unwrap().len(), 4);
    assert_eq!(v["counts"]["succeeded"], 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cancel_events_openapi_page() {
    let dir = temp_dir("cancel");
    let s = Server::start(&dir, &["--workers", "1"]);
    let c = client();
    let nl = small_netlist(5);

    // A running job (long budget) and a queued one behind it (one worker).
    let run = submit_ok(&c, &s, &nl, &[("method", "sa"), ("time_budget", "30")], None);
    let queued = submit_ok(&c, &s, &nl, &[("method", "greedy")], None);
    wait_for(&c, &s, &run, None, "running with progress", |v| {
        v["state"] == "running" && v["best_cost"].as_f64().is_some()
    });
    let (_, v) = get_json(&c, &s.at(&format!("/v1/jobs/{queued}")), None);
    assert_eq!(v["state"], "queued");
    // The running SA job's live picture appears (its best so far); a queued job has none.
    let live = |id: &str| c.get(s.at(&format!("/v1/jobs/{id}/live.svg"))).send().unwrap();
    let t0 = std::time::Instant::now();
    let r = loop {
        let r = live(&run);
        if r.status().as_u16() == 200 || t0.elapsed() > Duration::from_secs(10) {
            break r;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(r.status().as_u16(), 200, "no live picture after 10 s");
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    let svg = r.text().unwrap();
    assert!(svg.starts_with("<svg") || svg.contains("<svg"), "{svg}");
    assert!(svg.contains("so far"), "title of the live picture");
    let (st, msg) = error_of(live(&queued));
    assert_eq!(st, 404, "{msg}");
    assert!(msg.contains("no live picture: it is queued"), "{msg}");
    // Queued: cancelled at once (200). Running: 202, then cancelled soon.
    let r = c.delete(s.at(&format!("/v1/jobs/{queued}"))).send().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().unwrap()["state"], "cancelled");
    let r = c.delete(s.at(&format!("/v1/jobs/{run}"))).send().unwrap();
    assert_eq!(r.status().as_u16(), 202);
    let v = wait_final(&c, &s, &run, None, Duration::from_secs(10));
    assert_eq!(v["state"], "cancelled", "{v}");
    assert!(v["timings"]["run_s"].as_f64().unwrap() < 10.0, "{v}");
    let (st, _) = get_json(&c, &s.at(&format!("/v1/jobs/{run}/placement.plc")), None);
    assert_eq!(st, 409, "no result for a cancelled job");
    assert_eq!(error_of(live(&run)).0, 404, "no live picture once final");

    // Server-sent events of a short SA job: snapshot, progress, then the final state; the
    // stream ends by itself.
    let id = submit_ok(&c, &s, &nl, &[("method", "sa"), ("time_budget", "1")], None);
    let mut text = String::new();
    c.get(s.at(&format!("/v1/jobs/{id}/events")))
        .send()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.starts_with("event: snapshot\n"), "{text}");
    assert!(text.contains("event: progress\n"), "{text}");
    assert!(text.contains("event: picture\n"), "{text}");
    let last = text.rsplit("event: ").next().unwrap();
    assert!(last.starts_with("state\n") && last.contains("\"state\":\"succeeded\""), "{last}");
    // The curve of a finished job is gone from memory; its best cost is the result's.
    let (_, v) = get_json(&c, &s.at(&format!("/v1/jobs/{id}")), None);
    assert!(v["best_cost"].as_f64().is_some(), "{v}");

    // OpenAPI: parses, lists every route; each route answers (not the 404 fallback).
    let (st, doc) = get_json(&c, &s.at("/v1/openapi.json"), None);
    assert_eq!(st, 200);
    for (method, path) in service::api::ROUTES {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} in openapi");
        let url = s.at(&path.replace("{id}", &id));
        let r = match *method {
            "get" => c.get(&url).send().unwrap(),
            "delete" => c.delete(&url).send().unwrap(),
            _ => c.post(&url).send().unwrap(),
        };
        let st = r.status().as_u16();
        let body = r.text().unwrap();
        assert!(!body.contains("no route"), "{method} {path}: {st} {body}");
    }
    // The web page.
    let page = c.get(s.at("/")).send().unwrap().text().unwrap();
    assert!(page.contains("id=\"submit-form\"") && page.contains("EventSource"));
    let _ = std::fs::remove_dir_all(&dir);
}
