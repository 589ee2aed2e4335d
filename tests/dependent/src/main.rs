//! Builds the application's own `reqwest::Client` before and after a `fireworks_ai::Client`,
//! under the TLS feature chosen on the command line, and exits non-zero (or panics) if any step
//! misbehaves. See `Cargo.toml` for how CI runs it.

use std::process::ExitCode;

fn ours() -> Result<fireworks_ai::Client, fireworks_ai::Error> {
    fireworks_ai::Client::builder()
        .api_key("fw_dependent_test")
        .build()
}

/// The application's client handed to ours through `ClientBuilder::http_client`.
fn ours_with_theirs() -> Result<fireworks_ai::Client, fireworks_ai::Error> {
    let theirs = reqwest::Client::new();
    fireworks_ai::Client::builder()
        .api_key("fw_dependent_test")
        .http_client(theirs)
        .build()
}

/// Default `rustls` and `native-tls` (alone or with the opt-in features, which the crate then
/// ignores): the TLS stack carries its provider, so every order works and nothing process-wide
/// is needed.
#[cfg(not(any(
    all(
        feature = "rustls-ring",
        not(feature = "rustls"),
        not(feature = "native-tls")
    ),
    all(
        feature = "rustls-no-provider",
        not(feature = "rustls"),
        not(feature = "rustls-ring"),
        not(feature = "native-tls")
    )
)))]
fn run() -> Result<(), String> {
    let _before = reqwest::Client::new();
    let _with_theirs = ours_with_theirs().map_err(|e| format!("ours with theirs: {e}"))?;
    let _ours = ours().map_err(|e| format!("ours: {e}"))?;
    let _after = reqwest::Client::new();
    Ok(())
}

/// `rustls-ring` (without `rustls`/`native-tls`): our client carries an explicit `ring`
/// provider and installs nothing process-wide. reqwest is unified to `rustls-no-provider`, so
/// the application's own clients need the provider it installs (the documented caveat).
#[cfg(all(
    feature = "rustls-ring",
    not(feature = "rustls"),
    not(feature = "native-tls")
))]
fn run() -> Result<(), String> {
    let _ours = ours().map_err(|e| format!("ours without a process-wide provider: {e}"))?;
    if rustls::crypto::CryptoProvider::get_default().is_some() {
        return Err("building our client installed a process-wide crypto provider".into());
    }
    install_ring()?;
    let _theirs = reqwest::Client::new();
    let _with_theirs = ours_with_theirs().map_err(|e| format!("ours with theirs: {e}"))?;
    let _again = ours().map_err(|e| format!("ours after the install: {e}"))?;
    Ok(())
}

/// `rustls-no-provider` alone: without a provider our client is an `Error::Config`, never a
/// panic; once the application installs one, everything builds.
#[cfg(all(
    feature = "rustls-no-provider",
    not(feature = "rustls"),
    not(feature = "rustls-ring"),
    not(feature = "native-tls")
))]
fn run() -> Result<(), String> {
    match ours() {
        Err(fireworks_ai::Error::Config(e)) if e.to_string().contains("install_default") => {}
        Err(e) => {
            return Err(format!(
                "expected Error::Config naming install_default, got {e}"
            ));
        }
        Ok(_) => return Err("built without any crypto provider".into()),
    }
    install_ring()?;
    let _theirs = reqwest::Client::new();
    let _ours = ours().map_err(|e| format!("ours after the install: {e}"))?;
    let _with_theirs = ours_with_theirs().map_err(|e| format!("ours with theirs: {e}"))?;
    Ok(())
}

/// The application's own process-wide provider, for the opt-in features.
#[cfg(any(
    all(
        feature = "rustls-ring",
        not(feature = "rustls"),
        not(feature = "native-tls")
    ),
    all(
        feature = "rustls-no-provider",
        not(feature = "rustls"),
        not(feature = "rustls-ring"),
        not(feature = "native-tls")
    )
))]
fn install_ring() -> Result<(), String> {
    rustls::crypto::ring::default_provider()
        .install_default()
        .map_err(|_| "a process-wide provider was already installed".to_string())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => {
            println!("dependent: ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dependent: {e}");
            ExitCode::FAILURE
        }
    }
}
