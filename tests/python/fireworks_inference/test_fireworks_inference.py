"""The official `fireworks-ai` 1.2.30 SDK (Stainless) with its base URL pointed at the
emulator: it then calls `/v1/chat/completions`, `/v1/completions` and `/v1/messages` without
`/inference`, which the emulator serves too.

Like the `openai` SDK it builds response objects without validation, so each plain JSON body is
also validated with the SDK's own pydantic types (`model_validate`).
"""

import asyncio
import json

import fireworks
import pytest
from fireworks import AsyncFireworks, Fireworks
from fireworks.types import CompletionCreateResponse as TextCompletion
from fireworks.types import MessageCreateResponse
from fireworks.types.chat import ChatCompletionChunk, CompletionCreateResponse

import fwemu

MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"
MESSAGES = [{"role": "user", "content": "Say hello to the whole wide world"}]
ECHO = "echo: Say hello to the whole wide world"


@pytest.fixture(scope="module")
def client(emulator):
    return Fireworks(api_key=fwemu.KEY, base_url=emulator.url, max_retries=0)


def test_chat_plain_on_the_path_without_inference(client, emulator):
    before = len(emulator.stderr)
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)
    assert raw.http_request.url.path == "/v1/chat/completions"
    assert raw.http_request.headers["authorization"] == f"Bearer {fwemu.KEY}"
    CompletionCreateResponse.model_validate(raw.http_response.json())
    completion = raw.parse()
    assert isinstance(completion, CompletionCreateResponse)
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == ECHO
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage.total_tokens == 16
    assert len(emulator.stderr) == before


def test_chat_stream_joins_to_the_plain_reply(client):
    plain = client.chat.completions.create(
        model=MODEL, messages=MESSAGES, perf_metrics_in_response=True
    )
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=MESSAGES, perf_metrics_in_response=True, stream=True
        )
    )
    assert len(chunks) > 3
    for chunk in chunks:
        assert isinstance(chunk, ChatCompletionChunk)
        ChatCompletionChunk.model_validate(chunk.model_dump())
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == plain.choices[0].message.content == ECHO
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage == plain.usage
    assert chunks[-1].perf_metrics == plain.perf_metrics
    assert plain.perf_metrics["prompt-tokens"] == 8


def test_chat_tool_call(client):
    tools = [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
            },
        }
    ]
    completion = client.chat.completions.create(model=MODEL, messages=MESSAGES, tools=tools)
    [call] = completion.choices[0].message.tool_calls
    assert call.function.name == "lookup"
    assert json.loads(call.function.arguments) == {"q": "Say hello to the whole wide world"}
    streamed = "".join(
        tool.function.arguments or ""
        for chunk in client.chat.completions.create(
            model=MODEL, messages=MESSAGES, tools=tools, stream=True
        )
        for tool in chunk.choices[0].delta.tool_calls or []
    )
    assert streamed == call.function.arguments


def test_async_chat_stream(emulator):
    async def run():
        async with AsyncFireworks(api_key=fwemu.KEY, base_url=emulator.url, max_retries=0) as client:
            stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
            return "".join([chunk.choices[0].delta.content or "" async for chunk in stream])

    assert asyncio.run(run()) == ECHO


def test_completions_plain_and_streamed(client):
    raw = client.completions.with_raw_response.create(model=MODEL, prompt="Once upon")
    assert raw.http_request.url.path == "/v1/completions"
    TextCompletion.model_validate(raw.http_response.json())
    plain = raw.parse()
    assert plain.choices[0].text == "echo: Once upon"
    chunks = list(client.completions.create(model=MODEL, prompt="Once upon", stream=True))
    assert "".join(chunk.choices[0].text for chunk in chunks) == plain.choices[0].text


def test_messages_plain(client):
    raw = client.messages.with_raw_response.create(model=MODEL, max_tokens=32, messages=MESSAGES)
    assert raw.http_request.url.path == "/v1/messages"
    MessageCreateResponse.model_validate(raw.http_response.json())
    message = raw.parse()
    assert message.stop_reason == "end_turn"
    assert message.content[0].text == ECHO


def test_errors_map_to_sdk_exceptions(client, emulator):
    with pytest.raises(fireworks.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=[])
    assert caught.value.body["error"]["message"] == "`messages` must hold at least one message"
    bad_key = Fireworks(api_key="wrong", base_url=emulator.url, max_retries=0)
    with pytest.raises(fireworks.AuthenticationError):
        bad_key.chat.completions.create(model=MODEL, messages=MESSAGES)
