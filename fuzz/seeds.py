#!/usr/bin/env python3
"""Writes the hand-made seed corpus under fuzz/corpus/<target>/ (run from anywhere).

Seeds are deterministic; inputs found by the fuzzer are added by hand beside them with a
`found-` prefix and are not touched by this script. Keep the whole corpus under 200 KB.
"""
import os, pathlib

ROOT = pathlib.Path(__file__).resolve().parent
REPO = ROOT.parent
CORPUS = ROOT / "corpus"


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    (d / name).write_bytes(data)


# ---- spec_parser -------------------------------------------------------------------------
def spec(name, text):
    write("spec_parser", name, text)


real = (REPO / "spec" / "audio-batch.yaml").read_text()
# corpus/spec_parser/audio-batch.yaml is the spec before it had imports; this is the one with them.
spec("real-audio-batch-imports.yaml", real)
spec("imports-missing-and-self.yaml", "version: 1\narea: imp\nimports:\n  a: nope.yaml\n  b: fuzz.yaml\n  c: ../spec/audio.yaml\n  d: ''\n")
for f in ["auth-schemes", "collections", "params"]:
    spec(f"ok-{f}.yaml", (REPO / "tests/fixtures/ok" / f"{f}.yaml").read_text())
for f in ["yaml-syntax", "several-errors", "unknown-type-ref", "duplicate-operation-id"]:
    spec(f"err-{f}.yaml", (REPO / "tests/fixtures/err" / f"{f}.yaml").read_text())
spec("truncated-mid-key.yaml", real[: len(real) // 2])
spec("empty.yaml", "")
spec("crlf-line-endings.yaml", real.replace("\n", "\r\n"))
spec("lone-cr-line-endings.yaml", "version: 1\rarea: demo\rtypes:\r  T: {kind: obj}\r")
spec("bom-and-tabs.yaml", "\ufeffversion: 1\narea: demo\ntypes:\n\tT: {kind: object}\n")
# Small alias bombs: nine levels of nine, expanded inside values the model accepts or rejects.
bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
for i in range(1, 9):
    bomb.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 9) + "]")
spec("alias-bomb-top.yaml", "version: 1\narea: bomb\n" + "\n".join(bomb) + "\n")
spec(
    "alias-bomb-in-types.yaml",
    "version: 1\narea: bomb\ntypes:\n"
    + "  T0: &t0 {kind: object, fields: {f: {type: string}}}\n"
    + "".join(f"  T{i}: &t{i} {{kind: object, fields: {{a: *t{i-1}, b: *t{i-1}, c: *t{i-1}}}}}\n" for i in range(1, 10)),
)
spec(
    "alias-merge-keys.yaml",
    "version: 1\narea: demo\nservers:\n  main: &s {url: 'https://x.test', auth: raw}\n  other:\n    <<: *s\n    url: https://y.test\n",
)
spec("deep-flow-sequence.yaml", "version: 1\narea: deep\ntypes: " + "[" * 2000 + "]" * 2000 + "\n")
spec("deep-flow-mapping.yaml", "version: 1\narea: deep\ntypes: " + "{a: " * 1000 + "b" + "}" * 1000 + "\n")
spec(
    "deep-block-mapping.yaml",
    "version: 1\narea: deep\ntypes:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(300)),
)
spec(
    "odd-unicode-names.yaml",
    "version: 1\narea: ünïcode\ntypes:\n  Straße:\n    kind: object\n    fields:\n      ı: {type: string}\n      \u200dzwj: {type: string}\n      e\u0301: {type: string}\n  \u202eRTL: {kind: enum, values: {\U0001f600: {}}}\n",
)
spec("keyword-and-empty-names.yaml", "version: 1\narea: self\ntypes:\n  Self: {kind: object, fields: {crate: {type: string}, _: {type: string}, '': {type: string}, super: {type: i64}}}\n")
spec("huge-numbers.yaml", "version: 99999999999999999999999999\narea: 1e400\ntypes:\n  T: {kind: object, fields: {f: {type: string, default: -0}}}\n")
spec("nan-and-tags.yaml", "version: .nan\narea: !!binary aGVsbG8=\ntypes: !custom {T: {kind: object}}\n")
spec("multi-document.yaml", "version: 1\narea: one\n---\nversion: 1\narea: two\n...\n")
spec("duplicate-keys.yaml", "version: 1\narea: demo\narea: demo2\ntypes:\n  T: {kind: object}\n  T: {kind: enum}\n")
spec("nul-and-controls.yaml", "version: 1\narea: \"a\\0b\"\ndescription: \"\x07\x1b[31m\"\n")


# ---- embedded_body: first line = content type (NONE = absent), rest = body ----------------
def emb(name, content_type, body):
    data = (content_type.encode() if isinstance(content_type, str) else content_type) + b"\n"
    data += body.encode("utf-8") if isinstance(body, str) else body
    write("embedded_body", name, data)


transcript = '{"text":"hello world","words":[{"word":"hello","start":0.0,"end":0.4}],"duration":1.5}'
emb("json.txt", "application/json", transcript)
emb("json-charset.txt", "application/json; charset=utf-8", transcript)
emb("json-upper-case.txt", "APPLICATION/JSON; Charset=UTF-8", transcript)
emb("json-padded.txt", "  application/json  ", "[1, 2, 3]")
emb("json-trailing-semicolon.txt", "application/json;", transcript)
emb("json-quoted-param.txt", 'application/json; charset="utf-8"', transcript)
emb("problem-json.txt", "application/problem+json", '{"title":"bad","status":400}')
emb("vendor-json-suffix.txt", "application/vnd.fireworks.v1+JSON", "{}")
emb("json-broken.txt", "application/json", '{"text": "cut')
emb("json-trailing-garbage.txt", "application/json", "{} x")
emb("json-empty-body.txt", "application/json", "")
emb("json-huge-numbers.txt", "application/json", '{"a":1e400,"b":-0,"c":123456789012345678901234567890,"d":-1e-400}')
emb("json-deep-nesting.txt", "application/json", "[" * 200 + "]" * 200)
emb("json-lone-surrogate.txt", "application/json", '{"s":"\\ud800"}')
emb("json-bom.txt", "application/json", "\ufeff{}")
emb("json-long-broken.txt", "application/json", '{"k":"' + "ü" * 600 + '", oops}')
emb("text-json-looking.txt", "text/plain; charset=utf-8", '{"a":1}')
emb("text-vtt.txt", "TEXT/VTT", "WEBVTT\n\n00:00.000 --> 00:01.000\nhello")
emb("none-json.txt", "NONE", '[1,{"a":null}]')
emb("none-srt.txt", "NONE", "1\n00:00:00,000 --> 00:00:01,000\nhello\n")
emb("raw-audio.txt", "audio/wav", b"RIFF\x00\x00\x00\x00WAVEfmt \xff\xfe")
emb("raw-unparsable-type.txt", "json", '{"a":1}')
emb("empty-content-type.txt", "", "{}")
emb("list-content-type.txt", "application/json, text/plain", "{}")
emb("wildcards.txt", "*/*; q=0.8", "x")
emb("html-page.txt", "text/html", "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>")
emb("non-utf8-type.txt", b"application/\xffjson", "{}")
emb("no-newline-at-all.txt", "", "")  # A single "\n": empty content type, empty body.
write("embedded_body", "no-content-type-line.txt", b'{"only":"body"}')


# ---- error_body: first line = status in 400..=599 (else 500 and the whole input) ----------
def err(name, status, body):
    data = (str(status).encode() + b"\n") if status is not None else b""
    data += body.encode("utf-8") if isinstance(body, str) else body
    write("error_body", name, data)


key = "fw-canary-5f3a9c1e7b"  # Must match CANARY_KEY in src/lib.rs.
err("shape-a-openai-nested.txt", 404, '{"error":{"object":"error","type":"invalid_request_error","message":"Model not found","code":"DeploymentNotFound"}}')
err("shape-b-flat.txt", 404, '{"message":"Model not found, inaccessible, and/or not deployed","param":"model","code":"NOT_FOUND","type":"error"}')
err("shape-c-anthropic.txt", 400, '{"error":{"type":"invalid_request_error","message":"max_tokens too big"},"type":"error"}')
err("shape-d-grpc-gateway.txt", 404, '{"code":5,"message":"dataset not found","details":[]}')
err("shape-d-unauthenticated.txt", 401, '{"code":16,"message":"invalid api key"}')
err("shape-e-error-string.txt", 400, '{"error":"unsupported audio format"}')
err("detail.txt", 422, '{"detail":"Not Found"}')
err("error-message.txt", 500, '{"error_message":"oops"}')
err("http-code-as-number.txt", 404, '{"code":404,"message":"x"}')
err("odd-codes.txt", 409, '{"error":{"code":1e30},"code":-1,"message":"m"}')
err("float-code.txt", 400, '{"code":5.0,"message":"five?"}')
err("null-message.txt", 400, '{"message":null,"error":{"message":null,"code":"X"}}')
err("empty-strings.txt", 403, '{"error":"","message":"","detail":"fallback"}')
err("error-null.txt", 429, '{"error":null}')
err("html-502.txt", 502, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n")
err("html-503-long.txt", 503, "<!DOCTYPE html><html><body>" + "<p>Service temporarily unavailable.</p>" * 40 + "</body></html>")
err("empty.txt", 400, "")
err("json-array.txt", 400, "[1,2]")
err("plain-text.txt", 413, "request entity too large")
err("long-ascii.txt", 500, '{"message":"' + "a" * 2000 + '"}')
err("long-multibyte-cut.txt", 500, "x" + "ü" * 400)
err("key-in-body.txt", 401, '{"message":"bad key ' + key + '"}')
err("key-at-cut-edge.txt", 500, "y" * 505 + key + "z" * 100)
err("non-utf8.txt", 500, b'{"message":"\xff\xfe"}\xc3')
err("no-status-line.txt", None, '{"message":"no status line"}')
err("status-200-refused.txt", 200, '{"message":"200 is not an error status here"}')
err("nested-error-shapes.txt", 400, '{"error":{"error":{"message":"inner"}},"detail":"outer"}')


# ---- json_response: the whole input is a 200 JSON body decoded as BatchStatus -------------
def js(name, body):
    write("json_response", name, body.encode("utf-8") if isinstance(body, str) else body)


js("processing.json", '{"status":"processing","batch_id":"b-1","message":"queued"}')
js("completed-json-body.json", '{"status":"completed","batch_id":"b-1","message":null,"content_type":"application/json","body":"{\\"text\\":\\"hi\\"}"}')
js("completed-vtt-body.json", '{"status":"completed","batch_id":"b-1","content_type":"text/vtt","body":"WEBVTT\\n\\n00:00.000 --> 00:01.000\\nhi"}')
js("completed-broken-json-body.json", '{"status":"completed","batch_id":"b-1","content_type":"application/json; charset=utf-8","body":"{oops"}')
js("unknown-status.json", '{"status":"failed","batch_id":"b-1","message":"backend error"}')
js("extra-fields.json", '{"status":"processing","batch_id":"b","extra":{"a":[1,2,{"b":null}]},"progress":0.5}')
js("missing-batch-id.json", '{"status":"processing"}')
js("status-number.json", '{"status":3,"batch_id":"b"}')
js("batch-id-null.json", '{"status":"processing","batch_id":null}')
js("message-number.json", '{"status":"processing","batch_id":"b","message":7}')
js("duplicate-keys.json", '{"status":"processing","status":"completed","batch_id":"b"}')
js("trailing-garbage.json", '{"status":"processing","batch_id":"b"} trailing')
js("empty.json", "")
js("whitespace.json", " \r\n\t ")
js("top-level-array.json", '[{"status":"processing","batch_id":"b"}]')
js("html-page.json", "<html><body>200 OK but HTML</body></html>")
js("huge-numbers.json", '{"status":"processing","batch_id":"b","n":1e400,"m":-123456789012345678901234567890}')
js("deep-extra.json", '{"status":"processing","batch_id":"b","deep":' + "[" * 200 + "]" * 200 + "}")
js("lone-surrogate.json", '{"status":"processing","batch_id":"\\udc00"}')
js("non-utf8-string.json", b'{"status":"processing","batch_id":"\xff"}')
js("bom.json", "\ufeff" + '{"status":"processing","batch_id":"b"}')
js("key-in-bad-field.json", '{"status":"processing","batch_id":"b","message":["' + key + '"]}')
js("long-then-error.json", '{"status":"processing","batch_id":"b","pad":"' + "p" * 1500 + '","message":{}}')
js("escaped-keys.json", '{"st\\u0061tus":"processing","batch_\\u0069d":"b"}')
js("embedded-deep-json-body.json", '{"status":"completed","batch_id":"b","content_type":"application/json","body":"' + "[" * 130 + "]" * 130 + '"}')
