//! `POST /inference/v1/embeddings`.
//!
//! Each input (a string, a list of strings, a list of token ids, a list of lists of token ids,
//! or objects, taken as their compact JSON) gets a vector of `dimensions` numbers (default
//! [`DEFAULT_DIMENSIONS`]) in [-1, 1), each from a hash of the input and its position, so the
//! same text always has the same vector; `normalize: true` scales it to unit length.
//! `encoding_format: base64` (which the `openai` SDK sends by default) answers each vector as
//! base64 of little-endian `f32`s, as OpenAI does; whether Fireworks accepts that field is
//! unconfirmed (FIREWORKS_API.md section 10).

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{
    Refusal, count, fails, failure, flag, fnv, integer, invalid, json_response, parse_body,
    request_id, required_str,
};

/// Length of a vector when `dimensions` is unset.
pub(crate) const DEFAULT_DIMENSIONS: usize = 768;

/// The handler.
pub(crate) async fn create(body: Bytes) -> Response {
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    match answer(&body) {
        Ok(response) => response,
        Err(refusal) => refusal.into_response(),
    }
}

fn answer(body: &Map<String, Value>) -> Result<Response, Refusal> {
    let model = required_str(body, "model")?;
    if fails(model) {
        return Err(failure());
    }
    let inputs = inputs(body)?;
    let dimensions = integer(body, "dimensions", 1..=65_536)?
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(DEFAULT_DIMENSIONS);
    let normalize = flag(body, "normalize")?;
    let base64 = match body.get("encoding_format") {
        None | Some(Value::Null) => false,
        Some(Value::String(format)) if format == "float" => false,
        Some(Value::String(format)) if format == "base64" => true,
        Some(_) => return Err(invalid("`encoding_format` must be `float` or `base64`")),
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            let vector = vector(input, dimensions, normalize);
            let embedding = if base64 {
                let bytes: Vec<u8> = vector
                    .iter()
                    .flat_map(|value| (*value as f32).to_le_bytes())
                    .collect();
                json!(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                json!(vector)
            };
            json!({"object": "embedding", "index": index, "embedding": embedding})
        })
        .collect();
    let prompt_tokens: usize = inputs.iter().map(|input| count(input)).sum();
    let id = request_id("embd-", body);
    let answer = json!({
        "object": "list",
        "model": model,
        "data": data,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    });
    Ok(json_response(&id, prompt_tokens, &answer))
}

/// The deterministic vector of `input`.
pub(crate) fn vector(input: &str, dimensions: usize, normalize: bool) -> Vec<f64> {
    let mut vector: Vec<f64> = (0..dimensions)
        .map(|at| {
            let hash = fnv(format!("{at}:{input}").as_bytes()) >> 40;
            // 24 bits, so the value is exact as an f32 too.
            f64::from(u32::try_from(hash).unwrap_or(0)) / f64::from(1u32 << 23) - 1.0
        })
        .collect();
    if normalize {
        let norm = vector.iter().map(|value| value * value).sum::<f64>().sqrt();
        if norm > 0.0 {
            for value in &mut vector {
                *value /= norm;
            }
        }
    }
    vector
}

/// The inputs as text.
fn inputs(body: &Map<String, Value>) -> Result<Vec<String>, Refusal> {
    let ids = |items: &[Value]| -> Option<String> {
        items
            .iter()
            .map(|item| item.as_u64().map(|id| id.to_string()))
            .collect::<Option<Vec<_>>>()
            .map(|ids| ids.join(" "))
    };
    let bad = || invalid("`input` must be a string, a list of strings, token ids or objects");
    let inputs = match body.get("input") {
        None | Some(Value::Null) => return Err(invalid("`input` is required")),
        Some(Value::String(text)) => vec![text.clone()],
        Some(Value::Object(object)) => vec![Value::Object(object.clone()).to_string()],
        Some(Value::Array(items)) => match items.first() {
            None => return Err(invalid("`input` must not be an empty list")),
            Some(Value::Number(_)) => vec![ids(items).ok_or_else(bad)?],
            Some(_) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Some(text.clone()),
                    Value::Array(inner) => ids(inner),
                    Value::Object(_) => Some(item.to_string()),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()
                .ok_or_else(bad)?,
        },
        Some(_) => return Err(bad()),
    };
    if inputs.len() > 2048 {
        return Err(invalid("`input` may hold at most 2048 items"));
    }
    Ok(inputs)
}
