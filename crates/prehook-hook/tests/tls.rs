//! The hook's one HTTPS stack (`prehook_hook::https`: rustls with ring, the SDK crates built
//! without their own client) really speaks TLS: the other tests' local endpoints are plain HTTP.
//! Against `openssl s_server` with a self-signed certificate, a TLS 1.3 handshake (key exchange
//! and encryption by ring) gets as far as the certificate check, which refuses the unknown issuer.
//! Guards the switch from aws-lc-rs: a stack with no crypto provider or no HTTP client fails
//! before any handshake, with another error.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// A TLS server with a self-signed certificate for 127.0.0.1; its port. (Not named `localhost`:
/// Debian's ssl-cert package puts a `CN=localhost` snakeoil certificate among the trusted ones.)
async fn openssl_server(dir: &std::path::Path) -> (tokio::process::Child, u16) {
    let status = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048"])
        .args(["-nodes", "-days", "1", "-subj", "/CN=prehook test server"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl (Debian's openssl package) runs");
    assert!(status.success(), "openssl req made the certificate");
    let mut server = Command::new("openssl")
        .args([
            "s_server",
            "-accept",
            "127.0.0.1:0",
            "-naccept",
            "1",
            "-www",
            "-tls1_3",
        ])
        .arg("-cert")
        .arg(dir.join("cert.pem"))
        .arg("-key")
        .arg(dir.join("key.pem"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("openssl s_server starts");
    // It prints `ACCEPT 127.0.0.1:<port>` once it listens.
    let mut lines = BufReader::new(server.stdout.take().expect("piped stdout")).lines();
    let port = loop {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .expect("s_server says where it listens within 10 s")
            .expect("s_server's stdout reads")
            .expect("s_server prints ACCEPT before it ends");
        if let Some(port) = line
            .strip_prefix("ACCEPT")
            .and_then(|a| a.rsplit(':').next())
        {
            break port.trim().parse().expect("a port number");
        }
    };
    (server, port)
}

#[tokio::test]
async fn the_sdk_clients_handshake_with_tls_and_check_the_certificate() {
    let dir = std::env::temp_dir().join(format!("prehook-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (_server, port) = openssl_server(&dir).await;

    let sdk = crate::support::sdk_config().await;
    let lambda = aws_sdk_lambda::Client::from_conf(
        aws_sdk_lambda::config::Builder::from(&sdk)
            .endpoint_url(format!("https://127.0.0.1:{port}"))
            .retry_config(aws_sdk_lambda::config::retry::RetryConfig::disabled())
            .build(),
    );
    let error = lambda
        .invoke()
        .function_name("api")
        .send()
        .await
        .expect_err("a self-signed certificate is refused");
    let shown = format!("{error:?}");
    assert!(
        shown.contains("UnknownIssuer"),
        "the handshake reached the certificate check: {shown}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
