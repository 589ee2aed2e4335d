//! A deterministic example value for a JSON schema: tool-call arguments and `json_schema`
//! answers. It covers the schema keywords tools use in practice (`type`, `properties`, `items`,
//! `enum`, `const`, `default`, `minimum`, `anyOf`/`oneOf`, local `$ref`s into `$defs`).

use serde_json::{Map, Value, json};

/// How deep nested objects and arrays go before a value is cut short with `null`.
const MAX_DEPTH: usize = 8;

/// An example of `schema`; strings take the value `text`.
pub(crate) fn example(schema: &Value, text: &str) -> Value {
    Walker { root: schema, text }.value(schema, 0)
}

struct Walker<'a> {
    root: &'a Value,
    text: &'a str,
}

impl Walker<'_> {
    fn value(&self, schema: &Value, depth: usize) -> Value {
        let Value::Object(schema) = schema else {
            return json!({});
        };
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        if let Some(target) = schema.get("$ref").and_then(Value::as_str)
            && let Some(found) = self.resolve(target)
        {
            return self.value(found, depth + 1);
        }
        if let Some(value) = schema.get("const") {
            return value.clone();
        }
        if let Some(Value::Array(values)) = schema.get("enum")
            && let Some(first) = values.first()
        {
            return first.clone();
        }
        if let Some(value) = schema.get("default") {
            return value.clone();
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(Value::Array(options)) = schema.get(key)
                && let Some(first) = options
                    .iter()
                    .find(|option| option.get("type").and_then(Value::as_str) != Some("null"))
            {
                return self.value(first, depth + 1);
            }
        }
        let kind = match schema.get("type") {
            Some(Value::String(kind)) => kind.as_str(),
            Some(Value::Array(kinds)) => kinds
                .iter()
                .filter_map(Value::as_str)
                .find(|kind| *kind != "null")
                .unwrap_or("null"),
            _ if schema.contains_key("properties") => "object",
            _ if schema.contains_key("items") => "array",
            _ => "string",
        };
        match kind {
            "object" => {
                let mut fields = Map::new();
                if let Some(Value::Object(properties)) = schema.get("properties") {
                    for (name, property) in properties {
                        fields.insert(name.clone(), self.value(property, depth + 1));
                    }
                }
                Value::Object(fields)
            }
            "array" => {
                let item = schema
                    .get("items")
                    .map_or_else(|| json!(self.text), |items| self.value(items, depth + 1));
                let min = schema
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .clamp(1, 16);
                Value::Array((0..min).map(|_| item.clone()).collect())
            }
            "integer" => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
            "number" => json!(schema.get("minimum").and_then(Value::as_f64).unwrap_or(1.5)),
            "boolean" => json!(true),
            "null" => Value::Null,
            _ => json!(self.text),
        }
    }

    /// A local reference such as `#/$defs/Name` or `#/definitions/Name`.
    fn resolve(&self, target: &str) -> Option<&Value> {
        let pointer = target.strip_prefix('#')?;
        self.root.pointer(pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_follow_the_schema() {
        let schema = json!({
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 3},
                "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}},
                "maybe": {"anyOf": [{"type": "null"}, {"type": "boolean"}]}
            },
            "$defs": {"Tag": {"type": "string", "const": "t"}}
        });
        assert_eq!(
            example(&schema, "hi"),
            json!({"city": "hi", "unit": "celsius", "days": 3, "tags": ["t"], "maybe": true})
        );
        assert_eq!(example(&json!(null), "hi"), json!({}));
    }
}
