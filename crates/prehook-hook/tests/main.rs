//! Integration tests: the hook handler with the real AWS SDK clients against local CodeDeploy,
//! Lambda, SSM and Secrets Manager endpoints over HTTP, and the built `bootstrap` under a local Runtime API.

mod support;

mod adapters;
mod bootstrap;
mod failures;
mod faults;
mod first_deploy;
mod healthy;
mod lifecycle;
mod secrets;
mod security;
mod tls;
