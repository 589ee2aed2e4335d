//! The `generate_api!` proc macro: generates a Fireworks API module from a YAML spec in the
//! calling crate, against the `fireworks-ai` runtime. It has no rules of its own; everything
//! about the spec lives in `fireworks-ai-codegen`.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// Generates the module for one spec file, resolved relative to the calling crate's
/// `CARGO_MANIFEST_DIR`.
///
/// Input: one string literal with a relative path to a spec in format v1 (see `spec/README.md`
/// in the `fireworks-ai` repository), optionally followed by a comma. Absolute paths are
/// rejected. The output is `pub mod <area> { ... }` whose operations are reached through the
/// `<Area>Ext` trait it defines for `fireworks_ai::Client`; it only needs `fireworks_ai` as a
/// dependency.
///
/// (Not a doctest: this crate cannot depend on `fireworks-ai`, which depends on it; the same
/// usage is compiled by the `fireworks-ai` crate's `tests/ui.rs`.)
///
/// ```text
/// fireworks_ai::generate_api!("spec/my-area.yaml");
///
/// use my_area::MyAreaExt as _;
/// let thing = client.my_area().get_thing("id-1").await?;
/// ```
///
/// A spec with `imports` refers to the imported types as `super::<area>::<Type>`: invoke the
/// macro for the imported spec in the same module, so both areas are sibling modules.
///
/// Spec errors become compile errors on the path literal, each reading
/// `path:line:column: message`, all reported together. The macro output includes the spec
/// (and every spec it imports) with `include_str!`, so editing one re-runs the macro.
#[proc_macro]
pub fn generate_api(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    match syn::parse::<Args>(input) {
        Ok(args) => expand(&args).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// The parsed invocation.
struct Args {
    path: LitStr,
    /// Hidden flag `__build_script_source`: also emit `__GENERATED_SOURCE`, the text `build.rs`
    /// would write for this spec, so a test can compare the two front-ends.
    build_script_source: bool,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "expected the spec path as a string literal, e.g. `generate_api!(\"spec/my-area.yaml\")`",
            ));
        }
        let path: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the spec path as a string literal, e.g. `generate_api!(\"spec/my-area.yaml\")`",
            )
        })?;
        let mut build_script_source = false;
        if input.parse::<Option<Token![,]>>()?.is_some() && !input.is_empty() {
            let flag: Ident = input.parse()?;
            if flag != "__build_script_source" {
                return Err(syn::Error::new(
                    flag.span(),
                    "unexpected argument: `generate_api!` takes only the spec path",
                ));
            }
            build_script_source = true;
            input.parse::<Option<Token![,]>>()?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens: `generate_api!` takes only the spec path"));
        }
        Ok(Args {
            path,
            build_script_source,
        })
    }
}

fn expand(args: &Args) -> TokenStream {
    let display_path = args.path.value();
    let span = args.path.span();
    if Path::new(&display_path).is_absolute() {
        return error(
            span,
            &format!(
                "absolute spec path `{display_path}`: give a path relative to the crate root (CARGO_MANIFEST_DIR)"
            ),
        );
    }
    let Some(base) = base_dir() else {
        return error(span, "CARGO_MANIFEST_DIR is not set; build with cargo");
    };
    let resolved = base.join(&display_path);
    let text = match std::fs::read_to_string(&resolved) {
        Ok(text) => text,
        Err(os_error) => {
            return error(
                span,
                &format!(
                    "cannot read spec file `{display_path}`: {os_error}\n  note: tried `{}`",
                    resolved.display()
                ),
            );
        }
    };
    // Every file read is tracked, the spec and the specs it imports, so editing any of them
    // re-runs the macro.
    let mut read = vec![resolved.clone()];
    let mut load = |path: &str| {
        let file = base.join(path);
        let text = std::fs::read_to_string(&file).map_err(|error| error.to_string());
        read.push(file);
        text
    };
    let settings = fireworks_ai_codegen::Settings::macro_call();
    let generated =
        fireworks_ai_codegen::generate_with_imports(&text, &display_path, &settings, &mut load);
    let tracking: TokenStream = read
        .iter()
        .filter_map(|file| file.to_str())
        .map(|absolute| {
            quote!(
                const _: &str = ::core::include_str!(#absolute);
            )
        })
        .collect();
    let api = match generated {
        Ok(tokens) => tokens,
        Err(spec_errors) => {
            let mut combined: Option<syn::Error> = None;
            for spec_error in &spec_errors {
                let next = syn::Error::new(span, spec_error.to_string());
                match &mut combined {
                    Some(all) => all.combine(next),
                    None => combined = Some(next),
                }
            }
            let errors = combined.map(|e| e.to_compile_error()).unwrap_or_default();
            return quote!(#tracking #errors);
        }
    };
    let source = if args.build_script_source {
        let mut load = |path: &str| {
            std::fs::read_to_string(base.join(path)).map_err(|error| error.to_string())
        };
        match fireworks_ai_codegen::generate_with_imports(
            &text,
            &display_path,
            &fireworks_ai_codegen::Settings::build_script(),
            &mut load,
        ) {
            Ok(tokens) => {
                let rendered = fireworks_ai_codegen::render(&tokens, &display_path);
                quote! {
                    #[doc(hidden)]
                    pub const __GENERATED_SOURCE: &str = #rendered;
                }
            }
            Err(spec_errors) => error(span, &spec_errors.to_string()),
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #tracking
        #api
        #source
    }
}

/// Where relative spec paths start: `FIREWORKS_AI_SPEC_DIR` if set (trybuild compiles cases in
/// its own directory), else the calling crate's `CARGO_MANIFEST_DIR`.
fn base_dir() -> Option<PathBuf> {
    std::env::var_os("FIREWORKS_AI_SPEC_DIR")
        .or_else(|| std::env::var_os("CARGO_MANIFEST_DIR"))
        .map(PathBuf::from)
}

fn error(span: Span, message: &str) -> TokenStream {
    syn::Error::new(span, message).to_compile_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_path(path: &str) -> String {
        expand(&Args {
            path: LitStr::new(path, Span::call_site()),
            build_script_source: false,
        })
        .to_string()
    }

    #[test]
    fn output_tracks_the_spec_file() {
        let output = expand_path("../spec/audio-batch.yaml");
        let tracked = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/audio-batch.yaml");
        let literal = format!("{:?}", tracked.to_str().unwrap());
        assert!(
            output.contains(&format!("include_str ! ({literal})")),
            "{output}"
        );
        assert!(output.contains("pub trait AudioBatchExt"));
    }

    #[test]
    fn output_tracks_the_spec_file_even_when_it_has_errors() {
        let output = expand_path("../tests/ui/specs/several-errors.yaml");
        assert!(output.contains("include_str !"), "{output}");
        assert!(output.contains("compile_error !"), "{output}");
    }

    #[test]
    fn absolute_paths_are_rejected_without_reading_them() {
        let output = expand_path("/etc/passwd");
        assert!(output.contains("absolute spec path"), "{output}");
        assert!(!output.contains("include_str"), "{output}");
    }
}
