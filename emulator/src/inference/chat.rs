//! `POST /inference/v1/chat/completions`, plain and streamed.
//!
//! The reply is a transcript of the request: `echo: <text of the last user message>` (with
//! `response_format` `json_object`, `{"echo": "<that text>"}`; with `json_schema`, an example
//! of the schema). With `tools` (and `tool_choice` not `none`) the reply is one call to the
//! tool `tool_choice` names, or the first tool, its arguments an example of the tool's
//! `parameters` schema; with `tool_choice` `auto` (or unset) a conversation whose last message
//! is a `tool` result gets a text reply instead, so a tool loop ends. With `reasoning_effort`
//! (other than `none`/`false`) or `thinking.type: enabled`, the message also carries
//! `reasoning_content`.

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{
    CREATED, Event, Limits, Logprobs, Refusal, count, error_event, fails, failure, flag, fnv,
    invalid, json_response, parse_body, perf_metrics, pieces, request_id, required_str, schema,
    sse, text_of, usage,
};

/// The handler.
pub(crate) async fn create(body: Bytes) -> Response {
    match Chat::parse(&body) {
        Ok(chat) if chat.stream => chat.stream(),
        Ok(chat) if fails(&chat.model) => failure().into_response(),
        Ok(chat) => chat.complete(),
        Err(refusal) => refusal.into_response(),
    }
}

/// What a choice says.
#[derive(Debug, Clone)]
enum Reply {
    /// Text, cut by the limits, with optional reasoning before it.
    Text {
        reasoning: Option<String>,
        pieces: Vec<String>,
        finish: &'static str,
    },
    /// One call to a tool.
    Tool { name: String, arguments: String },
}

/// A validated request.
#[derive(Debug)]
struct Chat {
    id: String,
    model: String,
    stream: bool,
    n: usize,
    logprobs: Option<Logprobs>,
    perf: bool,
    prompt_tokens: usize,
    reply: Reply,
}

impl Chat {
    fn parse(body: &Bytes) -> Result<Self, Refusal> {
        let body = parse_body(body)?;
        let model = required_str(&body, "model")?.to_owned();
        let messages = match body.get("messages") {
            None | Some(Value::Null) => return Err(invalid("`messages` is required")),
            Some(Value::Array(messages)) if messages.is_empty() => {
                return Err(invalid("`messages` must hold at least one message"));
            }
            Some(Value::Array(messages)) => messages,
            Some(_) => return Err(invalid("`messages` must be a list of messages")),
        };
        for (at, message) in messages.iter().enumerate() {
            if message.get("role").and_then(Value::as_str).is_none() {
                return Err(invalid(&format!("`messages[{at}].role` is required")));
            }
        }
        let stream = flag(&body, "stream")?;
        let limits = Limits::of(&body)?;
        let logprobs = Logprobs::of(&body)?;
        let perf = flag(&body, "perf_metrics_in_response")?;
        let last_user = messages
            .iter()
            .rev()
            .find(|message| super::role(message) == "user")
            .or_else(|| messages.last())
            .map(|message| text_of(message.get("content")))
            .unwrap_or_default();
        let last_is_tool = messages
            .last()
            .is_some_and(|message| super::role(message) == "tool");
        let prompt_tokens = messages
            .iter()
            .map(|message| 1 + count(&text_of(message.get("content"))))
            .sum();

        let reply = match tool_call(&body, last_is_tool, &last_user)? {
            Some(reply) => reply,
            None => {
                let content = content(&body, &last_user)?;
                let (pieces, finish) = limits.generate(&content);
                Reply::Text {
                    reasoning: reasons(&body).then(|| format!("thinking about: {last_user}")),
                    pieces,
                    finish,
                }
            }
        };
        Ok(Self {
            id: request_id("chatcmpl-", &body),
            model,
            stream,
            n: limits.n,
            logprobs,
            perf,
            prompt_tokens,
            reply,
        })
    }

    fn completion_tokens(&self) -> usize {
        let one = match &self.reply {
            Reply::Text {
                reasoning, pieces, ..
            } => pieces.len() + reasoning.as_deref().map_or(0, count),
            Reply::Tool { arguments, .. } => count(arguments),
        };
        one * self.n
    }

    fn call_id(&self, index: usize) -> String {
        let hash = fnv(format!("{}:{index}", self.id).as_bytes());
        format!("call_{hash:016x}")
    }

    /// The plain answer.
    fn complete(&self) -> Response {
        let choices: Vec<Value> = (0..self.n)
            .map(|index| {
                let mut message = Map::new();
                message.insert("role".into(), json!("assistant"));
                let mut choice = Map::new();
                choice.insert("index".into(), json!(index));
                match &self.reply {
                    Reply::Text {
                        reasoning,
                        pieces,
                        finish,
                    } => {
                        message.insert("content".into(), json!(pieces.concat()));
                        if let Some(reasoning) = reasoning {
                            message.insert("reasoning_content".into(), json!(reasoning));
                        }
                        choice.insert("message".into(), Value::Object(message));
                        choice.insert("finish_reason".into(), json!(finish));
                        if let Some(logprobs) = self.logprobs {
                            choice.insert("logprobs".into(), logprobs.of_pieces(pieces, 0));
                        }
                    }
                    Reply::Tool { name, arguments } => {
                        message.insert("content".into(), Value::Null);
                        message.insert(
                            "tool_calls".into(),
                            json!([{
                                "id": self.call_id(index),
                                "type": "function",
                                "function": {"name": name, "arguments": arguments},
                            }]),
                        );
                        choice.insert("message".into(), Value::Object(message));
                        choice.insert("finish_reason".into(), json!("tool_calls"));
                    }
                }
                Value::Object(choice)
            })
            .collect();
        let completion = self.completion_tokens();
        let mut body = json!({
            "id": self.id,
            "object": "chat.completion",
            "created": CREATED,
            "model": self.model,
            "choices": choices,
            "usage": usage(self.prompt_tokens, completion),
        });
        if self.perf {
            super::set(
                &mut body,
                "perf_metrics",
                perf_metrics(self.prompt_tokens, completion),
            );
        }
        json_response(&self.id, self.prompt_tokens, &body)
    }

    fn chunk(&self, choice: Value) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": self.model,
            "choices": [choice],
        })
    }

    fn delta(&self, index: usize, delta: Value) -> Value {
        self.chunk(json!({"index": index, "delta": delta, "finish_reason": null}))
    }

    /// The streamed answer: per choice a role chunk, reasoning, content or tool-call argument
    /// chunks and a closing chunk with `finish_reason`; the very last chunk also carries
    /// `usage` (and `perf_metrics` when asked), then `[DONE]`.
    fn stream(&self) -> Response {
        let mut events = Vec::new();
        let failing = fails(&self.model);
        for index in 0..self.n {
            events.push(Event::data(
                &self.delta(index, json!({"role": "assistant"})),
            ));
            let finish = match &self.reply {
                Reply::Text {
                    reasoning,
                    pieces,
                    finish,
                } => {
                    for piece in reasoning.as_deref().map(super::pieces).unwrap_or_default() {
                        events.push(Event::data(
                            &self.delta(index, json!({"reasoning_content": piece})),
                        ));
                    }
                    let mut offset = 0;
                    for (at, piece) in pieces.iter().enumerate() {
                        if failing && at == 2 {
                            events.push(error_event());
                            return sse(&self.id, events);
                        }
                        let mut choice = json!({"index": index, "delta": {"content": piece}, "finish_reason": null});
                        if let Some(logprobs) = self.logprobs {
                            let logprobs = logprobs.of_pieces(std::slice::from_ref(piece), offset);
                            super::set(&mut choice, "logprobs", logprobs);
                        }
                        let chunk = self.chunk(choice);
                        offset += piece.chars().count();
                        events.push(Event::data(&chunk));
                    }
                    *finish
                }
                Reply::Tool { name, arguments } => {
                    events.push(Event::data(&self.delta(
                        index,
                        json!({"tool_calls": [{
                            "index": 0,
                            "id": self.call_id(index),
                            "type": "function",
                            "function": {"name": name, "arguments": ""},
                        }]}),
                    )));
                    for (at, piece) in pieces(arguments).into_iter().enumerate() {
                        if failing && at == 2 {
                            events.push(error_event());
                            return sse(&self.id, events);
                        }
                        events.push(Event::data(&self.delta(
                            index,
                            json!({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}),
                        )));
                    }
                    "tool_calls"
                }
            };
            if failing {
                events.push(error_event());
                return sse(&self.id, events);
            }
            let mut last =
                self.chunk(json!({"index": index, "delta": {}, "finish_reason": finish}));
            if index + 1 == self.n {
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

/// Whether the request asks for reasoning.
fn reasons(body: &Map<String, Value>) -> bool {
    let effort = match body.get("reasoning_effort") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(effort)) => effort != "none",
        Some(Value::Number(n)) => n.as_f64().is_some_and(|n| n > 0.0),
        Some(_) => true,
    };
    let thinking = body
        .get("thinking")
        .and_then(|thinking| thinking.get("type"))
        .and_then(Value::as_str)
        == Some("enabled");
    effort || thinking
}

/// The text reply, shaped by `response_format`.
fn content(body: &Map<String, Value>, last_user: &str) -> Result<String, Refusal> {
    let echo = format!("echo: {last_user}");
    let Some(format) = body.get("response_format").filter(|value| !value.is_null()) else {
        return Ok(echo);
    };
    let kind = format
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("`response_format.type` is required"))?;
    match kind {
        "text" | "grammar" => Ok(echo),
        "json_object" => Ok(json!({ "echo": last_user }).to_string()),
        "json_schema" => {
            let parse = |value: &Value| match value {
                Value::String(text) => serde_json::from_str::<Value>(text).map_err(|err| {
                    invalid(&format!(
                        "`response_format` holds a schema that is not JSON: {err}"
                    ))
                }),
                other => Ok(other.clone()),
            };
            let schema = match (format.get("json_schema"), format.get("schema")) {
                (Some(Value::Object(wrapper)), _) if wrapper.contains_key("schema") => {
                    parse(&wrapper["schema"])?
                }
                (Some(inner), _) if !inner.is_null() => parse(inner)?,
                (_, Some(inner)) if !inner.is_null() => parse(inner)?,
                _ => json!({"type": "object", "properties": {"echo": {"type": "string"}}}),
            };
            Ok(schema::example(&schema, last_user).to_string())
        }
        other => Err(invalid(&format!(
            "`response_format.type` must be one of text, json_object, json_schema, grammar, not `{other}`"
        ))),
    }
}

/// The tool call the request leads to, if any; validates `tools` and `tool_choice`.
fn tool_call(
    body: &Map<String, Value>,
    last_is_tool: bool,
    last_user: &str,
) -> Result<Option<Reply>, Refusal> {
    let tools = match body.get("tools") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(tools)) => tools,
        Some(_) => return Err(invalid("`tools` must be a list")),
    };
    let mut functions = Vec::with_capacity(tools.len());
    for (at, tool) in tools.iter().enumerate() {
        let kind = tool
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("function");
        if kind != "function" {
            return Err(invalid(&format!(
                "`tools[{at}].type` must be `function`, not `{kind}`"
            )));
        }
        let function = tool.get("function");
        let Some(name) = function
            .and_then(|function| function.get("name"))
            .and_then(Value::as_str)
        else {
            return Err(invalid(&format!("`tools[{at}].function.name` is required")));
        };
        let parameters = function
            .and_then(|function| function.get("parameters"))
            .cloned()
            .unwrap_or(json!({"type": "object", "properties": {}}));
        functions.push((name.to_owned(), parameters));
    }
    if functions.is_empty() {
        return Ok(None);
    }
    let chosen = match body.get("tool_choice") {
        None | Some(Value::Null) => (!last_is_tool).then_some(0),
        Some(Value::String(choice)) => match choice.as_str() {
            "none" => None,
            "auto" => (!last_is_tool).then_some(0),
            "any" | "required" => Some(0),
            other => {
                return Err(invalid(&format!(
                    "`tool_choice` must be auto, none, any, required or a function, not `{other}`"
                )));
            }
        },
        Some(choice) => {
            let name = choice
                .get("function")
                .and_then(|function| function.get("name"))
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("`tool_choice.function.name` is required"))?;
            let at = functions
                .iter()
                .position(|(known, _)| known == name)
                .ok_or_else(|| {
                    invalid(&format!(
                        "`tool_choice` names `{name}`, which is not in `tools`"
                    ))
                })?;
            Some(at)
        }
    };
    Ok(chosen
        .and_then(|at| functions.get(at))
        .map(|(name, parameters)| Reply::Tool {
            name: name.clone(),
            arguments: schema::example(parameters, last_user).to_string(),
        }))
}
