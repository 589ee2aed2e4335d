//! A `no_run` example for each client method of the crate's own build: an `async fn` that takes
//! the client (and, typed, every argument that is not a plain literal) and sends the call.
//! Doctests compile every one of them. Only emitted in build-script mode, whose paths
//! (`fireworks_ai::<area>::...`) are right for the crate's users; a `generate_api!` crate's
//! modules live elsewhere.

use super::Cx;
use crate::model::{Operation, TypeRef};

/// The `# Example` section of `op`'s client method, as doc text.
pub(crate) fn method_example(cx: &Cx<'_>, op: &Operation) -> String {
    let area = &cx.api.module.text;
    let mut inputs = vec!["client: &fireworks_ai::Client".to_owned()];
    let mut args = Vec::new();
    for param in op.params.iter().filter(|p| p.required) {
        let name = &param.name.text;
        match literal(&param.ty, name) {
            Some(value) => args.push(value),
            None => {
                inputs.push(format!("{name}: {}", type_text(cx, &param.ty)));
                args.push(name.clone());
            }
        }
    }
    if let Some(body) = &op.body {
        inputs.push(format!("body: {}", type_text(cx, &body.ty)));
        args.push("body".to_owned());
    }
    format!(
        "# Example\n\n```no_run\nasync fn example({}) -> Result<(), fireworks_ai::Error> {{\n    let response = client.{area}().{}({}).await?;\n    println!(\"{{response:?}}\");\n    Ok(())\n}}\n```",
        inputs.join(", "),
        op.method_name.text,
        args.join(", "),
    )
}

/// A literal for a plain parameter type (`"dataset_id"` for a string), else `None`.
fn literal(ty: &TypeRef, name: &str) -> Option<String> {
    match ty {
        TypeRef::String => Some(format!("\"{name}\"")),
        TypeRef::Bool => Some("true".to_owned()),
        TypeRef::I32 | TypeRef::I64 | TypeRef::Int64String => Some("1".to_owned()),
        TypeRef::F64 => Some("1.0".to_owned()),
        _ => None,
    }
}

/// The type as a user of the crate writes it.
fn type_text(cx: &Cx<'_>, ty: &TypeRef) -> String {
    match ty {
        TypeRef::String => "String".to_owned(),
        TypeRef::Bool => "bool".to_owned(),
        TypeRef::I32 => "i32".to_owned(),
        TypeRef::I64 | TypeRef::Int64String => "i64".to_owned(),
        TypeRef::F64 => "f64".to_owned(),
        TypeRef::File => "fireworks_ai::FileInput".to_owned(),
        TypeRef::Timestamp => "fireworks_ai::Timestamp".to_owned(),
        TypeRef::Duration => "fireworks_ai::ProtoDuration".to_owned(),
        TypeRef::Array(item) => format!("Vec<{}>", type_text(cx, item)),
        TypeRef::Map(value) => format!(
            "std::collections::BTreeMap<String, {}>",
            type_text(cx, value)
        ),
        TypeRef::Named { name, module, .. } => {
            let module = module.as_ref().unwrap_or(&cx.api.module);
            format!("fireworks_ai::{}::{}", module.text, name.text)
        }
    }
}
