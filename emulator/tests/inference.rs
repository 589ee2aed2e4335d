//! HTTP-level tests of the emulator's inference host, driven with plain reqwest so they check
//! the wire itself: SSE framing byte by byte, `[DONE]`, streamed chunks that merge into exactly
//! the plain answer, tool calls, response formats, every endpoint, and errors in the inference
//! shape.

// Test helpers outside `#[test]` functions are not covered by clippy's allow-*-in-tests settings.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::collections::BTreeMap;

use fireworks_ai_emulator::{Emulator, RunningEmulator, STREAM_ERROR_MODEL};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

const MODEL: &str = "accounts/fireworks/models/llama-v3p1-8b-instruct";

/// `POST base_url + path` with a Bearer key; the status, headers and raw body.
async fn post(
    emulator: &RunningEmulator,
    path: &str,
    body: &Value,
) -> (u16, reqwest::header::HeaderMap, String) {
    let response = support::http()
        .post(format!("{}{path}", emulator.base_url()))
        .header("Authorization", "Bearer test-key")
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn post_json(emulator: &RunningEmulator, path: &str, body: &Value) -> (u16, Value) {
    let (status, _, text) = post(emulator, path, body).await;
    (status, serde_json::from_str(&text).unwrap())
}

/// The `data:` payloads of a data-only SSE body, checking the framing: every event is exactly
/// one `data: ` line followed by a blank line, and the last one is `[DONE]`.
fn data_events(body: &str) -> Vec<Value> {
    assert!(
        body.ends_with("data: [DONE]\n\n"),
        "no [DONE] at the end: {body}"
    );
    let events: Vec<&str> = body.strip_suffix("\n\n").unwrap().split("\n\n").collect();
    let (done, chunks) = events.split_last().unwrap();
    assert_eq!(*done, "data: [DONE]");
    chunks
        .iter()
        .map(|event| {
            assert!(!event.contains('\n'), "one line per event: {event:?}");
            let data = event.strip_prefix("data: ").unwrap();
            serde_json::from_str(data).unwrap()
        })
        .collect()
}

/// The plain answer a client rebuilds from `chat.completion.chunk`s: content, reasoning and
/// logprobs joined per choice, tool-call fragments joined per index, the finish reason and
/// usage of the last chunks.
fn merge_chat(chunks: &[Value]) -> Value {
    #[derive(Default)]
    struct Choice {
        role: Option<Value>,
        content: Option<String>,
        reasoning: Option<String>,
        tools: BTreeMap<u64, Map<String, Value>>,
        finish: Option<Value>,
        logprobs: Option<Vec<Value>>,
    }
    let mut choices: BTreeMap<u64, Choice> = BTreeMap::new();
    let mut top = Map::new();
    for chunk in chunks {
        assert_eq!(chunk["object"], "chat.completion.chunk");
        for key in ["id", "created", "model"] {
            let old = top.insert(key.to_owned(), chunk[key].clone());
            assert!(old.is_none_or(|old| old == chunk[key]), "{key} changed");
        }
        for key in ["usage", "perf_metrics"] {
            if let Some(value) = chunk.get(key) {
                top.insert(key.to_owned(), value.clone());
            }
        }
        for choice in chunk["choices"].as_array().unwrap() {
            let merged = choices
                .entry(choice["index"].as_u64().unwrap())
                .or_default();
            let delta = &choice["delta"];
            if let Some(role) = delta.get("role") {
                merged.role = Some(role.clone());
            }
            if let Some(text) = delta.get("content").and_then(Value::as_str) {
                merged.content.get_or_insert_default().push_str(text);
            }
            if let Some(text) = delta.get("reasoning_content").and_then(Value::as_str) {
                merged.reasoning.get_or_insert_default().push_str(text);
            }
            for call in delta
                .get("tool_calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let slot = merged
                    .tools
                    .entry(call["index"].as_u64().unwrap())
                    .or_default();
                for key in ["id", "type"] {
                    if let Some(value) = call.get(key) {
                        slot.insert(key.to_owned(), value.clone());
                    }
                }
                let function = slot
                    .entry("function")
                    .or_insert_with(|| json!({"arguments": ""}));
                if let Some(name) = call["function"].get("name") {
                    function["name"] = name.clone();
                }
                if let Some(fragment) = call["function"]["arguments"].as_str() {
                    let joined = format!("{}{fragment}", function["arguments"].as_str().unwrap());
                    function["arguments"] = json!(joined);
                }
            }
            if let Some(content) = choice
                .get("logprobs")
                .and_then(|logprobs| logprobs["content"].as_array())
            {
                merged
                    .logprobs
                    .get_or_insert_default()
                    .extend(content.iter().cloned());
            }
            if let Some(finish) = choice.get("finish_reason").filter(|f| !f.is_null()) {
                merged.finish = Some(finish.clone());
            }
        }
    }
    let choices: Vec<Value> = choices
        .into_iter()
        .map(|(index, choice)| {
            let mut message = json!({"role": choice.role.unwrap(), "content": choice.content});
            if let Some(reasoning) = choice.reasoning {
                message["reasoning_content"] = json!(reasoning);
            }
            if !choice.tools.is_empty() {
                message["tool_calls"] = json!(choice.tools.into_values().collect::<Vec<_>>());
            }
            let mut out =
                json!({"index": index, "message": message, "finish_reason": choice.finish});
            if let Some(content) = choice.logprobs {
                out["logprobs"] = json!({"content": content});
            }
            out
        })
        .collect();
    top.insert("object".into(), json!("chat.completion"));
    top.insert("choices".into(), json!(choices));
    Value::Object(top)
}

/// Sends `request` plain and streamed; checks the stream's framing and headers and that its
/// chunks merge into exactly the plain answer, which is returned with the chunks.
async fn plain_and_streamed(emulator: &RunningEmulator, request: Value) -> (Value, Vec<Value>) {
    let (status, headers, text) = post(emulator, "/inference/v1/chat/completions", &request).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(headers["content-type"], "application/json");
    let plain: Value = serde_json::from_str(&text).unwrap();
    let mut streamed = request.clone();
    streamed["stream"] = json!(true);
    let (status, headers, text) = post(emulator, "/inference/v1/chat/completions", &streamed).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(headers["content-type"], "text/event-stream");
    let chunks = data_events(&text);
    assert_eq!(merge_chat(&chunks), plain);
    (plain, chunks)
}

fn hello() -> Value {
    json!({"model": MODEL, "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Say hello to the whole wide world"},
    ]})
}

#[tokio::test]
async fn chat_echoes_the_last_user_message_with_every_documented_field() {
    let emulator = Emulator::builder().start().await.unwrap();
    let (status, headers, text) = post(&emulator, "/inference/v1/chat/completions", &hello()).await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&text).unwrap();
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("chatcmpl-"), "{id}");
    assert_eq!(headers["x-request-id"], id);
    assert_eq!(headers["fireworks-prompt-tokens"], "11");
    assert_eq!(body["object"], "chat.completion");
    assert_eq!(body["created"], 1_767_225_600);
    assert_eq!(body["model"], MODEL);
    assert_eq!(
        body["choices"],
        json!([{"index": 0, "finish_reason": "stop", "message": {
            "role": "assistant", "content": "echo: Say hello to the whole wide world"}}])
    );
    // 2 + 7 words of the messages, one more per message; 8 word pieces in the reply.
    assert_eq!(
        body["usage"],
        json!({"prompt_tokens": 11, "completion_tokens": 8, "total_tokens": 19})
    );
    assert!(body.get("perf_metrics").is_none());
    // Deterministic: the same request gets the same answer, on both prefixes.
    let (_, _, again) = post(&emulator, "/v1/chat/completions", &hello()).await;
    assert_eq!(again, text);
}

#[tokio::test]
async fn a_stream_is_data_only_sse_sent_event_by_event_and_ending_with_done() {
    let emulator = Emulator::builder().start().await.unwrap();
    let mut request = hello();
    request["stream"] = json!(true);
    let response = support::http()
        .post(format!("{}/v1/chat/completions", emulator.base_url()))
        .header("Authorization", "Bearer test-key")
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    assert!(response.headers().get("content-length").is_none());
    let mut reads = 0;
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(bytes) = stream.next().await {
        reads += 1;
        body.extend_from_slice(&bytes.unwrap());
    }
    let body = String::from_utf8(body).unwrap();
    let chunks = data_events(&body);
    // A role chunk, 8 content chunks and the closing chunk, each its own write: a buffered
    // body would arrive in one or two reads.
    assert_eq!(chunks.len(), 10);
    assert!(reads >= 5, "{reads} reads for {} events", chunks.len() + 1);
    let head = |at: usize| {
        let mut chunk = chunks[at].clone();
        chunk.as_object_mut().unwrap().remove("id");
        chunk
    };
    assert_eq!(
        head(0),
        json!({"object": "chat.completion.chunk", "created": 1_767_225_600, "model": MODEL,
               "choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": null}]})
    );
    assert_eq!(
        chunks[1]["choices"][0]["delta"],
        json!({"content": "echo:"})
    );
    assert_eq!(chunks[2]["choices"][0]["delta"], json!({"content": " Say"}));
    for chunk in &chunks[..9] {
        assert!(chunk.get("usage").is_none());
    }
    assert_eq!(
        head(9),
        json!({"object": "chat.completion.chunk", "created": 1_767_225_600, "model": MODEL,
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 11, "completion_tokens": 8, "total_tokens": 19}})
    );
    let exact_start = format!(
        "data: {{\"choices\":[{{\"delta\":{{\"role\":\"assistant\"}},\"finish_reason\":null,\"index\":0}}],\"created\":1767225600,\"id\":\"{}\",\"model\":\"{MODEL}\",\"object\":\"chat.completion.chunk\"}}\n\ndata: {{",
        chunks[0]["id"].as_str().unwrap()
    );
    assert!(body.starts_with(&exact_start), "{body}");
}

#[tokio::test]
async fn streamed_chunks_merge_into_the_plain_answer() {
    let emulator = Emulator::builder().start().await.unwrap();
    // Text, two choices, logprobs and perf metrics.
    let mut request = hello();
    request["n"] = json!(2);
    request["logprobs"] = json!(true);
    request["top_logprobs"] = json!(2);
    request["perf_metrics_in_response"] = json!(true);
    let (plain, _) = plain_and_streamed(&emulator, request).await;
    assert_eq!(plain["choices"].as_array().unwrap().len(), 2);
    let logprobs = plain["choices"][1]["logprobs"]["content"]
        .as_array()
        .unwrap();
    assert_eq!(logprobs.len(), 8);
    assert_eq!(logprobs[1]["token"], " Say");
    assert_eq!(logprobs[1]["text_offset"], 5);
    assert_eq!(logprobs[1]["top_logprobs"].as_array().unwrap().len(), 2);
    assert_eq!(plain["usage"]["completion_tokens"], 16);
    assert_eq!(plain["perf_metrics"]["prompt-tokens"], 11);

    // Reasoning before the content.
    let mut request = hello();
    request["reasoning_effort"] = json!("low");
    let (plain, _) = plain_and_streamed(&emulator, request).await;
    assert_eq!(
        plain["choices"][0]["message"]["reasoning_content"],
        "thinking about: Say hello to the whole wide world"
    );
}

#[tokio::test]
async fn max_tokens_and_stop_sequences_cut_the_reply() {
    let emulator = Emulator::builder().start().await.unwrap();
    let mut request = hello();
    request["max_tokens"] = json!(3);
    let (plain, chunks) = plain_and_streamed(&emulator, request).await;
    assert_eq!(plain["choices"][0]["message"]["content"], "echo: Say hello");
    assert_eq!(plain["choices"][0]["finish_reason"], "length");
    assert_eq!(plain["usage"]["completion_tokens"], 3);
    assert_eq!(chunks.len(), 5);

    let mut request = hello();
    request["stop"] = json!(["whole", "wide"]);
    let (plain, _) = plain_and_streamed(&emulator, request).await;
    assert_eq!(
        plain["choices"][0]["message"]["content"],
        "echo: Say hello to the "
    );
    assert_eq!(plain["choices"][0]["finish_reason"], "stop");

    let mut request = hello();
    request["max_tokens"] = json!(1);
    request["max_completion_tokens"] = json!(1);
    let (status, body) = post_json(&emulator, "/v1/chat/completions", &request).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_completion_tokens")
    );
}

fn weather_tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "get_weather", "description": "Weather now",
         "parameters": {"type": "object", "required": ["city"], "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1}}}}},
        {"type": "function", "function": {"name": "get_time", "parameters": {
            "type": "object", "properties": {"zone": {"type": "string"}}}}},
    ])
}

#[tokio::test]
async fn tools_lead_to_a_call_whose_arguments_follow_the_schema() {
    let emulator = Emulator::builder().start().await.unwrap();
    let mut request = hello();
    request["tools"] = weather_tools();
    let (plain, chunks) = plain_and_streamed(&emulator, request.clone()).await;
    let choice = &plain["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert_eq!(choice["message"]["content"], Value::Null);
    let call = &choice["message"]["tool_calls"][0];
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(call["type"], "function");
    assert_eq!(call["function"]["name"], "get_weather");
    let arguments: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(
        arguments,
        json!({"city": "Say hello to the whole wide world", "unit": "celsius", "days": 1})
    );
    // The arguments arrive in several fragments, each naming the call's index.
    let fragments: Vec<&Value> = chunks
        .iter()
        .filter_map(|chunk| chunk["choices"][0]["delta"].get("tool_calls"))
        .collect();
    assert!(fragments.len() > 3, "{fragments:?}");
    assert!(fragments.iter().all(|calls| calls[0]["index"] == 0));
    assert_eq!(fragments[0][0]["function"]["arguments"], "");

    // `tool_choice` names the second tool.
    request["tool_choice"] = json!({"type": "function", "function": {"name": "get_time"}});
    let (plain, _) = plain_and_streamed(&emulator, request.clone()).await;
    let call = &plain["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "get_time");

    // After the tool's result, `auto` answers with text.
    let mut messages = hello()["messages"].as_array().unwrap().clone();
    messages.push(json!({"role": "assistant", "content": null, "tool_calls": [call]}));
    messages.push(json!({"role": "tool", "tool_call_id": call["id"], "content": "12:00"}));
    request["messages"] = json!(messages);
    request["tool_choice"] = json!("auto");
    let (plain, _) = plain_and_streamed(&emulator, request.clone()).await;
    assert_eq!(plain["choices"][0]["finish_reason"], "stop");
    assert_eq!(
        plain["choices"][0]["message"]["content"],
        "echo: Say hello to the whole wide world"
    );

    // `none` never calls; an unknown name is a 400 naming it.
    request["tool_choice"] = json!("none");
    let (_, body) = post_json(&emulator, "/v1/chat/completions", &request).await;
    assert!(body["choices"][0]["message"].get("tool_calls").is_none());
    request["tool_choice"] = json!({"type": "function", "function": {"name": "nope"}});
    let (status, body) = post_json(&emulator, "/v1/chat/completions", &request).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`nope`")
    );
}

#[tokio::test]
async fn response_formats_produce_valid_json() {
    let emulator = Emulator::builder().start().await.unwrap();
    let mut request = hello();
    request["response_format"] = json!({"type": "json_object"});
    let (plain, _) = plain_and_streamed(&emulator, request.clone()).await;
    let content = plain["choices"][0]["message"]["content"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(content).unwrap(),
        json!({"echo": "Say hello to the whole wide world"})
    );

    request["response_format"] = json!({"type": "json_schema", "json_schema": {"name": "r",
        "schema": {"type": "object", "properties": {"ok": {"type": "boolean"},
                   "items": {"type": "array", "items": {"type": "number"}}}}}});
    let (plain, _) = plain_and_streamed(&emulator, request).await;
    let content = plain["choices"][0]["message"]["content"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(content).unwrap(),
        json!({"ok": true, "items": [1.5]})
    );
}

#[tokio::test]
async fn bad_requests_are_400s_in_the_inference_error_shape() {
    let emulator = Emulator::builder()
        .api_key("test-key")
        .start()
        .await
        .unwrap();
    let cases = [
        (
            json!({"messages": [{"role": "user", "content": "x"}]}),
            "`model` is required",
        ),
        (json!({"model": MODEL}), "`messages` is required"),
        (
            json!({"model": MODEL, "messages": []}),
            "`messages` must hold at least one message",
        ),
        (
            json!({"model": MODEL, "messages": [{"content": "x"}]}),
            "`messages[0].role` is required",
        ),
        (
            json!({"model": MODEL, "messages": [{"role": "user"}], "n": 0}),
            "`n` must be an integer from 1 to 128",
        ),
        (json!([1]), "the request body must be a JSON object"),
    ];
    for (request, message) in cases {
        let (status, body) = post_json(&emulator, "/inference/v1/chat/completions", &request).await;
        assert_eq!(status, 400, "{request}");
        assert_eq!(
            body,
            json!({"error": {"object": "error", "type": "invalid_request_error",
                             "code": "INVALID_ARGUMENT", "message": message}})
        );
    }
    // The key is checked first, by the guard, in the same shape.
    let response = support::http()
        .post(format!(
            "{}/inference/v1/chat/completions",
            emulator.base_url()
        ))
        .header("Authorization", "Bearer wrong")
        .json(&hello())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "authentication_error");
    // The inference host takes only `Bearer <key>`, on both prefixes.
    for path in ["/inference/v1/chat/completions", "/v1/chat/completions"] {
        let response = support::http()
            .post(format!("{}{path}", emulator.base_url()))
            .header("Authorization", "test-key")
            .json(&hello())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["error"]["message"],
            "the inference host expects `Authorization: Bearer <key>`"
        );
    }
}

#[tokio::test]
async fn the_failing_model_breaks_off_a_stream_with_an_error_event() {
    let emulator = Emulator::builder().start().await.unwrap();
    let mut request = hello();
    request["model"] = json!(format!("accounts/fireworks/models/{STREAM_ERROR_MODEL}"));
    let (status, body) = post_json(&emulator, "/v1/chat/completions", &request).await;
    assert_eq!(status, 500);
    assert_eq!(body["error"]["code"], "INTERNAL");
    request["stream"] = json!(true);
    let (status, _, text) = post(&emulator, "/v1/chat/completions", &request).await;
    assert_eq!(status, 200);
    assert!(!text.contains("[DONE]"), "{text}");
    let events: Vec<Value> = text
        .strip_suffix("\n\n")
        .unwrap()
        .split("\n\n")
        .map(|event| serde_json::from_str(event.strip_prefix("data: ").unwrap()).unwrap())
        .collect();
    assert_eq!(events.len(), 4);
    assert_eq!(events[2]["choices"][0]["delta"]["content"], " Say");
    assert_eq!(
        events[3],
        json!({"error": {"object": "error", "type": "internal_error", "code": "INTERNAL",
            "message": "emulated failure in the middle of generation (model emulator-stream-error)"}})
    );
}

#[tokio::test]
async fn completions_answer_each_prompt_plain_and_streamed() {
    let emulator = Emulator::builder().start().await.unwrap();
    let request = json!({"model": MODEL, "prompt": ["one two", "three"], "n": 2, "logprobs": 1});
    let (status, plain) = post_json(&emulator, "/inference/v1/completions", &request).await;
    assert_eq!(status, 200);
    assert_eq!(plain["object"], "text_completion");
    let texts: Vec<&str> = plain["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "echo: one two",
            "echo: one two",
            "echo: three",
            "echo: three"
        ]
    );
    assert_eq!(
        plain["choices"][0]["logprobs"]["tokens"],
        json!(["echo:", " one", " two"])
    );
    assert_eq!(
        plain["usage"],
        json!({"prompt_tokens": 3, "completion_tokens": 10, "total_tokens": 13})
    );

    let mut streamed = request.clone();
    streamed["stream"] = json!(true);
    let (_, _, text) = post(&emulator, "/v1/completions", &streamed).await;
    let chunks = data_events(&text);
    let mut joined = vec![String::new(); 4];
    let mut finish = vec![Value::Null; 4];
    for chunk in &chunks {
        let choice = &chunk["choices"][0];
        let index = usize::try_from(choice["index"].as_u64().unwrap()).unwrap();
        joined[index].push_str(choice["text"].as_str().unwrap());
        if !choice["finish_reason"].is_null() {
            finish[index] = choice["finish_reason"].clone();
        }
    }
    assert_eq!(joined, texts);
    assert_eq!(finish, vec![json!("stop"); 4]);
    assert_eq!(chunks.last().unwrap()["usage"], plain["usage"]);

    let (status, body) = post_json(&emulator, "/v1/completions", &json!({"model": MODEL})).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "`prompt` is required");
}

#[tokio::test]
async fn embeddings_are_deterministic_vectors_of_the_asked_length() {
    let emulator = Emulator::builder().start().await.unwrap();
    let request =
        json!({"model": "nomic-ai/nomic-embed-text-v1.5", "input": ["a b", "c"], "dimensions": 16});
    let (status, body) = post_json(&emulator, "/inference/v1/embeddings", &request).await;
    assert_eq!(status, 200);
    assert_eq!(body["object"], "list");
    assert_eq!(
        body["usage"],
        json!({"prompt_tokens": 3, "total_tokens": 3})
    );
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[1]["object"], "embedding");
    assert_eq!(data[1]["index"], 1);
    let first = data[0]["embedding"].as_array().unwrap();
    assert_eq!(first.len(), 16);
    assert!(
        first
            .iter()
            .all(|x| (-1.0..1.0).contains(&x.as_f64().unwrap()))
    );
    assert_ne!(data[0]["embedding"], data[1]["embedding"]);
    // A string input is the same vector as in the list; the default length is 768.
    let (_, single) = post_json(
        &emulator,
        "/v1/embeddings",
        &json!({"model": "m", "input": "a b", "dimensions": 16}),
    )
    .await;
    assert_eq!(single["data"][0]["embedding"], data[0]["embedding"]);
    let (_, default) = post_json(
        &emulator,
        "/v1/embeddings",
        &json!({"model": "m", "input": "a"}),
    )
    .await;
    assert_eq!(
        default["data"][0]["embedding"].as_array().unwrap().len(),
        768
    );
    // normalize: unit length.
    let (_, unit) = post_json(
        &emulator,
        "/v1/embeddings",
        &json!({"model": "m", "input": "a", "normalize": true}),
    )
    .await;
    let norm: f64 = unit["data"][0]["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap().powi(2))
        .sum();
    assert!((norm - 1.0).abs() < 1e-9, "{norm}");
    // base64: the same numbers as little-endian f32.
    let (_, encoded) = post_json(
        &emulator,
        "/v1/embeddings",
        &json!({"model": "m", "input": "a b", "dimensions": 16, "encoding_format": "base64"}),
    )
    .await;
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded["data"][0]["embedding"].as_str().unwrap())
        .unwrap();
    let floats: Vec<f64> = bytes
        .chunks_exact(4)
        .map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        .collect();
    let expected: Vec<f64> = first.iter().map(|x| x.as_f64().unwrap()).collect();
    assert_eq!(floats, expected);
    let (status, body) = post_json(&emulator, "/v1/embeddings", &json!({"model": "m"})).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["message"], "`input` is required");
}

#[tokio::test]
async fn rerank_orders_documents_by_shared_words() {
    let emulator = Emulator::builder().start().await.unwrap();
    let request = json!({"model": "m", "query": "red apple",
        "documents": ["a blue car", "a red apple", "apple pie"], "top_n": 2});
    let (status, body) = post_json(&emulator, "/inference/v1/rerank", &request).await;
    assert_eq!(status, 200);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["index"], 1);
    assert_eq!(results[0]["text"], "a red apple");
    assert_eq!(results[1]["index"], 2);
    assert!(results[0]["relevance_score"].as_f64() > results[1]["relevance_score"].as_f64());
}

#[tokio::test]
async fn messages_answer_in_the_anthropic_shape_plain_and_streamed() {
    let emulator = Emulator::builder().start().await.unwrap();
    let request = json!({"model": MODEL, "max_tokens": 64, "system": "Be brief.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi there"}]}]});
    let (status, body) = post_json(&emulator, "/inference/v1/messages", &request).await;
    assert_eq!(status, 200);
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with("msg_"));
    assert_eq!(
        body,
        json!({"id": id, "type": "message", "role": "assistant", "model": MODEL,
               "content": [{"type": "text", "text": "echo: hi there"}],
               "stop_reason": "end_turn", "stop_sequence": null,
               "usage": {"input_tokens": 5, "output_tokens": 3}})
    );

    let mut streamed = request.clone();
    streamed["stream"] = json!(true);
    let (_, headers, text) = post(&emulator, "/v1/messages", &streamed).await;
    assert_eq!(headers["content-type"], "text/event-stream");
    let events: Vec<(&str, Value)> = text
        .strip_suffix("\n\n")
        .unwrap()
        .split("\n\n")
        .map(|event| {
            let (name, data) = event.split_once('\n').unwrap();
            let name = name.strip_prefix("event: ").unwrap();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            assert_eq!(data["type"], name);
            (name, data)
        })
        .collect();
    let names: Vec<&str> = events.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    let joined: String = events
        .iter()
        .filter_map(|(_, data)| data["delta"]["text"].as_str())
        .collect();
    assert_eq!(joined, "echo: hi there");
    assert_eq!(events[7].1["delta"]["stop_reason"], "end_turn");

    let mut tools = request.clone();
    tools["tools"] = json!([{"name": "lookup", "input_schema": {"type": "object",
        "properties": {"q": {"type": "string"}}}}]);
    let (_, body) = post_json(&emulator, "/v1/messages", &tools).await;
    assert_eq!(body["stop_reason"], "tool_use");
    assert_eq!(body["content"][0]["type"], "tool_use");
    assert_eq!(body["content"][0]["input"], json!({"q": "hi there"}));

    let (status, body) = post_json(&emulator, "/v1/messages", &json!({"model": MODEL})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"type": "error", "error": {"type": "invalid_request_error",
                                          "message": "`messages` is required"}})
    );
}

#[tokio::test]
async fn the_openai_model_list_serves_the_public_catalog() {
    let emulator = Emulator::builder().start().await.unwrap();
    for path in ["/inference/v1/models", "/v1/models"] {
        let (status, body) = support::get(&emulator, path, Some("Bearer k")).await;
        assert_eq!(status, 200);
        assert_eq!(body["object"], "list");
        let first = &body["data"][0];
        assert_eq!(first["id"], MODEL);
        assert_eq!(first["object"], "model");
        assert_eq!(first["owned_by"], "fireworks");
        assert_eq!(first["supports_chat"], true);
        assert_eq!(first["context_length"], 131_072);
        assert_eq!(body["data"][1]["supports_chat"], false);
    }
}

#[tokio::test]
async fn the_failing_model_breaks_off_completions_and_messages_streams_too() {
    let emulator = Emulator::builder().start().await.unwrap();
    let request = json!({"model": STREAM_ERROR_MODEL, "prompt": "a b c d", "stream": true});
    let (status, _, text) = post(&emulator, "/v1/completions", &request).await;
    assert_eq!(status, 200);
    let last = text
        .strip_suffix("\n\n")
        .unwrap()
        .rsplit("\n\n")
        .next()
        .unwrap();
    let last: Value = serde_json::from_str(last.strip_prefix("data: ").unwrap()).unwrap();
    assert_eq!(last["error"]["code"], "INTERNAL");
    assert!(!text.contains("[DONE]"));

    let request = json!({"model": STREAM_ERROR_MODEL, "max_tokens": 9, "stream": true,
        "messages": [{"role": "user", "content": "a b c d"}]});
    let (status, _, text) = post(&emulator, "/v1/messages", &request).await;
    assert_eq!(status, 200);
    assert!(!text.contains("message_stop"), "{text}");
    assert!(
        text.ends_with(
            "event: error\ndata: {\"error\":{\"message\":\"emulated failure in the middle of generation (model emulator-stream-error)\",\"type\":\"api_error\"},\"type\":\"error\"}\n\n"
        ),
        "{text}"
    );
    let mut plain = request.clone();
    plain["stream"] = json!(false);
    let (status, body) = post_json(&emulator, "/v1/messages", &plain).await;
    assert_eq!(status, 500);
    assert_eq!(body["type"], "error");
}

#[tokio::test]
async fn the_generated_list_models_call_reads_the_emulator() {
    let emulator = Emulator::builder()
        .api_key("test-key")
        .start()
        .await
        .unwrap();
    // Installs the crypto provider reqwest needs even for plain HTTP.
    let _ = support::http();
    let client = fireworks_ai::Client::builder()
        .api_key("test-key")
        .base_url(
            fireworks_ai::models::INFERENCE,
            &format!("{}/inference", emulator.base_url()),
        )
        .build()
        .unwrap();
    let list = client.models().list_models().await.unwrap();
    assert_eq!(list.object.as_deref(), Some("list"));
    assert_eq!(list.data[0].id, MODEL);
    assert_eq!(list.data[0].supports_tools, Some(true));
    assert_eq!(list.data.len(), 2);
    let request = emulator.requests().pop().unwrap();
    assert_eq!(request.path, "/inference/v1/models");
    assert_eq!(request.authorization.as_deref(), Some("Bearer test-key"));
}
