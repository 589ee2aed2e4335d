//! `POST /inference/v1/rerank`: `{model, query, documents, top_n?, return_documents?}` answered
//! with `{object: "list", model, results: [{index, relevance_score, text?}], usage}`, best
//! first. A document's score is the share of the query's distinct lowercase words it contains
//! (times 0.9), plus a small hash of the document that breaks ties the same way every time.
//! The answer is built from the generated `fireworks_ai::inference` types, so it cannot drift
//! from the spec.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use fireworks_ai::inference::{RerankResponse, RerankResult, Usage};
use serde_json::{Map, Value, json};

use super::{
    Refusal, count, fails, failure, fnv, integer, invalid, json_response, parse_body, request_id,
    required_str,
};

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
    let query = required_str(body, "query")?;
    let documents: Vec<&str> = match body.get("documents") {
        None | Some(Value::Null) => return Err(invalid("`documents` is required")),
        Some(Value::Array(items)) => items
            .iter()
            .map(Value::as_str)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid("`documents` must be a list of strings"))?,
        Some(_) => return Err(invalid("`documents` must be a list of strings")),
    };
    let top_n = integer(body, "top_n", 1..=i64::from(u32::MAX))?
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(documents.len());
    let return_documents = match body.get("return_documents") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(value)) => *value,
        Some(_) => return Err(invalid("`return_documents` must be a boolean")),
    };
    let words = |text: &str| -> BTreeSet<String> {
        text.split(|ch: char| !ch.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let wanted = words(query);
    let mut scored: Vec<(usize, f64)> = documents
        .iter()
        .enumerate()
        .map(|(index, document)| {
            let found = words(document).intersection(&wanted).count();
            let share = if wanted.is_empty() {
                0.0
            } else {
                found as f64 / wanted.len() as f64
            };
            let tie = f64::from(u32::try_from(fnv(document.as_bytes()) % 1000).unwrap_or(0));
            (index, share * 0.9 + tie / 100_000.0)
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let results: Vec<RerankResult> = scored
        .into_iter()
        .take(top_n)
        .map(|(index, score)| {
            let result = RerankResult::new(i64::try_from(index).unwrap_or(i64::MAX), score);
            match documents.get(index) {
                Some(text) if return_documents => result.document(*text),
                _ => result,
            }
        })
        .collect();
    let tokens = count(query)
        + documents
            .iter()
            .map(|document| count(document))
            .sum::<usize>();
    let total = i64::try_from(tokens).unwrap_or(i64::MAX);
    let mut answer = RerankResponse::new(results)
        .model(model)
        .usage(Usage::new(total, total));
    answer.extra.insert("object".to_owned(), json!("list"));
    Ok(json_response(&request_id("rerank-", body), tokens, &answer))
}
