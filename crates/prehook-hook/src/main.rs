//! The `bootstrap` of the hook Lambda (runtime `provided.al2023`).

use std::sync::Arc;

use aws_lambda_events::event::codedeploy::CodeDeployLifecycleEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use prehook_hook::config::load_config;
use prehook_hook::custom_resource::{self, HttpsUploader};
use prehook_hook::lifecycle;
use prehook_hook::{Hook, SdkSecrets, Settings, deadline_instant};

// One thread is plenty for a handful of concurrent HTTP calls, and starts faster.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    // Defaults kept intact but the HTTPS client: `AWS_ENDPOINT_URL_*` and the standard retries apply.
    let sdk = prehook_hook::https::config_loader().load().await;
    let hook = Arc::new(Hook {
        codedeploy: aws_sdk_codedeploy::Client::new(&sdk),
        lambda: aws_sdk_lambda::Client::new(&sdk),
        secrets: SdkSecrets::new(&sdk),
        // Loaded once per cold start; an invalid config fails every deployment with its reason.
        config: load_config(),
        settings: Settings::default(),
        function_name: std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok(),
        serves: lifecycle::serves(
            std::env::var(prehook_core::hook_config::LIFECYCLE_EVENT_VAR)
                .ok()
                .as_deref(),
        ),
    });
    // CloudFormation's custom resource responses go to pre-signed S3 URLs (the first-deploy gate).
    let uploader = Arc::new(HttpsUploader::new());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let hook = hook.clone();
        let uploader = uploader.clone();
        async move {
            let deadline = deadline_instant(event.context.deadline);
            if custom_resource::is_request(&event.payload) {
                return hook
                    .handle_custom_resource(&event.payload, uploader.as_ref(), deadline)
                    .await
                    .map(|answer| serde_json::json!({"status": answer.status, "reason": answer.reason}))
                    .map_err(|e| lambda_runtime::Error::from(e.to_string()));
            }
            let lifecycle: CodeDeployLifecycleEvent = serde_json::from_value(event.payload)?;
            hook.handle(&lifecycle, deadline)
                .await
                .map(|verdict| serde_json::to_value(verdict).unwrap_or_default())
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}
