//! What code generation costs on a synthetic 200-operation spec: milliseconds to generate
//! (parse, check, lower, expand to tokens) and to render (prettyplease), and bytes of generated
//! Rust per operation. Prints figures; asserts nothing about time (never a timed test).
//!
//! ```text
//! cargo run --release -p fireworks-ai-codegen --example codegen_cost
//! CODEGEN_COST_OUT=/tmp/synthetic.rs cargo run --release -p fireworks-ai-codegen --example codegen_cost
//! ```
//!
//! With `CODEGEN_COST_OUT` set, the generated source is also written to that file, to read
//! where the bytes go.
//!
//! The spec has 50 resources with four operations each (get, list, create, delete), in the
//! shape of the Fireworks control plane: an object of 12 fields (strings, an `int64_string`,
//! numbers, a state enum, a map, an array, a nested object), its state enum (open, five values),
//! a create body (`New<Resource>`), a list response with a next-page token, the account id filled in by the
//! client, query parameters on lists and one shared empty response.
//!
//! Baseline, before any optimisation (2026-12-03, 2 cores shared with other jobs, so times vary
//! by ±30% between runs; medians of 15 rounds, 5 runs): generate 76–119 ms, render 209–320 ms,
//! 1,567,632 bytes and 40,037 lines of Rust, i.e. 7.8 KB and 200 lines per operation. The
//! generator before the parse-once/name-table refactor measured 72–104 ms and 200–280 ms in
//! runs interleaved with these, and produced the same bytes. Targets (issue 9): generate and
//! render together ≤ 50 ms, and half the generated code per operation.
//!
//! Now (2026-12-04, the runtime macros and short std names; figures in BENCHMARKS.md):
//! 6.0 KB and 165 lines per operation against 8.2 KB and 209 at the start of that change (the
//! generated `# Example` docs had been added since the baseline above), generate ≈ 34 ms and
//! render ≈ 77 ms against 44 and 118 in interleaved runs of the previous generator.

#![allow(
    clippy::print_stdout,
    reason = "an example that prints its measurements"
)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use fireworks_ai_codegen::{Settings, generate, render};

const RESOURCES: usize = 50;
const ROUNDS: usize = 15;

fn main() {
    let spec = synthetic_spec(RESOURCES);
    let operations = RESOURCES * 4;
    let path = "spec/synthetic.yaml";
    let settings = Settings::build_script();
    let mut generate_times = Vec::new();
    let mut render_times = Vec::new();
    let mut source = String::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let tokens = match generate(&spec, path, &settings) {
            Ok(tokens) => tokens,
            Err(errors) => {
                println!("the synthetic spec does not generate:\n{errors}");
                std::process::exit(1);
            }
        };
        let generated = started.elapsed();
        let started = Instant::now();
        source = render(&tokens, path);
        render_times.push(started.elapsed());
        generate_times.push(generated);
    }
    if let Ok(out) = std::env::var("CODEGEN_COST_OUT")
        && let Err(error) = std::fs::write(&out, &source)
    {
        println!("cannot write {out}: {error}");
    }
    let generate_ms = median_ms(&mut generate_times);
    let render_ms = median_ms(&mut render_times);
    let lines = source.lines().count();
    println!(
        "synthetic spec: {operations} operations, {} types, {} bytes of YAML",
        RESOURCES * 5 + 1,
        spec.len()
    );
    println!("median of {ROUNDS} rounds:");
    println!("  generate (parse, check, lower, expand): {generate_ms:8.2} ms");
    println!("  render (prettyplease):                  {render_ms:8.2} ms");
    println!(
        "  generate + render:                      {:8.2} ms  ({:.3} ms per operation)",
        generate_ms + render_ms,
        (generate_ms + render_ms) / operations as f64
    );
    println!(
        "generated Rust: {} bytes, {lines} lines; {:.1} KB and {:.0} lines per operation",
        source.len(),
        source.len() as f64 / operations as f64 / 1000.0,
        lines as f64 / operations as f64
    );
}

fn median_ms(times: &mut [Duration]) -> f64 {
    times.sort();
    times
        .get(times.len() / 2)
        .map_or(0.0, |median| median.as_secs_f64() * 1000.0)
}

/// A spec with `resources` resources of four operations each.
fn synthetic_spec(resources: usize) -> String {
    let mut ops = String::new();
    let mut types = String::from(
        "  Empty:\n    kind: object\n    description: An empty response.\n    fields: {}\n",
    );
    for r in 0..resources {
        let name = format!("Widget{r}");
        let snake = format!("widget{r}");
        let base = format!("/v1/accounts/{{account_id}}/{snake}s");
        let account = "      account_id:\n        in: path\n        type: string\n        client_default: account_id\n        description: The account; the client's account id when unset.\n";
        let _ = write!(
            ops,
            "  get_{snake}:
    summary: Gets a {snake}.
    method: GET
    server: api
    path: {base}/{{{snake}_id}}
    params:
{account}      {snake}_id:
        in: path
        type: string
        description: The {snake} id.
      readMask:
        in: query
        type: string
        description: Fields to return.
    responses:
      \"200\": {{ type: {name} }}
  list_{snake}s:
    summary: Lists {snake}s.
    method: GET
    server: api
    path: {base}
    params:
{account}      pageSize:
        in: query
        type: i32
        description: At most this many items.
      pageToken:
        in: query
        type: string
        description: The token of the page to return.
      filter:
        in: query
        type: string
      orderBy:
        in: query
        type: string
    responses:
      \"200\": {{ type: List{name}sResponse }}
  create_{snake}:
    summary: Creates a {snake}.
    method: POST
    server: api
    path: {base}
    params:
{account}      {snake}Id:
        in: query
        type: string
        required: true
    body: {{ encoding: json, type: New{name} }}
    responses:
      \"200\": {{ type: {name} }}
  delete_{snake}:
    summary: Deletes a {snake}.
    method: DELETE
    server: api
    path: {base}/{{{snake}_id}}
    params:
{account}      {snake}_id:
        in: path
        type: string
    responses:
      \"200\": {{ type: Empty }}
"
        );
        let _ = write!(
            types,
            "  {name}:
    kind: object
    description: A {snake}.
    fields:
      name: {{ type: string, required: true, description: The resource name. }}
      displayName: {{ type: string, description: A human-readable name. }}
      description: {{ type: string }}
      createTime: {{ type: string, description: When it was created. }}
      updateTime: {{ type: string }}
      state: {{ type: {name}State, description: Where it is in its life. }}
      sizeBytes: {{ type: int64_string, description: Its size. }}
      replicaCount: {{ type: i32, default: 1 }}
      score: {{ type: f64 }}
      public: {{ type: bool }}
      labels: {{ type: map<string>, description: Labels. }}
      tags: {{ type: array<string> }}
      status: {{ type: {name}Status }}
  {name}Status:
    kind: object
    fields:
      code: {{ type: string }}
      message: {{ type: string }}
  {name}State:
    kind: enum
    values:
      STATE_UNSPECIFIED:
      CREATING: {{ description: Being created. }}
      READY: {{ description: Ready to use. }}
      FAILED:
      DELETING:
  New{name}:
    kind: object
    fields:
      {snake}: {{ type: {name}, required: true }}
      validateOnly: {{ type: bool }}
  List{name}sResponse:
    kind: object
    fields:
      {snake}s: {{ type: array<{name}> }}
      nextPageToken: {{ type: string }}
      totalSize: {{ type: i32 }}
"
        );
    }
    format!(
        "version: 1\narea: synthetic\ndescription: A synthetic control plane.\nservers:\n  api:\n    url: https://api.fireworks.ai\n    auth: bearer\noperations:\n{ops}types:\n{types}"
    )
}
