//! The AWS calls the hook makes, as small traits so the handler can be driven by any client;
//! implemented here for the real SDK clients (tests point those at local endpoints).

use std::future::Future;

use aws_sdk_codedeploy::config::http::HttpResponse;
use aws_sdk_codedeploy::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_codedeploy::types::{LifecycleEventStatus, RevisionLocation};
use aws_sdk_lambda::primitives::Blob;
use prehook_engine::{InvokeRequest, InvokeResponse};

/// A failed AWS call, with whether trying again may help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct AwsError {
    /// The service's error code and message, or what went wrong on the way; no credentials.
    pub message: String,
    /// Throttling, a 5xx, a timeout or a lost connection: worth another try.
    pub retryable: bool,
}

/// Where a deployment's AppSpec is: the application and the revision GetDeployment named.
#[derive(Debug, Clone)]
pub struct DeploymentRevision {
    pub application_name: String,
    pub location: Option<RevisionLocation>,
}

/// What PutLifecycleEventHookExecutionStatus did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reported {
    Accepted,
    /// `LifecycleEventAlreadyCompletedException`: a status is already there; nothing left to do.
    AlreadyCompleted,
}

pub trait CodeDeployApi: Send + Sync {
    fn get_deployment(
        &self,
        deployment_id: &str,
    ) -> impl Future<Output = Result<DeploymentRevision, AwsError>> + Send;

    /// The AppSpec text of the revision, if the service returned one.
    fn get_appspec(
        &self,
        revision: &DeploymentRevision,
    ) -> impl Future<Output = Result<Option<String>, AwsError>> + Send;

    fn put_status(
        &self,
        deployment_id: &str,
        execution_id: &str,
        succeeded: bool,
    ) -> impl Future<Output = Result<Reported, AwsError>> + Send;
}

/// The one Lambda call the hook makes: an Invoke of a function version, as the engine asks for
/// it. Implemented for the SDK's client below; tests point that client at a local endpoint.
pub trait LambdaApi: Send + Sync {
    fn invoke(
        &self,
        request: InvokeRequest,
    ) -> impl Future<Output = Result<InvokeResponse, AwsError>> + Send;
}

/// A short, credential-free description of an SDK error and whether to retry it.
pub(crate) fn describe<E>(error: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &error {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("error");
            let message = service.err().message().unwrap_or_default();
            let status = service.raw().status().as_u16();
            AwsError {
                message: if message.is_empty() {
                    format!("{code} (HTTP {status})")
                } else {
                    format!("{code}: {message}")
                },
                retryable: status >= 500
                    || code.contains("Throttl")
                    || code == "TooManyRequestsException",
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            AwsError {
                message: aws_sdk_codedeploy::error::DisplayErrorContext(&error).to_string(),
                retryable: true,
            }
        }
        _ => AwsError {
            message: aws_sdk_codedeploy::error::DisplayErrorContext(&error).to_string(),
            retryable: false,
        },
    }
}

impl CodeDeployApi for aws_sdk_codedeploy::Client {
    async fn get_deployment(&self, deployment_id: &str) -> Result<DeploymentRevision, AwsError> {
        let output = self
            .get_deployment()
            .deployment_id(deployment_id)
            .send()
            .await
            .map_err(describe)?;
        let info = output.deployment_info().ok_or_else(|| AwsError {
            message: "GetDeployment returned no deploymentInfo".into(),
            retryable: false,
        })?;
        Ok(DeploymentRevision {
            application_name: info.application_name().unwrap_or_default().to_owned(),
            location: info.revision().cloned(),
        })
    }

    async fn get_appspec(&self, revision: &DeploymentRevision) -> Result<Option<String>, AwsError> {
        let output = self
            .get_application_revision()
            .application_name(&revision.application_name)
            .set_revision(revision.location.clone())
            .send()
            .await
            .map_err(describe)?;
        Ok(output
            .revision()
            .and_then(appspec_text)
            .or_else(|| revision.location.as_ref().and_then(appspec_text)))
    }

    async fn put_status(
        &self,
        deployment_id: &str,
        execution_id: &str,
        succeeded: bool,
    ) -> Result<Reported, AwsError> {
        let status = if succeeded {
            LifecycleEventStatus::Succeeded
        } else {
            LifecycleEventStatus::Failed
        };
        match self
            .put_lifecycle_event_hook_execution_status()
            .deployment_id(deployment_id)
            .lifecycle_event_hook_execution_id(execution_id)
            .status(status)
            .send()
            .await
        {
            Ok(_) => Ok(Reported::Accepted),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_lifecycle_event_already_completed_exception()) =>
            {
                Ok(Reported::AlreadyCompleted)
            }
            Err(error) => Err(describe(error)),
        }
    }
}

/// The AppSpec text in `appSpecContent.content` or `string.content`.
fn appspec_text(location: &RevisionLocation) -> Option<String> {
    location
        .app_spec_content()
        .and_then(|c| c.content())
        .or_else(|| location.string().and_then(|s| s.content()))
        .filter(|c| !c.trim().is_empty())
        .map(str::to_owned)
}

impl LambdaApi for aws_sdk_lambda::Client {
    async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse, AwsError> {
        let output = self
            .invoke()
            .function_name(request.function)
            .qualifier(request.qualifier)
            .payload(Blob::new(request.payload))
            .set_client_context(request.client_context)
            .send()
            .await
            .map_err(describe)?;
        Ok(InvokeResponse {
            function_error: output.function_error().map(str::to_owned),
            payload: output
                .payload()
                .map(|p| p.as_ref().to_vec())
                .unwrap_or_default(),
        })
    }
}
