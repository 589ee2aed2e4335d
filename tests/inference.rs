//! The generated inference calls on the wire, against the scripted raw-TCP server on
//! 127.0.0.1: chat requests with role-tagged messages and untagged content, `stop` and
//! `tool_choice` unions; plain responses that keep unknown fields and shapes; streamed chat,
//! completions and messages (SSE framing, `[DONE]`, `ping`, `message_stop`, error events) and
//! `stream_collect` merging chunks into the plain response.

// Test code: a failed unwrap is a failed test, and the shared helpers outside `#[test]`
// functions are not covered by clippy's allow-*-in-tests settings.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use fireworks_ai_test_support as support;

use fireworks_ai::inference::{
    AnthropicMessage, AssistantMessage, BlockDelta, ChatCompletionRequest, ChatMessage,
    CompletionRequest, ContentBlock, ContentPart, INFERENCE, ImagePart, ImageUrl, Logprobs,
    MessageContent, MessageEvent, MessageRequest, Prompt, ResponseFormat, ResponseFormatType, Stop,
    SystemMessage, TextPart, ToolChoice, ToolChoiceMode, UserMessage,
};
use fireworks_ai::{Client, Error, StreamErrorKind};
use futures_util::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use support::{Reply, Resp, TestServer, bounded};

const KEY: &str = "fw_KEY";

fn client(server: &TestServer) -> Client {
    Client::builder()
        .api_key(KEY)
        .base_url(INFERENCE, &format!("{}/inference", server.url()))
        .max_retries(0)
        .build()
        .unwrap()
}

fn sse(body: &str) -> Reply {
    Reply::Respond(Resp::typed(200, "text/event-stream", body))
}

fn chat_request() -> ChatCompletionRequest {
    ChatCompletionRequest::new(
        "accounts/fireworks/models/m",
        vec![
            ChatMessage::System(SystemMessage::new("be brief")),
            ChatMessage::User(UserMessage::new(MessageContent::Parts(vec![
                ContentPart::Text(TextPart::new("what is this?")),
                ContentPart::ImageUrl(ImagePart::new(ImageUrl::new("data:image/png;base64,AA"))),
            ]))),
        ],
    )
}

fn body_json(server: &TestServer, index: usize) -> Value {
    serde_json::from_slice(&server.requests()[index].body).unwrap()
}

const CHAT_RESPONSE: &str = r#"{"id":"c1","object":"chat.completion","created":1700000000,
  "model":"m","new_top_level":1,
  "choices":[{"index":0,"finish_reason":"stop",
    "message":{"role":"assistant","content":"hi","future":true},
    "logprobs":{"content":[{"token":"hi","logprob":-0.5,"top_logprobs":[]}]}}],
  "usage":{"prompt_tokens":3,"total_tokens":4,"completion_tokens":1}}"#;

#[tokio::test]
async fn chat_sends_tagged_messages_and_unions_and_keeps_unknown_fields() {
    bounded(async {
        let server = TestServer::always(Reply::Respond(Resp::json(200, CHAT_RESPONSE))).await;
        let client = client(&server);
        let body = chat_request()
            .stop(["END", "STOP"].map(String::from).to_vec())
            .tool_choice(ToolChoice::Mode(ToolChoiceMode::Required))
            .response_format(
                ResponseFormat::new(ResponseFormatType::Grammar).grammar("root ::= \"x\""),
            )
            .seed(7)
            .prompt_truncate_len(100)
            .perf_metrics_in_response(true);
        let reply = client
            .inference()
            .create_chat_completion(body)
            .x_session_affinity("user-42")
            .await
            .unwrap();

        let request = &server.requests()[0];
        assert_eq!(
            request.request_line,
            "POST /inference/v1/chat/completions HTTP/1.1"
        );
        assert_eq!(request.header("authorization"), Some("Bearer fw_KEY"));
        assert_eq!(request.header("x-session-affinity"), Some("user-42"));
        assert_eq!(request.header("accept"), Some("application/json"));
        let sent = body_json(&server, 0);
        assert_eq!(sent.get("stream"), None, "send leaves the flag unset");
        assert_eq!(
            sent["messages"],
            json!([
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": [
                    {"type": "text", "text": "what is this?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}}
                ]}
            ])
        );
        assert_eq!(sent["stop"], json!(["END", "STOP"]));
        assert_eq!(sent["tool_choice"], "required");
        assert_eq!(
            sent["response_format"],
            json!({"type": "grammar", "grammar": "root ::= \"x\""})
        );
        assert_eq!(sent["seed"], 7);
        assert_eq!(sent["prompt_truncate_len"], 100);

        assert_eq!(reply.id, "c1");
        assert_eq!(reply.extra["new_top_level"], 1);
        let choice = &reply.choices[0];
        assert_eq!(
            choice.message.content,
            Some(MessageContent::Text("hi".into()))
        );
        assert_eq!(choice.message.extra["future"], true);
        let Some(Logprobs::New(logprobs)) = &choice.logprobs else {
            panic!("{:?}", choice.logprobs)
        };
        assert_eq!(logprobs.content[0].logprob, -0.5);
        assert_eq!(reply.usage.as_ref().unwrap().completion_tokens, Some(1));
    })
    .await;
}

#[tokio::test]
async fn a_stream_flag_set_by_hand_is_cleared_by_send() {
    bounded(async {
        let server = TestServer::always(Reply::Respond(Resp::json(200, CHAT_RESPONSE))).await;
        let client = client(&server);
        let mut body = chat_request();
        body.stream = Some(true);
        client
            .inference()
            .create_chat_completion(body)
            .await
            .unwrap();
        assert_eq!(body_json(&server, 0).get("stream"), None);
    })
    .await;
}

#[test]
fn unions_round_trip_unknown_shapes() {
    let text = r#"[{"role":"user","content":[{"type":"audio_url","audio_url":{"url":"u"}},{"text":"t","type":"text"}]},{"role":"developer","content":"x"},{"content":"hi","role":"assistant"}]"#;
    let messages: Vec<ChatMessage> = serde_json::from_str(text).unwrap();
    let ChatMessage::User(user) = &messages[0] else {
        panic!("{:?}", messages[0])
    };
    let MessageContent::Parts(parts) = &user.content else {
        panic!("{:?}", user.content)
    };
    assert!(matches!(&parts[0], ContentPart::Other(v) if v["audio_url"]["url"] == "u"));
    assert_eq!(parts[0].tag(), Some("audio_url"));
    assert!(matches!(&parts[1], ContentPart::Text(t) if t.text == "t"));
    assert!(matches!(&messages[1], ChatMessage::Other(v) if v["role"] == "developer"));
    assert!(matches!(&messages[2], ChatMessage::Assistant(_)));
    let back: Value = serde_json::to_value(&messages).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(text).unwrap());

    let stop: Stop = serde_json::from_str(r#""x""#).unwrap();
    assert_eq!(stop, Stop::One("x".into()));
    let odd: Stop = serde_json::from_str("42").unwrap();
    assert_eq!(odd, Stop::Other(json!(42)));
    assert_eq!(serde_json::to_string(&odd).unwrap(), "42");
    let prompt: Prompt = serde_json::from_str("[[1,2],[3]]").unwrap();
    assert_eq!(prompt, Prompt::TokenLists(vec![vec![1, 2], vec![3]]));
    let choice: ToolChoice =
        serde_json::from_str(r#"{"type":"function","function":{"name":"f"}}"#).unwrap();
    assert!(
        matches!(choice, ToolChoice::Function(ref f) if f.function.as_ref().unwrap().name == "f")
    );
    let a_part_of_the_wrong_shape = serde_json::from_str::<ContentPart>(r#"{"type":"text"}"#);
    assert!(
        a_part_of_the_wrong_shape.is_err(),
        "a known tag must have its variant's fields"
    );
}

const CHAT_STREAM: &str = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\n\n\
: keep-alive\n\n\
event: ping\ndata: {}\n\n\
data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"total_tokens\":5,\"completion_tokens\":2}}\n\n\
data: [DONE]\n\n";

#[tokio::test]
async fn chat_streams_chunks_until_done() {
    bounded(async {
        let server = TestServer::always(sse(CHAT_STREAM)).await;
        let client = client(&server);
        let stream = client
            .inference()
            .create_chat_completion(chat_request())
            .x_multi_turn_session_id("s1")
            .stream()
            .await
            .unwrap();
        assert_eq!(stream.meta().status().as_u16(), 200);
        let tokens: Vec<String> = stream
            .map_ok(|chunk| {
                chunk.choices[0]
                    .delta
                    .content
                    .clone()
                    .map(|c| match c {
                        MessageContent::Text(t) => t,
                        other => panic!("{other:?}"),
                    })
                    .unwrap_or_default()
            })
            .try_collect()
            .await
            .unwrap();
        assert_eq!(tokens, ["Hel", "lo"]);
        let request = &server.requests()[0];
        assert_eq!(request.header("accept"), Some("text/event-stream"));
        assert_eq!(request.header("x-multi-turn-session-id"), Some("s1"));
        assert_eq!(body_json(&server, 0)["stream"], true);
    })
    .await;
}

#[tokio::test]
async fn stream_collect_merges_chunks_into_the_plain_response() {
    bounded(async {
        let server = TestServer::always(sse(CHAT_STREAM)).await;
        let client = client(&server);
        let whole = client
            .inference()
            .create_chat_completion(chat_request())
            .stream_collect()
            .await
            .unwrap();
        assert_eq!(whole.object.as_deref(), Some("chat.completion"));
        let message: &AssistantMessage = &whole.choices[0].message;
        assert_eq!(message.content, Some(MessageContent::Text("Hello".into())));
        assert_eq!(message.role.as_deref(), Some("assistant"));
        assert_eq!(whole.choices[0].finish_reason.as_deref(), Some("stop"));
        assert_eq!(whole.usage.as_ref().unwrap().total_tokens, 5);
    })
    .await;
}

#[tokio::test]
async fn an_error_event_mid_stream_is_a_typed_error_without_the_key() {
    bounded(async {
        let body = "data: {\"id\":\"c\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n\
data: {\"error\":{\"object\":\"error\",\"type\":\"internal_error\",\"message\":\"overloaded for fw_KEY\"}}\n\n";
        let server = TestServer::always(sse(body)).await;
        let client = client(&server);
        let mut stream = client
            .inference()
            .create_chat_completion(chat_request())
            .stream()
            .await
            .unwrap();
        assert!(stream.next().await.unwrap().is_ok());
        let err = stream.next().await.unwrap().unwrap_err();
        let Error::Stream(e) = &err else { panic!("{err:?}") };
        assert_eq!(e.delivered(), 1);
        assert!(matches!(e.kind(), StreamErrorKind::Event { error_type: Some(t), .. } if t == "internal_error"));
        assert!(e.message().unwrap().starts_with("overloaded for "));
        assert!(!format!("{err} {err:?}").contains(KEY));
        assert!(stream.next().await.is_none());
    })
    .await;
}

#[tokio::test]
async fn a_refused_stream_is_a_status_error_before_any_chunk() {
    bounded(async {
        let body =
            r#"{"error":{"object":"error","type":"invalid_request_error","message":"bad model"}}"#;
        let server = TestServer::always(Reply::Respond(Resp::json(400, body))).await;
        let client = client(&server);
        let err = client
            .inference()
            .create_chat_completion(chat_request())
            .stream()
            .await
            .unwrap_err();
        let Error::Status(status) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(status.meta().status().as_u16(), 400);
        assert_eq!(status.message(), Some("bad model"));
    })
    .await;
}

#[tokio::test]
async fn completions_stream_and_collect_text() {
    bounded(async {
        let body = "data: {\"id\":\"x\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\"Once\"}]}\n\n\
data: {\"id\":\"x\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\" upon\",\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":1,\"total_tokens\":3}}\n\n\
data: [DONE]\n\n";
        let server = TestServer::always(sse(body)).await;
        let client = client(&server);
        let whole = client
            .inference()
            .create_completion(CompletionRequest::new("m", Prompt::Text("Hi".into())))
            .stream_collect()
            .await
            .unwrap();
        assert_eq!(whole.choices[0].text, "Once upon");
        assert_eq!(whole.usage.unwrap().total_tokens, 3);
        assert_eq!(server.requests()[0].request_line, "POST /inference/v1/completions HTTP/1.1");
        assert_eq!(body_json(&server, 0)["prompt"], "Hi");
    })
    .await;
}

#[tokio::test]
async fn messages_stream_named_events_until_message_stop() {
    bounded(async {
        let body = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\",\"content\":[]}}\n\n\
event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
event: ping\ndata: {\"type\":\"ping\"}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"citations_delta\",\"x\":1}}\n\n\
event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        let server = TestServer::always(sse(body)).await;
        let client = client(&server);
        let request = MessageRequest::new(
            "m",
            vec![AnthropicMessage::new("user", "hello")],
        )
        .max_tokens(16);
        let events: Vec<MessageEvent> = client
            .inference()
            .create_message(request)
            .stream()
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(events.len(), 4, "{events:?}");
        assert!(matches!(&events[0], MessageEvent::MessageStart(s) if s.message.id == "m1"));
        assert!(matches!(&events[1], MessageEvent::ContentBlockStart(s) if matches!(s.content_block, ContentBlock::Text(_))));
        assert!(matches!(&events[2], MessageEvent::ContentBlockDelta(d) if matches!(&d.delta, BlockDelta::TextDelta(t) if t.text == "Hi")));
        assert!(matches!(&events[3], MessageEvent::ContentBlockDelta(d) if matches!(&d.delta, BlockDelta::Other(_))));
        assert_eq!(server.requests()[0].request_line, "POST /inference/v1/messages HTTP/1.1");
        assert_eq!(body_json(&server, 0)["messages"], json!([{"role": "user", "content": "hello"}]));
    })
    .await;
}
