//! Derives the `fireworks` command tree from the specs of `fireworks-ai` (`../spec/*.yaml`,
//! described by `fireworks_ai_codegen::describe`): one subcommand per area and operation, an
//! argument per parameter, flags for a JSON body's top-level scalar fields, and the dispatch
//! that calls the generated typed builder. Written to `$OUT_DIR/commands.rs`.

#![allow(
    clippy::write_with_newline,
    reason = "the generator writes Rust source line by line"
)]

use std::fmt::Write as _;
use std::path::Path;

use fireworks_ai_codegen::{AreaInfo, Catalog, OperationInfo, SpecSource, TypeInfo, describe};
use heck::{ToKebabCase, ToUpperCamelCase};

/// Short names the issue and the docs promise, beside the derived ones.
const ALIASES: &[(&str, &str, &str)] = &[
    ("audio_batch", "submit_transcription", "submit"),
    ("audio_batch", "get_batch_status", "status"),
    ("audio", "create_transcription", "transcribe"),
];

type BoxError = Box<dyn std::error::Error>;

fn main() -> Result<(), BoxError> {
    let manifest = std::env::var("CARGO_MANIFEST_DIR")?;
    let spec_dir = Path::new(&manifest).join("../spec");
    println!("cargo::rerun-if-changed={}", spec_dir.display());
    let mut specs = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&spec_dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    for path in paths {
        println!("cargo::rerun-if-changed={}", path.display());
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        specs.push(SpecSource::new(
            format!("spec/{}", name.unwrap_or_default()),
            std::fs::read_to_string(&path)?,
        ));
    }
    let catalog = describe(&specs).map_err(|e| e.to_string())?;
    let out = std::env::var("OUT_DIR")?;
    std::fs::write(Path::new(&out).join("commands.rs"), generate(&catalog)?)?;
    Ok(())
}

fn generate(catalog: &Catalog) -> Result<String, BoxError> {
    let mut commands = String::new();
    let mut arms = String::new();
    for area in &catalog.areas {
        if area.operations.is_empty() {
            continue;
        }
        let about = first_line(area.description.as_deref());
        write!(
            commands,
            "    areas.push(clap::Command::new({:?}).about({:?}).subcommand_required(true)",
            area.area.to_kebab_case(),
            about
        )?;
        for op in &area.operations {
            commands.push_str(&op_command(catalog, area, op)?);
            arms.push_str(&op_arm(catalog, area, op)?);
        }
        commands.push_str(");\n");
    }
    Ok(format!(
        "/// One subcommand per spec area, each with one per operation.\n\
         pub fn areas() -> Vec<clap::Command> {{\n    let mut areas = Vec::new();\n{commands}    areas\n}}\n\n\
         /// Runs operation `op` of `area` with the parsed arguments.\n\
         #[allow(unused_mut, unused_variables, clippy::too_many_lines)]\n\
         pub async fn dispatch(client: &fireworks_ai::Client, area: &str, op: &str, m: &clap::ArgMatches, run: &crate::Run) -> Result<serde_json::Value, crate::CliError> {{\n    match (area, op) {{\n{arms}        _ => Err(crate::CliError::Usage(format!(\"unknown command {{area}} {{op}}\"))),\n    }}\n}}\n"
    ))
}

fn first_line(text: Option<&str>) -> String {
    text.and_then(|t| t.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// The object type a type text names, with the area it lives in.
fn find_type<'a>(
    catalog: &'a Catalog,
    area: &'a AreaInfo,
    ty: &str,
) -> Option<(&'a AreaInfo, &'a TypeInfo)> {
    match ty.split_once('.') {
        Some((alias, name)) => {
            let other = catalog
                .area(alias)
                .or_else(|| catalog.areas.iter().find(|a| a.module == alias))?;
            other.type_info(name).map(|t| (other, t))
        }
        None => area.type_info(ty).map(|t| (area, t)),
    }
}

/// The Rust path of a named type text.
fn type_path(catalog: &Catalog, area: &AreaInfo, ty: &str) -> Option<String> {
    find_type(catalog, area, ty).map(|(a, t)| format!("fireworks_ai::{}::{}", a.module, t.name))
}

fn is_scalar(ty: &str) -> bool {
    matches!(
        ty,
        "string" | "bool" | "i32" | "i64" | "f64" | "int64_string" | "timestamp" | "duration"
    )
}

/// Whether a body field gets a flag: a scalar, or an enum.
fn flag_field(catalog: &Catalog, area: &AreaInfo, ty: &str) -> bool {
    is_scalar(ty) || find_type(catalog, area, ty).is_some_and(|(_, t)| t.kind == "enum")
}

/// The body's object type and whether it is a multipart form.
fn body_type<'a>(
    catalog: &'a Catalog,
    area: &'a AreaInfo,
    op: &'a OperationInfo,
) -> Option<(&'a AreaInfo, &'a TypeInfo)> {
    op.body
        .as_ref()
        .and_then(|b| find_type(catalog, area, &b.ty))
}

fn op_command(catalog: &Catalog, area: &AreaInfo, op: &OperationInfo) -> Result<String, BoxError> {
    let mut s = String::new();
    let mut about = first_line(op.summary.as_deref().or(op.description.as_deref()));
    if about.is_empty() {
        about = op.id.clone();
    }
    write!(
        s,
        "\n        .subcommand(clap::Command::new({:?}).about({:?})",
        op.id.to_kebab_case(),
        about
    )?;
    for (a, id, alias) in ALIASES {
        if *a == area.area && *id == op.id {
            write!(s, ".visible_alias({alias:?})")?;
        }
    }
    let mut taken: Vec<String> = vec!["body".into(), "wait".into(), "all".into(), "json".into()];
    for p in &op.params {
        let help = first_line(p.description.as_deref());
        let id = p.wire.clone();
        taken.push(p.wire.to_kebab_case());
        if p.required {
            write!(
                s,
                ".arg(clap::Arg::new({id:?}).value_name({:?}).required(true).help({help:?}))",
                p.wire.to_uppercase()
            )?;
        } else if p.ty == "bool" {
            write!(
                s,
                ".arg(clap::Arg::new({id:?}).long({:?}).value_parser([\"true\", \"false\"]).help({help:?}))",
                p.wire.to_kebab_case()
            )?;
        } else {
            write!(
                s,
                ".arg(clap::Arg::new({id:?}).long({:?}).value_name(\"VALUE\").help({help:?}))",
                p.wire.to_kebab_case()
            )?;
        }
    }
    if let Some((body_area, ty)) = body_type(catalog, area, op) {
        if ty.form {
            for f in ty.fields.iter().filter(|f| f.required) {
                write!(
                    s,
                    ".arg(clap::Arg::new(\"field:{}\").value_name({:?}).required(true).help({:?}))",
                    f.wire,
                    f.wire.to_uppercase(),
                    first_line(f.description.as_deref())
                )?;
            }
        } else {
            s.push_str(".arg(clap::Arg::new(\"body\").long(\"body\").value_name(\"JSON|@FILE\").help(\"The JSON body, inline or @file; flags below set its top-level fields\"))");
        }
        for f in ty.fields.iter().filter(|f| !(ty.form && f.required)) {
            let flag = f.wire.to_kebab_case();
            if taken.contains(&flag) || !flag_field(catalog, body_area, &f.ty) {
                continue;
            }
            taken.push(flag.clone());
            write!(
                s,
                ".arg(clap::Arg::new(\"field:{}\").long({flag:?}).value_name(\"VALUE\").help({:?}))",
                f.wire,
                first_line(f.description.as_deref())
            )?;
        }
    }
    let waits = op.wait.is_some()
        || area
            .operations
            .iter()
            .any(|o| o.wait.as_ref().is_some_and(|w| w.starts.contains(&op.id)));
    if waits {
        s.push_str(".arg(clap::Arg::new(\"wait\").long(\"wait\").action(clap::ArgAction::SetTrue).help(\"Wait for the job or resource to finish, with progress on a terminal\"))");
    }
    if op.pagination.is_some() {
        s.push_str(".arg(clap::Arg::new(\"all\").long(\"all\").action(clap::ArgAction::SetTrue).help(\"Every item of every page\"))");
    }
    s.push(')');
    Ok(s)
}

/// Converts the text `v` of a value of type text `ty` to the Rust value a setter takes.
fn convert(catalog: &Catalog, area: &AreaInfo, ty: &str, v: &str, name: &str) -> String {
    match ty {
        "string" => format!("{v}.as_str()"),
        "bool" | "i32" | "i64" | "f64" => format!("crate::parse::<{ty}>({v}, {name:?})?"),
        _ => match type_path(catalog, area, ty) {
            Some(path) => format!("{path}::from({v}.as_str())"),
            None => format!("{v}.as_str()"),
        },
    }
}

fn op_arm(catalog: &Catalog, area: &AreaInfo, op: &OperationInfo) -> Result<String, BoxError> {
    let mut s = String::new();
    write!(
        s,
        "        ({:?}, {:?}) => {{\n",
        area.area.to_kebab_case(),
        op.id.to_kebab_case()
    )?;
    let mut args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let local = format!("p_{}", p.rust);
        write!(
            s,
            "            let {local} = crate::required(m, {:?})?;\n",
            p.wire
        )?;
        args.push(convert(catalog, area, &p.ty, &local, &p.wire));
    }
    if let Some((body_area, ty)) = body_type(catalog, area, op) {
        let path = format!("fireworks_ai::{}::{}", body_area.module, ty.name);
        if ty.form {
            let mut new_args = Vec::new();
            for f in ty.fields.iter().filter(|f| f.required) {
                let local = format!("f_{}", f.rust);
                write!(
                    s,
                    "            let {local} = crate::required(m, \"field:{}\")?;\n",
                    f.wire
                )?;
                new_args.push(match f.ty.as_str() {
                    "file" => format!("crate::file({local}).await?"),
                    "string" => format!("{local}.clone()"),
                    other => convert(catalog, body_area, other, &local, &f.wire),
                });
            }
            write!(
                s,
                "            let mut body = {path}::new({});\n",
                new_args.join(", ")
            )?;
            for f in ty
                .fields
                .iter()
                .filter(|f| !f.required && flag_field(catalog, body_area, &f.ty))
            {
                let value = match f.ty.as_str() {
                    "string" => "v.clone()".to_owned(),
                    other => convert(catalog, body_area, other, "v", &f.wire),
                };
                write!(
                    s,
                    "            if let Some(v) = m.try_get_one::<String>(\"field:{}\").ok().flatten() {{ body = body.{}({value}); }}\n",
                    f.wire, f.rust
                )?;
            }
        } else {
            let fields: Vec<String> = ty
                .fields
                .iter()
                .filter(|f| flag_field(catalog, body_area, &f.ty))
                .map(|f| {
                    format!(
                        "({:?}, {:?})",
                        f.wire,
                        if is_scalar(&f.ty) {
                            f.ty.as_str()
                        } else {
                            "string"
                        }
                    )
                })
                .collect();
            write!(
                s,
                "            let body: {path} = crate::json_body(m, &[{}])?;\n",
                fields.join(", ")
            )?;
        }
        args.push("body".to_owned());
    }
    write!(
        s,
        "            let mut req = client.{}().{}({});\n",
        area.module,
        op.rust_method,
        args.join(", ")
    )?;
    for p in op.params.iter().filter(|p| !p.required) {
        let value = convert(catalog, area, &p.ty, "v", &p.wire);
        write!(
            s,
            "            if let Some(v) = m.try_get_one::<String>({:?}).ok().flatten() {{ req = req.{}({value}); }}\n",
            p.wire, p.rust
        )?;
    }
    let starts_wait = area
        .operations
        .iter()
        .any(|o| o.wait.as_ref().is_some_and(|w| w.starts.contains(&op.id)));
    if op.wait.is_some() {
        s.push_str("            if m.get_flag(\"wait\") { return crate::waited(run, req.wait()).await; }\n");
    } else if starts_wait {
        s.push_str("            if m.get_flag(\"wait\") { return crate::waited(run, req.and_wait()).await; }\n");
    }
    if op.pagination.is_some() {
        s.push_str(
            "            if m.get_flag(\"all\") { return crate::all_items(req.items()).await; }\n",
        );
    }
    let response_is_output =
        find_type(catalog, area, &op.response).is_some_and(|(_, t)| t.kind == "output");
    if response_is_output {
        let (out_area, out_ty) = find_type(catalog, area, &op.response).ok_or("output type")?;
        let path = format!("fireworks_ai::{}::{}", out_area.module, out_ty.name);
        s.push_str("            let output = req.await?;\n            Ok(match output {\n");
        for case in &out_ty.cases {
            let variant = case.wire.to_upper_camel_case();
            if case.ty.is_some() {
                write!(
                    s,
                    "                {path}::{variant}(v) => serde_json::to_value(v)?,\n"
                )?;
            } else {
                write!(
                    s,
                    "                {path}::{variant}(v) => serde_json::Value::String(v),\n"
                )?;
            }
        }
        s.push_str("                other => serde_json::Value::String(format!(\"{other:?}\")),\n            })\n");
    } else {
        s.push_str("            Ok(serde_json::to_value(req.await?)?)\n");
    }
    s.push_str("        }\n");
    Ok(s)
}
