//! `alarms` under `custom.prehook` (every checked function) and `functions.<key>.prehook`
//! (one function): which rollback alarms a function gets, and their thresholds.
//!
//! Each level is `true`, `false` or a mapping `{ functionErrors, apiErrors }` whose values are
//! `true`, `false` or metric settings. A function's level wins over the service's, key by key.
//! `functionErrors` sets the new version's `Errors` alarm, `apiErrors` every 5XX alarm (API
//! Gateway, function URL, ALB target group).

use serde_json::Value;

use crate::error::ConfigErrors;
use crate::node::{Node, describe, integer, join, object, one_of};

pub const KEYS: [&str; 2] = ["functionErrors", "apiErrors"];
pub const METRIC_KEYS: [&str; 6] = [
    "threshold",
    "period",
    "evaluationPeriods",
    "datapointsToAlarm",
    "statistic",
    "treatMissingData",
];
pub const STATISTICS: [&str; 5] = ["Sum", "Average", "Maximum", "Minimum", "SampleCount"];
pub const MISSING_DATA: [&str; 4] = ["notBreaching", "breaching", "ignore", "missing"];

/// A deploy gate should trip on the first error: a new version that fails even once during the
/// shift is rolled back. Lambda and API Gateway publish these metrics every minute.
pub const DEFAULT_THRESHOLD: f64 = 1.0;
pub const DEFAULT_PERIOD_SECS: u64 = 60;
pub const DEFAULT_EVALUATION_PERIODS: u64 = 1;
pub const DEFAULT_STATISTIC: &str = "Sum";
/// No invocation in a minute is no error: a quiet canary must not roll back.
pub const DEFAULT_MISSING_DATA: &str = "notBreaching";
/// CloudWatch evaluates at most one day of periods.
pub const MAX_EVALUATED_SECS: u64 = 86_400;
/// The metrics are published per minute: a period is a whole number of minutes.
pub const MIN_PERIOD_SECS: u64 = 60;
/// CloudWatch's bound of `EvaluationPeriods` and `DatapointsToAlarm` for one-minute periods.
pub const MAX_EVALUATION_PERIODS: u64 = 1_440;

/// The alarm on one metric, every value resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricAlarm {
    pub threshold: f64,
    pub period: u64,
    pub evaluation_periods: u64,
    pub datapoints_to_alarm: Option<u64>,
    pub statistic: String,
    pub treat_missing_data: String,
}

/// The alarms of one function; `None` is an alarm turned off.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionAlarms {
    pub function_errors: Option<MetricAlarm>,
    pub api_errors: Option<MetricAlarm>,
    /// Where these settings were written, for errors found after merging.
    pub path: String,
}

/// What one level says about one metric; unset values fall through to the next level.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricOverrides {
    enabled: Option<bool>,
    threshold: Option<f64>,
    period: Option<u64>,
    evaluation_periods: Option<u64>,
    datapoints_to_alarm: Option<u64>,
    statistic: Option<String>,
    treat_missing_data: Option<String>,
}

impl MetricOverrides {
    /// `self`'s values, then `base`'s where `self` has none.
    fn over(self, base: &Self) -> Self {
        Self {
            enabled: self.enabled.or(base.enabled),
            threshold: self.threshold.or(base.threshold),
            period: self.period.or(base.period),
            evaluation_periods: self.evaluation_periods.or(base.evaluation_periods),
            datapoints_to_alarm: self.datapoints_to_alarm.or(base.datapoints_to_alarm),
            statistic: self.statistic.or_else(|| base.statistic.clone()),
            treat_missing_data: self
                .treat_missing_data
                .or_else(|| base.treat_missing_data.clone()),
        }
    }

    fn resolve(self) -> Option<MetricAlarm> {
        (self.enabled != Some(false)).then(|| MetricAlarm {
            threshold: self.threshold.unwrap_or(DEFAULT_THRESHOLD),
            period: self.period.unwrap_or(DEFAULT_PERIOD_SECS),
            evaluation_periods: self
                .evaluation_periods
                .unwrap_or(DEFAULT_EVALUATION_PERIODS),
            datapoints_to_alarm: self.datapoints_to_alarm,
            statistic: self
                .statistic
                .unwrap_or_else(|| DEFAULT_STATISTIC.to_owned()),
            treat_missing_data: self
                .treat_missing_data
                .unwrap_or_else(|| DEFAULT_MISSING_DATA.to_owned()),
        })
    }
}

/// One level (`custom.prehook.alarms` or `functions.<key>.prehook.alarms`), validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Level {
    Off,
    On {
        function_errors: Box<MetricOverrides>,
        api_errors: Box<MetricOverrides>,
        path: String,
    },
}

/// Reads one level; `None` when the key is absent or `null`.
pub fn parse_level(value: Option<&Value>, path: &str, errors: &mut ConfigErrors) -> Option<Level> {
    let value = value.filter(|v| !v.is_null())?;
    match value {
        Value::Bool(false) => Some(Level::Off),
        Value::Bool(true) => Some(Level::On {
            function_errors: Box::default(),
            api_errors: Box::default(),
            path: path.to_owned(),
        }),
        Value::Object(_) => {
            let map = object(Node::new(value, path), &KEYS, errors)?;
            let metric = |key: &str, errors: &mut ConfigErrors| match map.get(key) {
                Some(value) => parse_metric(Node::new(value, &join(path, key)), errors),
                None => MetricOverrides::default(),
            };
            let function_errors = Box::new(metric("functionErrors", errors));
            let api_errors = Box::new(metric("apiErrors", errors));
            Some(Level::On {
                function_errors,
                api_errors,
                path: path.to_owned(),
            })
        }
        other => {
            errors.push(
                path,
                format!(
                    "expected `true` (the default alarms), `false` or a mapping with functionErrors and apiErrors, got {}",
                    describe(other)
                ),
            );
            None
        }
    }
}

fn parse_metric(node: Node<'_>, errors: &mut ConfigErrors) -> MetricOverrides {
    let map = match node.value {
        Value::Bool(enabled) => {
            return MetricOverrides {
                enabled: Some(*enabled),
                ..MetricOverrides::default()
            };
        }
        Value::Object(_) => match object(node, &METRIC_KEYS, errors) {
            Some(map) => map,
            None => return MetricOverrides::default(),
        },
        other => {
            errors.push(
                node.path,
                format!(
                    "expected `true`, `false` or a mapping ({}), got {}",
                    METRIC_KEYS.join(", "),
                    describe(other)
                ),
            );
            return MetricOverrides::default();
        }
    };
    let mut overrides = MetricOverrides {
        enabled: Some(true),
        ..MetricOverrides::default()
    };
    for (key, value) in map {
        let path = join(node.path, key);
        let field = Node::new(value, &path);
        match key.as_str() {
            "threshold" => match value.as_f64() {
                Some(n) if n >= 0.0 => overrides.threshold = Some(n),
                _ => errors.push(
                    &path,
                    format!("expected a number of 0 or more, got {}", describe(value)),
                ),
            },
            "period" => match value.as_u64() {
                Some(n) if n % MIN_PERIOD_SECS == 0 && (MIN_PERIOD_SECS..=MAX_EVALUATED_SECS).contains(&n) => {
                    overrides.period = Some(n)
                }
                _ => errors.push(
                    &path,
                    format!(
                        "expected seconds as a multiple of 60 from 60 to 86400 (Lambda and API Gateway publish per minute), got {}",
                        describe(value)
                    ),
                ),
            },
            "evaluationPeriods" => {
                overrides.evaluation_periods = integer(field, 1, MAX_EVALUATION_PERIODS, errors);
            }
            "datapointsToAlarm" => {
                overrides.datapoints_to_alarm = integer(field, 1, MAX_EVALUATION_PERIODS, errors);
            }
            "statistic" => overrides.statistic = one_of(field, &STATISTICS, errors),
            "treatMissingData" => overrides.treat_missing_data = one_of(field, &MISSING_DATA, errors),
            _ => {}
        }
    }
    overrides
}

/// The alarms of a function from its own level and the service's; `None` when it has none.
pub fn resolve(
    function: Option<&Level>,
    service: Option<&Level>,
    errors: &mut ConfigErrors,
) -> Option<FunctionAlarms> {
    let (function_errors, api_errors, path) = match (function, service) {
        (Some(Level::Off), _) | (None, None | Some(Level::Off)) => return None,
        (
            Some(Level::On {
                function_errors,
                api_errors,
                path,
            }),
            Some(Level::On {
                function_errors: base_function,
                api_errors: base_api,
                ..
            }),
        ) => (
            (**function_errors).clone().over(base_function),
            (**api_errors).clone().over(base_api),
            path,
        ),
        (
            Some(Level::On {
                function_errors,
                api_errors,
                path,
            }),
            _,
        )
        | (
            None,
            Some(Level::On {
                function_errors,
                api_errors,
                path,
            }),
        ) => ((**function_errors).clone(), (**api_errors).clone(), path),
    };
    let alarms = FunctionAlarms {
        function_errors: function_errors.resolve(),
        api_errors: api_errors.resolve(),
        path: path.clone(),
    };
    for (key, alarm) in [
        ("functionErrors", &alarms.function_errors),
        ("apiErrors", &alarms.api_errors),
    ] {
        let Some(alarm) = alarm else { continue };
        let at = join(path, key);
        if alarm
            .datapoints_to_alarm
            .is_some_and(|d| d > alarm.evaluation_periods)
        {
            errors.push(
                join(&at, "datapointsToAlarm"),
                format!(
                    "expected at most evaluationPeriods ({}), got {}",
                    alarm.evaluation_periods,
                    alarm.datapoints_to_alarm.unwrap_or_default()
                ),
            );
        }
        if alarm.period * alarm.evaluation_periods > MAX_EVALUATED_SECS {
            errors.push(
                join(&at, "evaluationPeriods"),
                format!(
                    "period × evaluationPeriods is {} s; CloudWatch evaluates at most 86400 s (one day)",
                    alarm.period * alarm.evaluation_periods
                ),
            );
        }
    }
    Some(alarms)
}

/// `functions.<key>.prehook.alarms` of a function whose `prehook` is a mapping.
pub fn function_level(key: &str, function: &Value, errors: &mut ConfigErrors) -> Option<Level> {
    let prehook = function.get("prehook").and_then(Value::as_object)?;
    let path = join(&join(&join("functions", key), "prehook"), "alarms");
    parse_level(prehook.get("alarms"), &path, errors)
}

/// `Errors Sum ≥ 1 over 1×60 s`: one alarm resource in a line, for the package-time summary.
pub fn summarize(alarm: &Value) -> String {
    let p = &alarm["Properties"];
    let number = |v: &Value| v.as_f64().map_or_else(String::new, |n| n.to_string());
    let mut text = format!(
        "{} {} ≥ {} over {}×{} s",
        p["MetricName"].as_str().unwrap_or_default(),
        p["Statistic"].as_str().unwrap_or_default(),
        number(&p["Threshold"]),
        number(&p["EvaluationPeriods"]),
        number(&p["Period"]),
    );
    if let Some(d) = p.get("DatapointsToAlarm") {
        text.push_str(&format!(", {} breaching", number(d)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn level(value: Value, errors: &mut ConfigErrors) -> Option<Level> {
        parse_level(Some(&value), "custom.prehook.alarms", errors)
    }

    #[test]
    fn true_means_every_default() {
        let mut errors = ConfigErrors::default();
        let service = level(json!(true), &mut errors);
        let alarms = resolve(None, service.as_ref(), &mut errors).unwrap();
        assert!(errors.is_empty(), "{errors}");
        let expected = MetricAlarm {
            threshold: 1.0,
            period: 60,
            evaluation_periods: 1,
            datapoints_to_alarm: None,
            statistic: "Sum".into(),
            treat_missing_data: "notBreaching".into(),
        };
        assert_eq!(alarms.function_errors.as_ref(), Some(&expected));
        assert_eq!(alarms.api_errors.as_ref(), Some(&expected));
    }

    #[test]
    fn a_function_overrides_the_service_key_by_key() {
        let mut errors = ConfigErrors::default();
        let service = level(
            json!({ "functionErrors": { "threshold": 5, "period": 120 }, "apiErrors": false }),
            &mut errors,
        );
        let function = parse_level(
            Some(&json!({ "functionErrors": { "threshold": 2 } })),
            "functions.web.prehook.alarms",
            &mut errors,
        );
        let alarms = resolve(function.as_ref(), service.as_ref(), &mut errors).unwrap();
        assert!(errors.is_empty(), "{errors}");
        let errors_alarm = alarms.function_errors.unwrap();
        assert_eq!((errors_alarm.threshold, errors_alarm.period), (2.0, 120));
        assert_eq!(alarms.api_errors, None, "the service turned it off");
        assert_eq!(alarms.path, "functions.web.prehook.alarms");
    }

    #[test]
    fn false_at_the_function_wins_and_absent_everywhere_is_off() {
        let mut errors = ConfigErrors::default();
        let service = level(json!(true), &mut errors);
        let off = Some(Level::Off);
        assert_eq!(resolve(off.as_ref(), service.as_ref(), &mut errors), None);
        assert_eq!(resolve(None, None, &mut errors), None);
        assert_eq!(resolve(None, off.as_ref(), &mut errors), None);
        let on = level(json!(true), &mut errors);
        assert!(resolve(on.as_ref(), off.as_ref(), &mut errors).is_some());
    }

    #[test]
    fn every_bad_value_is_reported_with_its_path() {
        let mut errors = ConfigErrors::default();
        let service = level(
            json!({
                "functionErrors": { "threshold": -1, "period": 90, "statistic": "p99", "evaluationPeriods": 0 },
                "apiErrors": "yes",
                "lambdaErrors": true
            }),
            &mut errors,
        );
        let paths: Vec<&str> = errors.0.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "custom.prehook.alarms.lambdaErrors",
                "custom.prehook.alarms.functionErrors.evaluationPeriods",
                "custom.prehook.alarms.functionErrors.period",
                "custom.prehook.alarms.functionErrors.statistic",
                "custom.prehook.alarms.functionErrors.threshold",
                "custom.prehook.alarms.apiErrors",
            ],
            "{errors}"
        );
        assert!(service.is_some());
        let mut errors = ConfigErrors::default();
        level(json!("on"), &mut errors);
        assert_eq!(
            errors.to_string(),
            "custom.prehook.alarms: expected `true` (the default alarms), `false` or a mapping with functionErrors and apiErrors, got the string \"on\""
        );
    }

    #[test]
    fn merged_settings_are_checked_together() {
        let mut errors = ConfigErrors::default();
        let service = level(
            json!({ "functionErrors": { "evaluationPeriods": 2, "period": 86400 } }),
            &mut errors,
        );
        let function = parse_level(
            Some(&json!({ "functionErrors": { "datapointsToAlarm": 3 } })),
            "functions.web.prehook.alarms",
            &mut errors,
        );
        resolve(function.as_ref(), service.as_ref(), &mut errors);
        assert_eq!(
            errors.to_string(),
            "functions.web.prehook.alarms.functionErrors.datapointsToAlarm: expected at most evaluationPeriods (2), got 3\n\
             functions.web.prehook.alarms.functionErrors.evaluationPeriods: period × evaluationPeriods is 172800 s; CloudWatch evaluates at most 86400 s (one day)"
        );
    }
}
