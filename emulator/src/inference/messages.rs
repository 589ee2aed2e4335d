//! `POST /inference/v1/messages`, the Anthropic-compatible call, plain and streamed.
//!
//! The reply is `echo: <text of the last user message>` in one `text` block, or, with `tools`
//! (and `tool_choice` not `none`), one `tool_use` block for the tool `tool_choice` names or the
//! first one, its `input` an example of the tool's `input_schema` (`auto` answers a last
//! message made only of `tool_result` blocks with text). `max_tokens` cuts the text
//! (`stop_reason: max_tokens`), `stop_sequences` end it (`stop_sequence`). A stream sends
//! `message_start`, `content_block_start`, `ping`, `content_block_delta`s (`text_delta` or
//! `input_json_delta`), `content_block_stop`, `message_delta` and `message_stop`. Errors here
//! have the Anthropic shape `{"type": "error", "error": {"type", "message"}}`.

use axum::Json;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{
    Event, Refusal, STREAM_ERROR_MESSAGE, count, fails, flag, fnv, integer, invalid, parse_body,
    pieces, request_id, schema, sse, text_of,
};

/// The handler.
pub(crate) async fn create(body: Bytes) -> Response {
    match Messages::parse(&body) {
        Ok(messages) if messages.stream => messages.stream(),
        Ok(messages) if fails(&messages.model) => {
            anthropic_error(StatusCode::INTERNAL_SERVER_ERROR, STREAM_ERROR_MESSAGE)
        }
        Ok(messages) => messages.complete(),
        Err(refusal) => anthropic_error(refusal.status, &refusal.message),
    }
}

/// An error in the Anthropic shape (FIREWORKS_API.md section 2.5, shape C).
fn anthropic_error(status: StatusCode, message: &str) -> Response {
    (status, Json(anthropic_error_body(status, message))).into_response()
}

fn anthropic_error_body(status: StatusCode, message: &str) -> Value {
    let kind = match status.as_u16() {
        400 => "invalid_request_error",
        401 => "authentication_error",
        404 => "not_found_error",
        _ => "api_error",
    };
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

#[derive(Debug)]
enum Reply {
    Text {
        pieces: Vec<String>,
        stop_reason: &'static str,
        stop_sequence: Option<String>,
    },
    Tool {
        id: String,
        name: String,
        input: Value,
    },
}

#[derive(Debug)]
struct Messages {
    id: String,
    model: String,
    stream: bool,
    input_tokens: usize,
    reply: Reply,
}

impl Messages {
    fn parse(body: &Bytes) -> Result<Self, Refusal> {
        let body =
            parse_body(body).map_err(|_| invalid("the request body is not a JSON object"))?;
        let model = match body.get("model") {
            Some(Value::String(model)) if !model.trim().is_empty() => model.clone(),
            _ => return Err(invalid("`model` is required")),
        };
        let messages = match body.get("messages") {
            Some(Value::Array(messages)) if !messages.is_empty() => messages,
            Some(Value::Array(_)) => {
                return Err(invalid("`messages` must hold at least one message"));
            }
            _ => return Err(invalid("`messages` is required")),
        };
        for (at, message) in messages.iter().enumerate() {
            if message.get("role").and_then(Value::as_str).is_none() {
                return Err(invalid(&format!("`messages[{at}].role` is required")));
            }
        }
        let stream = flag(&body, "stream").map_err(|_| invalid("`stream` must be a boolean"))?;
        let max_tokens = integer(&body, "max_tokens", 1..=i64::from(u32::MAX))
            .map_err(|_| invalid("`max_tokens` must be a positive integer"))?
            .and_then(|n| usize::try_from(n).ok());
        let stop_sequences: Vec<String> = match body.get("stop_sequences") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("`stop_sequences` must be a list of strings"))?,
            Some(_) => return Err(invalid("`stop_sequences` must be a list of strings")),
        };
        let last_user = messages
            .iter()
            .rev()
            .find(|message| super::role(message) == "user")
            .map(|message| text_of(message.get("content")))
            .unwrap_or_default();
        let last_is_tool_result = messages.last().is_some_and(|message| {
            matches!(message.get("content"), Some(Value::Array(blocks))
                if !blocks.is_empty() && blocks.iter().all(|block|
                    block.get("type").and_then(Value::as_str) == Some("tool_result")))
        });
        let input_tokens = count(&text_of(body.get("system")))
            + messages
                .iter()
                .map(|message| 1 + count(&text_of(message.get("content"))))
                .sum::<usize>();
        let id = request_id("msg_", &body);
        let reply = match tool_use(&body, last_is_tool_result, &last_user)? {
            Some((name, input)) => Reply::Tool {
                id: format!("toolu_{:016x}", fnv(id.as_bytes())),
                name,
                input,
            },
            None => {
                let text = format!("echo: {last_user}");
                let cut = stop_sequences
                    .iter()
                    .filter(|stop| !stop.is_empty())
                    .filter_map(|stop| text.find(stop.as_str()).map(|at| (at, stop)))
                    .min_by_key(|(at, _)| *at);
                let kept = cut.and_then(|(at, _)| text.get(..at)).unwrap_or(&text);
                let mut pieces = pieces(kept);
                let (stop_reason, stop_sequence) = match (max_tokens, cut) {
                    (Some(max), _) if pieces.len() > max => {
                        pieces.truncate(max);
                        ("max_tokens", None)
                    }
                    (_, Some((_, stop))) => ("stop_sequence", Some(stop.clone())),
                    _ => ("end_turn", None),
                };
                Reply::Text {
                    pieces,
                    stop_reason,
                    stop_sequence,
                }
            }
        };
        Ok(Self {
            id,
            model,
            stream,
            input_tokens,
            reply,
        })
    }

    fn output_tokens(&self) -> usize {
        match &self.reply {
            Reply::Text { pieces, .. } => pieces.len(),
            Reply::Tool { input, .. } => count(&input.to_string()),
        }
    }

    fn stop(&self) -> (&'static str, Option<&str>) {
        match &self.reply {
            Reply::Text {
                stop_reason,
                stop_sequence,
                ..
            } => (stop_reason, stop_sequence.as_deref()),
            Reply::Tool { .. } => ("tool_use", None),
        }
    }

    fn message(&self, content: Value, stop: (Option<&str>, Option<&str>), output: usize) -> Value {
        json!({
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": stop.0,
            "stop_sequence": stop.1,
            "usage": {"input_tokens": self.input_tokens, "output_tokens": output},
        })
    }

    fn complete(&self) -> Response {
        let block = match &self.reply {
            Reply::Text { pieces, .. } => json!({"type": "text", "text": pieces.concat()}),
            Reply::Tool { id, name, input } => {
                json!({"type": "tool_use", "id": id, "name": name, "input": input})
            }
        };
        let (reason, sequence) = self.stop();
        let body = self.message(
            json!([block]),
            (Some(reason), sequence),
            self.output_tokens(),
        );
        let mut response = Json(body).into_response();
        if let Ok(value) = self.id.parse() {
            response.headers_mut().insert("x-request-id", value);
        }
        response
    }

    fn stream(&self) -> Response {
        let mut events = vec![Event::named(
            "message_start",
            &json!({"type": "message_start", "message": self.message(json!([]), (None, None), 1)}),
        )];
        let (start, deltas) = match &self.reply {
            Reply::Text { pieces, .. } => (
                json!({"type": "text", "text": ""}),
                pieces
                    .iter()
                    .map(|piece| json!({"type": "text_delta", "text": piece}))
                    .collect::<Vec<_>>(),
            ),
            Reply::Tool { id, name, input } => (
                json!({"type": "tool_use", "id": id, "name": name, "input": {}}),
                super::pieces(&input.to_string())
                    .into_iter()
                    .map(|piece| json!({"type": "input_json_delta", "partial_json": piece}))
                    .collect(),
            ),
        };
        events.push(Event::named(
            "content_block_start",
            &json!({"type": "content_block_start", "index": 0, "content_block": start}),
        ));
        events.push(Event::named("ping", &json!({"type": "ping"})));
        let failing = fails(&self.model);
        for (at, delta) in deltas.into_iter().enumerate() {
            if failing && at == 2 {
                break;
            }
            events.push(Event::named(
                "content_block_delta",
                &json!({"type": "content_block_delta", "index": 0, "delta": delta}),
            ));
        }
        if failing {
            events.push(Event::named(
                "error",
                &anthropic_error_body(StatusCode::INTERNAL_SERVER_ERROR, STREAM_ERROR_MESSAGE),
            ));
            return sse(&self.id, events);
        }
        let (reason, sequence) = self.stop();
        events.push(Event::named(
            "content_block_stop",
            &json!({"type": "content_block_stop", "index": 0}),
        ));
        events.push(Event::named(
            "message_delta",
            &json!({
                "type": "message_delta",
                "delta": {"stop_reason": reason, "stop_sequence": sequence},
                "usage": {"output_tokens": self.output_tokens()},
            }),
        ));
        events.push(Event::named(
            "message_stop",
            &json!({"type": "message_stop"}),
        ));
        sse(&self.id, events)
    }
}

/// The tool to call and its input, if any; validates `tools` and `tool_choice`.
fn tool_use(
    body: &Map<String, Value>,
    last_is_tool_result: bool,
    last_user: &str,
) -> Result<Option<(String, Value)>, Refusal> {
    let tools = match body.get("tools") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(tools)) => tools,
        Some(_) => return Err(invalid("`tools` must be a list")),
    };
    let mut known = Vec::with_capacity(tools.len());
    for (at, tool) in tools.iter().enumerate() {
        let Some(name) = tool.get("name").and_then(Value::as_str) else {
            return Err(invalid(&format!("`tools[{at}].name` is required")));
        };
        let schema = tool
            .get("input_schema")
            .cloned()
            .unwrap_or(json!({"type": "object", "properties": {}}));
        known.push((name.to_owned(), schema));
    }
    if known.is_empty() {
        return Ok(None);
    }
    let choice = body.get("tool_choice").filter(|choice| !choice.is_null());
    let kind = choice
        .and_then(|choice| choice.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("auto");
    let at = match kind {
        "none" => None,
        "auto" => (!last_is_tool_result).then_some(0),
        "any" => Some(0),
        "tool" => {
            let name = choice
                .and_then(|choice| choice.get("name"))
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("`tool_choice.name` is required"))?;
            Some(
                known
                    .iter()
                    .position(|(known, _)| known == name)
                    .ok_or_else(|| {
                        invalid(&format!(
                            "`tool_choice` names `{name}`, which is not in `tools`"
                        ))
                    })?,
            )
        }
        other => {
            return Err(invalid(&format!(
                "`tool_choice.type` must be auto, any, tool or none, not `{other}`"
            )));
        }
    };
    Ok(at
        .and_then(|at| known.get(at))
        .map(|(name, schema)| (name.clone(), schema::example(schema, last_user))))
}
