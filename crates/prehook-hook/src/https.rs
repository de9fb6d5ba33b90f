//! The hook's one HTTPS stack: hyper and rustls with the `ring` crypto provider, for the SDK
//! clients and for the custom resource's response upload alike.
//!
//! Why `ring` rather than the SDK's default (`aws-lc-rs`): the hook's TLS is a few handshakes with
//! AWS endpoints per invocation, which `ring` does as well, while aws-lc-sys compiles a C and
//! assembly library of its own in every build profile (about 75 s of one core each: see
//! CONTRIBUTING.md, "How long it takes"). What `ring` does not offer is the post-quantum hybrid
//! key exchange (X25519MLKEM768) that the SDK's default prefers: connections use X25519.
//!
//! The SDK crates are built without `default-https-client`, so a client made without
//! [`config_loader`] has no HTTP client at all and every call fails: there is no second path.

use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::client::http::{
    HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};

const TLS: Provider = Provider::Rustls(CryptoMode::Ring);

/// The SDK's config loader with the hook's HTTPS client and the latest behaviour version; the
/// rest (region, credentials, `AWS_ENDPOINT_URL_*`, retries) stays the SDK's default.
pub fn config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(client())
}

/// The HTTP client the SDK clients use (connection pool, connect and read timeouts).
pub fn client() -> SharedHttpClient {
    Builder::new().tls_provider(TLS).build_https()
}

/// A bare connector on the same stack, for a request the SDK does not make (the PUT to a
/// pre-signed URL); its caller bounds each attempt's time.
pub fn connector() -> SharedHttpConnector {
    SharedHttpConnector::new(
        Connector::builder()
            .connector_settings(HttpConnectorSettings::builder().build())
            .tls_provider(TLS)
            .build(),
    )
}
