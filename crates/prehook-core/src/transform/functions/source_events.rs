//! What a function behind a non-HTTP trigger receives, for its default check: the `input` of a
//! schedule or EventBridge rule where it has one, else one minimal record of the source's own
//! event shape (S3, SQS, SNS, EventBridge, DynamoDB and Kinesis streams), with the bucket, queue,
//! topic or stream of the trigger where `serverless.yml` names it.
//!
//! The values are placeholders (a fixed time, `serverless-prehook` ids): the core has no clock,
//! and a check must not look like real data to a handler that stores what it gets.

use serde_json::{Value, json};

const REGION: &str = "us-east-1";
const ACCOUNT: &str = "000000000000";
const TIME: &str = "2026-01-01T00:00:00.000Z";
const ID: &str = "serverless-prehook-check";

/// The payload for the trigger `event_type` with `settings`, declared at `source`
/// (`events[0].sqs`), and how it was chosen; `None` when the trigger's shape is not known here.
pub fn payload(event_type: &str, settings: &Value, source: &str) -> Option<(Value, String)> {
    let input = || settings.get("input").map(parse_input);
    let (payload, why) = match event_type {
        "schedule" => match input() {
            Some(input) => (input, "the input of"),
            None => (scheduled_event(), "a scheduled event as sent by"),
        },
        "eventBridge" | "cloudwatchEvent" => match input() {
            Some(input) => (input, "the input of"),
            None if settings.get("schedule").is_some() => {
                (scheduled_event(), "a scheduled event as sent by")
            }
            None => (
                eventbridge_event(settings),
                "an event matching the pattern of",
            ),
        },
        "sqs" => (
            sqs_event(arn(settings, "arn")),
            "one SQS message as sent by",
        ),
        "sns" => (sns_event(settings), "one SNS notification as sent by"),
        "s3" => (s3_event(settings), "one S3 record as sent by"),
        "stream" => match stream_type(settings)? {
            "dynamodb" => (
                dynamodb_event(arn(settings, "arn")),
                "one DynamoDB stream record as sent by",
            ),
            _ => (
                kinesis_event(arn(settings, "arn")),
                "one Kinesis record as sent by",
            ),
        },
        _ => return None,
    };
    Some((payload, format!("{why} {source}")))
}

/// `input` as EventBridge delivers it: a mapping as it is, a string as the JSON it holds.
fn parse_input(input: &Value) -> Value {
    match input {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| input.clone()),
        other => other.clone(),
    }
}

/// The trigger's ARN when it is written as text (`sqs: arn:...` or `sqs: {arn: arn:...}`);
/// `None` for a `Fn::GetAtt` the framework resolves later.
fn arn(settings: &Value, key: &str) -> Option<String> {
    match settings {
        Value::String(text) => Some(text.clone()),
        Value::Object(map) => map.get(key).and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
    .filter(|arn| arn.starts_with("arn:"))
}

fn stream_type(settings: &Value) -> Option<&'static str> {
    let declared = settings.get("type").and_then(Value::as_str);
    let arn = arn(settings, "arn").unwrap_or_default();
    match declared {
        Some("dynamodb") => Some("dynamodb"),
        Some("kinesis") => Some("kinesis"),
        Some(_) => None,
        None if arn.starts_with("arn:aws:dynamodb:") => Some("dynamodb"),
        None if arn.starts_with("arn:aws:kinesis:") => Some("kinesis"),
        None => None,
    }
}

fn scheduled_event() -> Value {
    json!({
        "version": "0",
        "id": ID,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [format!("arn:aws:events:{REGION}:{ACCOUNT}:rule/serverless-prehook")],
        "detail": {},
    })
}

/// An event that the rule's pattern could match: its first `source` and `detail-type`.
fn eventbridge_event(settings: &Value) -> Value {
    let first = |key: &str, default: &str| {
        settings
            .get("pattern")
            .and_then(|p| p.get(key))
            .and_then(|v| match v {
                Value::Array(items) => items.first().and_then(Value::as_str),
                other => other.as_str(),
            })
            .unwrap_or(default)
            .to_owned()
    };
    json!({
        "version": "0",
        "id": ID,
        "detail-type": first("detail-type", "serverless-prehook check"),
        "source": first("source", "serverless-prehook"),
        "account": ACCOUNT,
        "time": "2026-01-01T00:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {},
    })
}

fn sqs_event(arn: Option<String>) -> Value {
    let arn = arn.unwrap_or_else(|| format!("arn:aws:sqs:{REGION}:{ACCOUNT}:serverless-prehook"));
    json!({"Records": [{
        "messageId": ID,
        "receiptHandle": ID,
        "body": "{}",
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1767225600000",
            "SenderId": ACCOUNT,
            "ApproximateFirstReceiveTimestamp": "1767225600000",
        },
        "messageAttributes": {},
        "md5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }]})
}

/// `sns: topic-name`, `sns: arn:...`, or a mapping with `arn` or `topicName`.
fn sns_event(settings: &Value) -> Value {
    let name = match settings {
        Value::String(text) if !text.starts_with("arn:") => Some(text.clone()),
        Value::Object(map) => map
            .get("topicName")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    };
    let topic = arn(settings, "arn").unwrap_or_else(|| {
        let name = name.unwrap_or_else(|| "serverless-prehook".into());
        format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}")
    });
    json!({"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": format!("{topic}:{ID}"),
        "Sns": {
            "Type": "Notification",
            "MessageId": ID,
            "TopicArn": topic,
            "Subject": null,
            "Message": "{}",
            "Timestamp": TIME,
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertUrl": "",
            "UnsubscribeUrl": "",
            "MessageAttributes": {},
        },
    }]})
}

/// `s3: bucket-name` or a mapping with `bucket`, `event` and `rules` (`prefix`, `suffix`): the
/// object's key is made to pass the rules, so a handler that filters on them sees a match.
fn s3_event(settings: &Value) -> Value {
    let bucket = match settings {
        Value::String(name) => Some(name.clone()),
        Value::Object(map) => map.get("bucket").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
    .unwrap_or_else(|| "serverless-prehook".into());
    let rule = |key: &str| -> String {
        settings
            .get("rules")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find_map(|rule| rule.get(key).and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned()
    };
    let key = format!(
        "{}serverless-prehook-check{}",
        rule("prefix"),
        rule("suffix")
    );
    let event_name = match settings.get("event").and_then(Value::as_str) {
        Some(name) if name.starts_with("s3:ObjectRemoved") => "ObjectRemoved:Delete",
        _ => "ObjectCreated:Put",
    };
    json!({"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": REGION,
        "eventTime": TIME,
        "eventName": event_name,
        "userIdentity": {"principalId": ID},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": ID,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": ID},
                "arn": format!("arn:aws:s3:::{bucket}"),
            },
            "object": {
                "key": key,
                "size": 2,
                "eTag": "99914b932bd37a50b983c5e7c90ae93b",
                "sequencer": "0",
            },
        },
    }]})
}

fn dynamodb_event(arn: Option<String>) -> Value {
    let arn = arn.unwrap_or_else(|| {
        format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/serverless-prehook/stream/2026-01-01T00:00:00.000")
    });
    json!({"Records": [{
        "eventID": ID,
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": 1_767_225_600,
            "Keys": {"id": {"S": ID}},
            "NewImage": {"id": {"S": ID}},
            "SequenceNumber": "1",
            "SizeBytes": 26,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": arn,
    }]})
}

fn kinesis_event(arn: Option<String>) -> Value {
    let arn = arn
        .unwrap_or_else(|| format!("arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/serverless-prehook"));
    json!({"Records": [{
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": ID,
            "sequenceNumber": "1",
            // base64 of `{}`
            "data": "e30=",
            "approximateArrivalTimestamp": 1_767_225_600.0,
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": format!("shardId-000000000000:{ID}"),
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": format!("arn:aws:iam::{ACCOUNT}:role/serverless-prehook"),
        "awsRegion": REGION,
        "eventSourceARN": arn,
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::{kinesis::KinesisEvent, s3::S3Event};

    fn built(event_type: &str, settings: Value) -> Value {
        payload(event_type, &settings, "events[0]").unwrap().0
    }

    // These deserialize into the Rust runtime's own types for their source.
    #[test]
    fn s3_and_kinesis_events_are_the_sources_own() {
        let s3: S3Event = serde_json::from_value(built(
            "s3",
            json!({"bucket": "photos", "event": "s3:ObjectCreated:*", "rules": [{"prefix": "uploads/"}, {"suffix": ".jpg"}]}),
        ))
        .unwrap();
        let record = &s3.records[0];
        assert_eq!(record.s3.bucket.name.as_deref(), Some("photos"));
        assert_eq!(record.event_name.as_deref(), Some("ObjectCreated:Put"));
        assert_eq!(
            record.s3.object.key.as_deref(),
            Some("uploads/serverless-prehook-check.jpg")
        );
        let kinesis: KinesisEvent = serde_json::from_value(built(
            "stream",
            json!("arn:aws:kinesis:us-east-1:1:stream/clicks"),
        ))
        .unwrap();
        assert_eq!(&kinesis.records[0].kinesis.data.0, b"{}");
        assert_eq!(
            kinesis.records[0].event_source_arn.as_deref(),
            Some("arn:aws:kinesis:us-east-1:1:stream/clicks")
        );
    }

    // Their runtime types need crates we do not build (serde_with, serde_dynamo): the fields
    // that the handlers of each source read, named as AWS sends them.
    #[test]
    fn sqs_sns_eventbridge_and_dynamodb_events_carry_their_sources_fields() {
        let sqs = built(
            "sqs",
            json!({"arn": "arn:aws:sqs:eu-west-1:1:jobs", "batchSize": 1}),
        );
        let record = &sqs["Records"][0];
        assert_eq!(record["eventSource"], "aws:sqs");
        assert_eq!(record["eventSourceARN"], "arn:aws:sqs:eu-west-1:1:jobs");
        assert_eq!(record["body"], "{}");
        assert!(
            record["messageId"].is_string()
                && record["attributes"]["ApproximateReceiveCount"] == "1"
        );
        let sns = built("sns", json!("alerts"));
        let record = &sns["Records"][0];
        assert_eq!(record["EventSource"], "aws:sns");
        assert_eq!(
            record["Sns"]["TopicArn"],
            "arn:aws:sns:us-east-1:000000000000:alerts"
        );
        assert_eq!(record["Sns"]["Message"], "{}");
        let topic = built("sns", json!({"arn": "arn:aws:sns:us-east-1:1:t"}));
        assert_eq!(
            topic["Records"][0]["Sns"]["TopicArn"],
            "arn:aws:sns:us-east-1:1:t"
        );
        let bridge = built(
            "eventBridge",
            json!({"pattern": {"source": ["shop.orders"], "detail-type": ["OrderPlaced"]}}),
        );
        assert_eq!(
            (&bridge["source"], &bridge["detail-type"], &bridge["detail"]),
            (&json!("shop.orders"), &json!("OrderPlaced"), &json!({}))
        );
        let schedule = built("schedule", json!("rate(5 minutes)"));
        assert_eq!(
            (&schedule["source"], &schedule["detail-type"]),
            (&json!("aws.events"), &json!("Scheduled Event"))
        );
        let dynamodb = built(
            "stream",
            json!({"type": "dynamodb", "arn": {"Fn::GetAtt": ["Table", "StreamArn"]}}),
        );
        let record = &dynamodb["Records"][0];
        assert_eq!(record["eventSource"], "aws:dynamodb");
        assert_eq!(record["eventName"], "INSERT");
        assert_eq!(record["dynamodb"]["Keys"]["id"]["S"], ID);
        assert!(
            record["eventSourceARN"]
                .as_str()
                .unwrap()
                .contains(":table/")
        );
    }

    #[test]
    fn a_schedule_or_rule_input_is_sent_as_it_is() {
        let schedule = json!({"rate": "rate(1 hour)", "input": {"job": "digest"}});
        assert_eq!(
            payload("schedule", &schedule, "events[1].schedule"),
            Some((
                json!({"job": "digest"}),
                "the input of events[1].schedule".into()
            ))
        );
        let rule = json!({"schedule": "rate(1 hour)", "input": "{\"n\":1}"});
        assert_eq!(
            payload("eventBridge", &rule, "events[0].eventBridge").map(|p| p.0),
            Some(json!({"n": 1}))
        );
        assert_eq!(payload("websocket", &json!("$connect"), "events[0]"), None);
        assert_eq!(
            payload("stream", &json!({"type": "kafka"}), "events[0]"),
            None
        );
    }
}
