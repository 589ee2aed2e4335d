//! An example consumer of `fireworks-ai`: it depends on the crate as any outside crate does and
//! adds one endpoint from its own YAML (`spec/model-names.yaml`) with
//! [`fireworks_ai::generate_api!`]. The generated `model_names` module is called through the
//! same [`fireworks_ai::Client`] as the crate's own areas.
//!
//! ```no_run
//! use fireworks_ai_consumer::model_names::ModelNamesExt as _;
//!
//! # async fn demo() -> Result<(), fireworks_ai::Error> {
//! let client = fireworks_ai::Client::from_env()?;
//! let names = client
//!     .model_names()
//!     .get_model_name("whisper-v3")
//!     .account_id("fireworks")
//!     .read_mask("name,displayName")
//!     .await?;
//! println!("{} is shown as {:?}", names.name, names.display_name);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]

fireworks_ai::generate_api!("spec/model-names.yaml");

/// A helper built on both the crate's generated API and ours: the display name of `model_id`,
/// falling back to the crate's full `Model` when the masked read has none.
pub async fn display_name(
    client: &fireworks_ai::Client,
    model_id: &str,
) -> Result<Option<String>, fireworks_ai::Error> {
    use model_names::ModelNamesExt as _;
    let names = client
        .model_names()
        .get_model_name(model_id)
        .read_mask("name,displayName")
        .await?;
    if names.display_name.is_some() {
        return Ok(names.display_name);
    }
    let model = client.models().get_model(model_id).await?;
    Ok(model.display_name)
}
