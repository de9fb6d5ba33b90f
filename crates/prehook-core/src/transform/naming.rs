//! The framework's and serverless-plugin-canary-deployments' naming rules, reproduced so that
//! IAM resources and `Ref`s name exactly what those two generate.

/// First letter upper case (`normalizeName` in the framework's `lib/plugins/aws/lib/naming.js`).
pub fn normalize_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `getNormalizedFunctionName`: `-` and `_` are spelt out so that logical ids stay unique.
pub fn normalized_function_name(key: &str) -> String {
    normalize_name(&key.replace('-', "Dash").replace('_', "Underscore"))
}

/// `getLambdaLogicalId`: `website` → `WebsiteLambdaFunction`.
pub fn lambda_logical_id(key: &str) -> String {
    format!("{}LambdaFunction", normalized_function_name(key))
}

/// Names derived from the stack, as the framework and the canary plugin derive them.
#[derive(Debug, Clone)]
pub struct Naming {
    pub service: String,
    pub stage: String,
    pub stack_name: String,
}

impl Naming {
    /// The framework's default deployed name of a function: `<service>-<stage>-<key>`.
    pub fn default_function_name(&self, key: &str) -> String {
        format!("{}-{}-{}", self.service, self.stage, key)
    }

    /// Logical id of the canary plugin's `AWS::CodeDeploy::Application` (`codeDeployAppName`).
    pub fn codedeploy_application_id(&self) -> String {
        let alphanumeric: String = self
            .stack_name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        format!("{}DeploymentApplication", normalize_name(&alphanumeric))
    }

    /// `DeploymentGroupName` the canary plugin gives a function's deployment group
    /// (`getDeploymentGroupName`, cut at 100 characters like the plugin does).
    pub fn deployment_group_name(&self, key: &str) -> String {
        format!(
            "{}-{}DeploymentGroup",
            self.stack_name,
            lambda_logical_id(key)
        )
        .chars()
        .take(100)
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_framework_and_the_canary_plugin() {
        let naming = Naming {
            service: "my-shop".into(),
            stage: "dev".into(),
            stack_name: "my-shop-dev".into(),
        };
        assert_eq!(
            lambda_logical_id("api_v2-read"),
            "ApiUnderscorev2DashreadLambdaFunction"
        );
        assert_eq!(
            naming.codedeploy_application_id(),
            "MyshopdevDeploymentApplication"
        );
        assert_eq!(
            naming.deployment_group_name("website"),
            "my-shop-dev-WebsiteLambdaFunctionDeploymentGroup"
        );
        assert_eq!(
            naming.default_function_name("website"),
            "my-shop-dev-website"
        );
        assert_eq!(naming.deployment_group_name(&"x".repeat(120)).len(), 100);
    }
}
