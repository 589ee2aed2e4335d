//! `POST /inference/v1/completions`, plain and streamed.
//!
//! Each prompt (a string, a list of strings, a list of token ids or a list of such lists) is
//! answered with `echo: <prompt>` (token ids written as numbers), preceded by the prompt itself
//! when `echo` is true; `n` choices per prompt, indexed prompt by prompt. Logprobs use the
//! legacy completions format (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`).

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{
    CREATED, Event, Limits, Logprobs, Refusal, count, error_event, fails, failure, flag, invalid,
    json_response, parse_body, perf_metrics, request_id, required_str, sse, usage,
};

/// The handler.
pub(crate) async fn create(body: Bytes) -> Response {
    match Completion::parse(&body) {
        Ok(completion) if completion.stream => completion.stream(),
        Ok(completion) if fails(&completion.model) => failure().into_response(),
        Ok(completion) => completion.complete(),
        Err(refusal) => refusal.into_response(),
    }
}

/// One choice: its word pieces and why it ended.
#[derive(Debug)]
struct Choice {
    pieces: Vec<String>,
    finish: &'static str,
}

#[derive(Debug)]
struct Completion {
    id: String,
    model: String,
    stream: bool,
    logprobs: Option<Logprobs>,
    perf: bool,
    prompt_tokens: usize,
    choices: Vec<Choice>,
}

impl Completion {
    fn parse(body: &Bytes) -> Result<Self, Refusal> {
        let body = parse_body(body)?;
        let model = required_str(&body, "model")?.to_owned();
        let prompts = prompts(&body)?;
        let stream = flag(&body, "stream")?;
        let echo = flag(&body, "echo")?;
        let limits = Limits::of(&body)?;
        let logprobs = Logprobs::of(&body)?.map(|logprobs| match logprobs {
            Logprobs::Content { top } | Logprobs::Legacy { top } => Logprobs::Legacy { top },
        });
        let perf = flag(&body, "perf_metrics_in_response")?;
        let prompt_tokens = prompts.iter().map(|prompt| count(prompt)).sum();
        let mut choices = Vec::with_capacity(prompts.len() * limits.n);
        for prompt in &prompts {
            let (mut pieces, finish) = limits.generate(&format!("echo: {prompt}"));
            if echo {
                let mut echoed = super::pieces(prompt);
                echoed.append(&mut pieces);
                pieces = echoed;
            }
            for _ in 0..limits.n {
                choices.push(Choice {
                    pieces: pieces.clone(),
                    finish,
                });
            }
        }
        Ok(Self {
            id: request_id("cmpl-", &body),
            model,
            stream,
            logprobs,
            perf,
            prompt_tokens,
            choices,
        })
    }

    fn completion_tokens(&self) -> usize {
        self.choices.iter().map(|choice| choice.pieces.len()).sum()
    }

    fn envelope(&self, choices: Value) -> Value {
        json!({
            "id": self.id,
            "object": "text_completion",
            "created": CREATED,
            "model": self.model,
            "choices": choices,
        })
    }

    fn complete(&self) -> Response {
        let choices: Vec<Value> = self
            .choices
            .iter()
            .enumerate()
            .map(|(index, choice)| {
                json!({
                    "index": index,
                    "text": choice.pieces.concat(),
                    "finish_reason": choice.finish,
                    "logprobs": self.logprobs.map(|l| l.of_pieces(&choice.pieces, 0)),
                })
            })
            .collect();
        let completion = self.completion_tokens();
        let mut body = self.envelope(json!(choices));
        super::set(&mut body, "usage", usage(self.prompt_tokens, completion));
        if self.perf {
            super::set(
                &mut body,
                "perf_metrics",
                perf_metrics(self.prompt_tokens, completion),
            );
        }
        json_response(&self.id, self.prompt_tokens, &body)
    }

    /// Per choice one chunk per word piece and a closing chunk with `finish_reason`; the last
    /// chunk also carries `usage`, then `[DONE]`.
    fn stream(&self) -> Response {
        let failing = fails(&self.model);
        let mut events = Vec::new();
        for (index, choice) in self.choices.iter().enumerate() {
            let mut offset = 0;
            for (at, piece) in choice.pieces.iter().enumerate() {
                if failing && at == 2 {
                    events.push(error_event());
                    return sse(&self.id, events);
                }
                let logprobs = self
                    .logprobs
                    .map(|l| l.of_pieces(std::slice::from_ref(piece), offset));
                offset += piece.chars().count();
                events.push(Event::data(&self.envelope(json!([{
                    "index": index,
                    "text": piece,
                    "finish_reason": null,
                    "logprobs": logprobs,
                }]))));
            }
            if failing {
                events.push(error_event());
                return sse(&self.id, events);
            }
            let mut last = self.envelope(json!([{
                "index": index,
                "text": "",
                "finish_reason": choice.finish,
                "logprobs": null,
            }]));
            if index + 1 == self.choices.len() {
                let completion = self.completion_tokens();
                super::set(&mut last, "usage", usage(self.prompt_tokens, completion));
                if self.perf {
                    super::set(
                        &mut last,
                        "perf_metrics",
                        perf_metrics(self.prompt_tokens, completion),
                    );
                }
            }
            events.push(Event::data(&last));
        }
        events.push(Event::done());
        sse(&self.id, events)
    }
}

/// The prompts as text: a string, a list of strings, a list of token ids, or a list of lists of
/// token ids (written as space-separated numbers).
fn prompts(body: &Map<String, Value>) -> Result<Vec<String>, Refusal> {
    let bad = || {
        invalid(
            "`prompt` must be a string, a list of strings, a list of token ids or a list of lists of token ids",
        )
    };
    let ids = |items: &[Value]| -> Option<String> {
        items
            .iter()
            .map(|item| item.as_u64().map(|id| id.to_string()))
            .collect::<Option<Vec<_>>>()
            .map(|ids| ids.join(" "))
    };
    match body.get("prompt") {
        None | Some(Value::Null) => Err(invalid("`prompt` is required")),
        Some(Value::String(text)) => Ok(vec![text.clone()]),
        Some(Value::Array(items)) => match items.first() {
            None => Err(invalid("`prompt` must not be an empty list")),
            Some(Value::Number(_)) => ids(items).map(|text| vec![text]).ok_or_else(bad),
            Some(Value::String(_)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(bad),
            Some(Value::Array(_)) => items
                .iter()
                .map(|item| item.as_array().and_then(|inner| ids(inner)))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(bad),
            _ => Err(bad()),
        },
        Some(_) => Err(bad()),
    }
}
