//! The OpenAPI 3.0 description of the API, served at `/v1/openapi.json` (written by hand;
//! a test checks that it lists every route of [`crate::api::ROUTES`]).

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } }
    })
}

fn id_param() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "string" },
            "description": "Job id (16 hex digits)" })
}

fn file_route(summary: &str, media: &str) -> Value {
    json!({ "get": {
        "summary": summary,
        "parameters": [id_param()],
        "responses": {
            "200": { "description": summary, "content": { media: { "schema": { "type": "string", "format": "binary" } } } },
            "401": error_response("Missing or invalid token"),
            "404": error_response("Unknown job, or the file is not there (yet)"),
            "409": error_response("The job has not succeeded")
        }
    }})
}

/// The document.
pub fn document() -> Value {
    let job_ref = json!({ "$ref": "#/components/schemas/Job" });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "chipfloor job service",
            "version": placer::output::VERSION,
            "description": "Macro placement jobs (greedy, simulated annealing, random, a trained RL policy) over HTTP. \
                When the server has a token, every /v1 route except this document needs \
                `Authorization: Bearer <token>` (or `?access_token=<token>` on links). \
                Errors are JSON objects {error, status}."
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "status"],
                    "properties": { "error": { "type": "string" }, "status": { "type": "integer" } }
                },
                "Job": {
                    "type": "object",
                    "properties": {
                        "id": { "type": "string" },
                        "state": { "type": "string", "enum": ["queued", "running", "succeeded", "failed", "cancelled"] },
                        "method": { "type": "string" },
                        "seed": { "type": "integer" },
                        "time_budget_s": { "type": "number", "nullable": true },
                        "options": { "type": "object" },
                        "design": { "type": "string" },
                        "attempts": { "type": "integer" },
                        "timings": { "type": "object", "properties": {
                            "queued_s": { "type": "number" }, "run_s": { "type": "number", "nullable": true } } },
                        "progress": { "type": "object", "nullable": true },
                        "best_cost": { "type": "number", "nullable": true },
                        "result": { "type": "object", "nullable": true },
                        "error": { "type": "string", "nullable": true },
                        "links": { "type": "object" },
                        "curve": { "type": "array", "items": { "type": "array", "items": { "type": "number" } },
                                   "description": "(seconds, best cost) points; GET /v1/jobs/{id} only" }
                    }
                }
            }
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/": { "get": { "summary": "The web page (job list, submit form, live view)", "security": [],
                "responses": { "200": { "description": "HTML", "content": { "text/html": {} } } } } },
            "/v1/openapi.json": { "get": { "summary": "This document", "security": [],
                "responses": { "200": { "description": "OpenAPI 3.0 JSON" } } } },
            "/v1/jobs": {
                "post": {
                    "summary": "Submit a job",
                    "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": {
                        "type": "object", "required": ["netlist"],
                        "properties": {
                            "netlist": { "type": "array", "items": { "type": "string", "format": "binary" },
                                "description": "A .pb.txt or .pb.txt.gz (several are read in order as one netlist), or the Bookshelf .nodes/.nets/.pl/.scl/.wts (+ optional .aux)" },
                            "plc": { "type": "string", "format": "binary", "description": "Initial placement (.plc)" },
                            "method": { "type": "string", "enum": ["greedy", "sa", "random", "rl"], "default": "greedy",
                                "description": "`rl`: the trained policy named by options.checkpoint (only when the server runs with --checkpoints-dir). Its fine-tuning cannot be stopped mid-way: a cancelled rl job keeps running until fine-tuning returns (at most time_budget s), then ends `cancelled` without result files" },
                            "time_budget": { "type": "number", "description": "Seconds for the method (and again for coordinate descent). For `rl` the fine-tuning budget: absent or 0 is zero-shot (one greedy episode of the policy)" },
                            "seed": { "type": "integer", "default": 1 },
                            "options": { "type": "string", "description": "JSON object: fd (true), cd (false), iterations, threads (1), allow_illegal, allow_partial_plc, heatmap (none|density|congestion), size (1000), checkpoint (method rl only, required there: a training run directory, checkpoint folder or model file named relative to the server's --checkpoints-dir; absolute paths, `..` and anything resolving outside that folder are refused with 400, as is a name holding no model)" }
                        }
                    } } } },
                    "responses": {
                        "202": { "description": "Queued", "content": { "application/json": { "schema": job_ref } } },
                        "400": error_response("Bad field (method, seed, budget, options, file names); rl without --checkpoints-dir on the server, or a checkpoint that is missing, outside the checkpoints folder or not a model"),
                        "401": error_response("Missing or invalid token"),
                        "413": error_response("Upload over the size limit"),
                        "422": error_response("Malformed netlist or placement (file:line: problem)")
                    }
                },
                "get": {
                    "summary": "List jobs, newest first",
                    "parameters": [
                        { "name": "state", "in": "query", "schema": { "type": "string" } },
                        { "name": "limit", "in": "query", "schema": { "type": "integer", "default": 100 } }
                    ],
                    "responses": {
                        "200": { "description": "{jobs: [Job], counts: {state: n}}" },
                        "400": error_response("Bad query"),
                        "401": error_response("Missing or invalid token")
                    }
                }
            },
            "/v1/jobs/{id}": {
                "get": {
                    "summary": "One job: state, progress, best cost so far, timings, cost curve",
                    "parameters": [id_param()],
                    "responses": {
                        "200": { "description": "The job", "content": { "application/json": { "schema": job_ref } } },
                        "401": error_response("Missing or invalid token"),
                        "404": error_response("Unknown job")
                    }
                },
                "delete": {
                    "summary": "Cancel a job (queued: at once; running: the worker stops it; an rl job's fine-tuning runs to its budget first, then the job ends cancelled)",
                    "parameters": [id_param()],
                    "responses": {
                        "200": { "description": "Cancelled", "content": { "application/json": { "schema": job_ref } } },
                        "202": { "description": "Cancelling (it was running)", "content": { "application/json": { "schema": job_ref } } },
                        "401": error_response("Missing or invalid token"),
                        "404": error_response("Unknown job"),
                        "409": error_response("Already final")
                    }
                }
            },
            "/v1/jobs/{id}/events": {
                "get": {
                    "summary": "Server-sent events: `snapshot` (the job), then `progress` ({stage, fraction, best_cost, moves, t}), `picture` ({n, t}: live.svg has changed) and `state` (the job) until it is final",
                    "parameters": [id_param()],
                    "responses": {
                        "200": { "description": "text/event-stream", "content": { "text/event-stream": {} } },
                        "401": error_response("Missing or invalid token"),
                        "404": error_response("Unknown job")
                    }
                }
            },
            "/v1/jobs/{id}/placement.plc": file_route("The placement with its cost header", "text/plain"),
            "/v1/jobs/{id}/placement.svg": file_route("Picture of the placement (SVG)", "image/svg+xml"),
            "/v1/jobs/{id}/placement.png": file_route("Picture of the placement (PNG)", "image/png"),
            "/v1/jobs/{id}/report.json": file_route("The report (costs, parameters, legality, stages)", "application/json"),
            "/v1/jobs/{id}/start.svg": file_route("Picture of the starting placement (written when the job starts)", "image/svg+xml"),
            "/v1/jobs/{id}/live.svg": { "get": {
                "summary": "Picture of a running job's placement so far: simulated annealing's best (renewed at most about once a second, on a new best) and the placement after each stage; the `picture` event says when it changed",
                "parameters": [id_param()],
                "responses": {
                    "200": { "description": "SVG", "content": { "image/svg+xml": { "schema": { "type": "string", "format": "binary" } } } },
                    "401": error_response("Missing or invalid token"),
                    "404": error_response("Unknown job, or it is not running, or it has no picture yet")
                }
            }}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_route() {
        let text = document().to_string();
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
        let paths = doc["paths"].as_object().unwrap();
        for (method, path) in crate::api::ROUTES {
            assert!(
                paths.get(*path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path} missing from the OpenAPI document"
            );
        }
        let n: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(n, crate::api::ROUTES.len(), "the document lists a route the server lacks");
    }
}
