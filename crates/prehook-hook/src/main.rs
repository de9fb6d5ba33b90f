//! The `bootstrap` of the hook Lambda (runtime `provided.al2023`).

use std::sync::Arc;

use aws_lambda_events::event::codedeploy::CodeDeployLifecycleEvent;
use lambda_runtime::{LambdaEvent, service_fn};
use prehook_hook::config::load_config;
use prehook_hook::lifecycle;
use prehook_hook::{Hook, Settings, deadline_instant};

// One thread is plenty for a handful of concurrent HTTP calls, and starts faster.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    // Defaults kept intact: `AWS_ENDPOINT_URL_*` and the standard retries apply.
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let hook = Arc::new(Hook {
        codedeploy: aws_sdk_codedeploy::Client::new(&sdk),
        lambda: aws_sdk_lambda::Client::new(&sdk),
        // Loaded once per cold start; an invalid config fails every deployment with its reason.
        config: load_config(),
        settings: Settings::default(),
        function_name: std::env::var("AWS_LAMBDA_FUNCTION_NAME").ok(),
        serves: lifecycle::serves(
            std::env::var(lifecycle::LIFECYCLE_EVENT_VAR)
                .ok()
                .as_deref(),
        ),
    });
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<CodeDeployLifecycleEvent>| {
            let hook = hook.clone();
            async move {
                let deadline = deadline_instant(event.context.deadline);
                hook.handle(&event.payload, deadline)
                    .await
                    .map_err(|e| lambda_runtime::Error::from(e.to_string()))
            }
        },
    ))
    .await
}
