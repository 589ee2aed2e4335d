"""The `openai` SDK's inference calls against the emulator at `<emulator>/inference/v1`, as the
Fireworks docs show it: chat (plain and streamed, tools, JSON mode, logprobs), completions,
embeddings and the model list.

The SDK builds its response objects without validation, so each plain JSON body is also
validated with the SDK's own pydantic types (`model_validate`), which reject a missing required
field or a value outside a `Literal`.
"""

import json

import openai
import pytest
from openai.types import Completion, CreateEmbeddingResponse, Model
from openai.types.chat import ChatCompletion, ChatCompletionChunk

import fwemu

MODEL = "accounts/fireworks/models/llama-v3p1-8b-instruct"
MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Say hello to the whole wide world"},
]
ECHO = "echo: Say hello to the whole wide world"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["city"],
            },
        },
    }
]


@pytest.fixture(scope="module")
def client(emulator):
    return openai.OpenAI(
        api_key=fwemu.KEY, base_url=f"{emulator.url}/inference/v1", max_retries=0
    )


def plain_chat(client, **kwargs):
    raw = client.chat.completions.with_raw_response.create(model=MODEL, **kwargs)
    assert raw.http_response.status_code == 200
    assert raw.http_response.headers["x-request-id"].startswith("chatcmpl-")
    ChatCompletion.model_validate(raw.http_response.json())
    return raw.parse()


def test_chat_plain(client):
    completion = plain_chat(client, messages=MESSAGES)
    assert isinstance(completion, ChatCompletion)
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    assert len(completion.choices) == 1
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == ECHO
    assert completion.usage.prompt_tokens == 11
    assert completion.usage.completion_tokens == 8
    assert completion.usage.total_tokens == 19


def test_chat_stream_joins_to_the_plain_reply(client):
    plain = plain_chat(client, messages=MESSAGES, n=2, max_tokens=4)
    chunks = list(
        client.chat.completions.create(model=MODEL, messages=MESSAGES, n=2, max_tokens=4, stream=True)
    )
    assert len(chunks) > 4
    for chunk in chunks:
        assert isinstance(chunk, ChatCompletionChunk)
        ChatCompletionChunk.model_validate(chunk.model_dump(exclude_unset=True))
    assert all(chunk.id == plain.id for chunk in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    for choice in plain.choices:
        deltas = [c.choices[0] for c in chunks if c.choices and c.choices[0].index == choice.index]
        assert "".join(d.delta.content or "" for d in deltas) == choice.message.content
        assert [d.finish_reason for d in deltas if d.finish_reason] == ["length"]
    assert plain.choices[0].message.content == "echo: Say hello to"
    # Fireworks sends usage in the last chunk, without `stream_options`.
    assert chunks[-1].usage == plain.usage
    assert all(chunk.usage is None for chunk in chunks[:-1])


def test_chat_stream_with_the_context_manager_and_stop(client):
    with client.chat.completions.create(
        model=MODEL, messages=MESSAGES, stop=["wide"], stream=True
    ) as stream:
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == "echo: Say hello to the whole "


def test_chat_tool_call_plain_and_streamed(client):
    plain = plain_chat(client, messages=MESSAGES, tools=TOOLS)
    choice = plain.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {
        "city": "Say hello to the whole wide world",
        "unit": "celsius",
    }

    arguments, ids, names = "", set(), set()
    for chunk in client.chat.completions.create(
        model=MODEL, messages=MESSAGES, tools=TOOLS, stream=True
    ):
        for delta_call in chunk.choices[0].delta.tool_calls or []:
            assert delta_call.index == 0
            arguments += delta_call.function.arguments or ""
            ids.add(delta_call.id)
            names.add(delta_call.function.name)
    assert arguments == call.function.arguments
    assert ids - {None} == {call.id}
    assert names - {None} == {"get_weather"}

    # The tool's result closes the loop with a text answer.
    follow = plain_chat(
        client,
        messages=MESSAGES
        + [
            choice.message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
        ],
        tools=TOOLS,
    )
    assert follow.choices[0].finish_reason == "stop"
    assert follow.choices[0].message.content == ECHO


def test_chat_json_mode_and_logprobs(client):
    plain = plain_chat(
        client, messages=MESSAGES, response_format={"type": "json_object"}, logprobs=True, top_logprobs=2
    )
    content = plain.choices[0].message.content
    assert json.loads(content) == {"echo": "Say hello to the whole wide world"}
    logprobs = plain.choices[0].logprobs.content
    assert "".join(entry.token for entry in logprobs) == content
    assert all(len(entry.top_logprobs) == 2 for entry in logprobs)


def test_chat_mid_stream_error_raises(client):
    stream = client.chat.completions.create(
        model="accounts/fireworks/models/emulator-stream-error", messages=MESSAGES, stream=True
    )
    received = []
    with pytest.raises(openai.APIError, match="emulated failure"):
        for chunk in stream:
            received.append(chunk.choices[0].delta.content)
    assert received == ["echo:", " Say"] or received == [None, "echo:", " Say"]


def test_chat_errors_map_to_sdk_exceptions(client, emulator):
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model=MODEL, messages=[])
    assert caught.value.body["message"] == "`messages` must hold at least one message"
    bad_key = openai.OpenAI(api_key="wrong", base_url=f"{emulator.url}/inference/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad_key.chat.completions.create(model=MODEL, messages=MESSAGES)


def test_completions_plain_and_streamed(client):
    raw = client.completions.with_raw_response.create(model=MODEL, prompt="Once upon", max_tokens=16)
    Completion.model_validate(raw.http_response.json())
    plain = raw.parse()
    assert plain.choices[0].text == "echo: Once upon"
    assert plain.choices[0].finish_reason == "stop"
    assert plain.usage.total_tokens == plain.usage.prompt_tokens + plain.usage.completion_tokens
    chunks = list(client.completions.create(model=MODEL, prompt="Once upon", max_tokens=16, stream=True))
    assert len(chunks) > 2
    for chunk in chunks[-1:]:
        Completion.model_validate(chunk.model_dump(exclude_unset=True))
    assert "".join(chunk.choices[0].text for chunk in chunks) == plain.choices[0].text
    assert chunks[-1].usage == plain.usage


def test_embeddings_float_and_default_base64(client):
    # The SDK asks for base64 by default and decodes it; `float` comes back as numbers.
    default = client.embeddings.create(model="nomic-ai/nomic-embed-text-v1.5", input=["a b", "c"], dimensions=8)
    raw = client.embeddings.with_raw_response.create(
        model="nomic-ai/nomic-embed-text-v1.5", input=["a b", "c"], dimensions=8, encoding_format="float"
    )
    CreateEmbeddingResponse.model_validate(raw.http_response.json())
    floats = raw.parse()
    assert [len(item.embedding) for item in floats.data] == [8, 8]
    assert [item.index for item in floats.data] == [0, 1]
    for decoded, exact in zip(default.data, floats.data):
        assert decoded.embedding == pytest.approx(exact.embedding, abs=1e-6)
    assert floats.data[0].embedding != floats.data[1].embedding
    again = client.embeddings.create(model="m", input="a b", dimensions=8, encoding_format="float")
    assert again.data[0].embedding == floats.data[0].embedding
    assert floats.usage.prompt_tokens == 3


def test_model_list(client):
    models = list(client.models.list())
    assert [model.id for model in models] == [
        MODEL,
        "accounts/fireworks/models/whisper-v3",
    ]
    for model in models:
        assert isinstance(model, Model)
        Model.model_validate(model.model_dump())
        assert model.owned_by == "fireworks"
