//! Merging the chunks of a streamed response into the document the non-streaming call would
//! have returned, by rules the spec declares: one generic JSON merge, no per-operation code.

use serde_json::{Map, Value};

/// How chunks merge into a whole response, as an operation's spec declares it. Built by
/// generated code as a `static`.
///
/// The merge, applied to each chunk in order, at every depth:
/// - a key listed in `rename` is renamed first (`delta` becomes `message`);
/// - `null` never replaces a value;
/// - a string under a key listed in `concat` is appended (`content`, `arguments`);
/// - objects merge key by key;
/// - an array of objects that all carry an `index` merges entry by entry with the entry of the
///   same `index` (choices, tool calls); any other array is appended (log-probabilities,
///   token ids);
/// - any other value replaces the previous one (`finish_reason`, `usage`).
///
/// Finally each `set` pair is written at the top level (`object` becomes `chat.completion`).
#[derive(Debug)]
pub struct CollectConfig {
    /// Keys renamed at any depth, `(from, to)`.
    pub rename: &'static [(&'static str, &'static str)],
    /// Keys whose string values are concatenated.
    pub concat: &'static [&'static str],
    /// Top-level string values written after the merge, `(key, value)`.
    pub set: &'static [(&'static str, &'static str)],
}

/// The merge in progress.
#[derive(Debug)]
pub(crate) struct Collector {
    config: &'static CollectConfig,
    merged: Map<String, Value>,
}

impl Collector {
    pub(crate) fn new(config: &'static CollectConfig) -> Self {
        Self {
            config,
            merged: Map::new(),
        }
    }

    /// Merges one chunk; a chunk that is not an object is ignored.
    pub(crate) fn push(&mut self, chunk: Value) {
        if let Value::Object(chunk) = chunk {
            merge_object(&mut self.merged, chunk, self.config);
        }
    }

    /// The merged document as JSON bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        for (key, value) in self.config.set {
            self.merged
                .insert((*key).to_owned(), Value::String((*value).to_owned()));
        }
        serde_json::to_vec(&Value::Object(self.merged)).unwrap_or_default()
    }
}

fn merge_object(into: &mut Map<String, Value>, from: Map<String, Value>, config: &CollectConfig) {
    for (key, value) in from {
        let key = config
            .rename
            .iter()
            .find(|(from, _)| *from == key)
            .map_or(key, |(_, to)| (*to).to_owned());
        let concat = config.concat.contains(&key.as_str());
        match into.get_mut(&key) {
            Some(existing) => merge_value(existing, value, concat, config),
            None if value.is_null() => {}
            None => {
                let mut fresh = Value::Null;
                merge_value(&mut fresh, value, concat, config);
                into.insert(key, fresh);
            }
        }
    }
}

fn merge_value(into: &mut Value, from: Value, concat: bool, config: &CollectConfig) {
    match (into, from) {
        (_, Value::Null) => {}
        (Value::String(existing), Value::String(more)) if concat => existing.push_str(&more),
        (Value::Object(existing), Value::Object(more)) => merge_object(existing, more, config),
        (Value::Array(existing), Value::Array(more)) => merge_array(existing, more, config),
        (slot @ Value::Null, Value::Object(more)) => {
            let mut fresh = Map::new();
            merge_object(&mut fresh, more, config);
            *slot = Value::Object(fresh);
        }
        (slot @ Value::Null, Value::Array(more)) => {
            let mut fresh = Vec::new();
            merge_array(&mut fresh, more, config);
            *slot = Value::Array(fresh);
        }
        (slot, other) => *slot = other,
    }
}

fn merge_array(into: &mut Vec<Value>, from: Vec<Value>, config: &CollectConfig) {
    let indexed = !from.is_empty() && from.iter().all(|v| index_of(v).is_some());
    if !indexed {
        let mut fresh = Vec::with_capacity(from.len());
        for value in from {
            let mut slot = Value::Null;
            merge_value(&mut slot, value, false, config);
            fresh.push(slot);
        }
        into.extend(fresh);
        return;
    }
    for value in from {
        let index = index_of(&value);
        match into.iter_mut().find(|v| index_of(v) == index) {
            Some(existing) => merge_value(existing, value, false, config),
            None => {
                let mut slot = Value::Null;
                merge_value(&mut slot, value, false, config);
                into.push(slot);
            }
        }
    }
}

fn index_of(value: &Value) -> Option<u64> {
    value.get("index").and_then(Value::as_u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static CHAT: CollectConfig = CollectConfig {
        rename: &[("delta", "message")],
        concat: &["content", "reasoning_content", "arguments", "text"],
        set: &[("object", "chat.completion")],
    };

    fn collect(chunks: Vec<Value>) -> Value {
        let mut collector = Collector::new(&CHAT);
        for chunk in chunks {
            collector.push(chunk);
        }
        serde_json::from_slice(&collector.finish()).unwrap()
    }

    #[test]
    fn chat_chunks_merge_into_a_completion() {
        let whole = collect(vec![
            json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                   "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "finish_reason": null}]}),
            json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                   "choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": null}]}),
            json!({"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}}),
        ]);
        assert_eq!(
            whole,
            json!({"id": "c1", "object": "chat.completion", "created": 1, "model": "m",
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}})
        );
    }

    #[test]
    fn tool_call_fragments_join_per_index_and_choices_stay_apart() {
        let whole = collect(vec![
            json!({"choices": [
                {"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "t0", "type": "function", "function": {"name": "f", "arguments": "{\"a\""}}]}},
                {"index": 1, "delta": {"content": "B"}}]}),
            json!({"choices": [
                {"index": 0, "delta": {"tool_calls": [
                    {"index": 0, "function": {"arguments": ": 1}"}},
                    {"index": 1, "id": "t1", "function": {"name": "g", "arguments": "{}"}}]}},
                {"index": 1, "delta": {"content": "C"}}]}),
        ]);
        let calls = &whole["choices"][0]["message"]["tool_calls"];
        assert_eq!(calls[0]["function"]["arguments"], "{\"a\": 1}");
        assert_eq!(calls[0]["function"]["name"], "f");
        assert_eq!(calls[1]["function"]["name"], "g");
        assert_eq!(whole["choices"][1]["message"]["content"], "BC");
    }

    #[test]
    fn unindexed_arrays_append_and_null_never_erases() {
        let whole = collect(vec![
            json!({"choices": [{"index": 0, "logprobs": {"content": [{"token": "a"}]}, "finish_reason": "x"}]}),
            json!({"choices": [{"index": 0, "logprobs": {"content": [{"token": "b"}]}, "finish_reason": null}]}),
        ]);
        let tokens = &whole["choices"][0]["logprobs"]["content"];
        assert_eq!(tokens, &json!([{"token": "a"}, {"token": "b"}]));
        assert_eq!(whole["choices"][0]["finish_reason"], "x");
    }
}
