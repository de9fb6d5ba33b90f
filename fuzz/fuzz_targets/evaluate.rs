//! Response evaluation on arbitrary payloads, against expectations of every kind, for every
//! event kind, with and without a function error.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use prehook_core::evaluate::EXCERPT_CHARS;
use prehook_core::{EventKind, Expect, HookConfig, Outcome, evaluate};

/// One check per kind of expectation, parsed by the real config parser.
fn expectations() -> &'static [Expect] {
    static EXPECT: OnceLock<Vec<Expect>> = OnceLock::new();
    EXPECT.get_or_init(|| {
        let config = HookConfig::from_json(
            r#"{"functions": {
              "f": {"event": "apigateway", "checks": [
                "GET /",
                {"request": "GET /a", "expect": {"status": ["2xx", 301, "400-404"], "bodyContains": ["Welcome", "ü"],
                    "bodyMatches": "^<(html|body)[^>]*>", "headers": {"content-type": "/^text\\/html/", "x-id": "abc"},
                    "json": {"/status": "ok", "": {"a": [1, 2.0]}, "/n": 1}, "maxDurationMs": 1000}}]},
              "g": {"event": "raw", "checks": [
                {"payload": {"ping": true}, "expect": {"outputContains": "pong", "outputMatches": "p.ng$", "json": {"/0": true}}}]}
            }}"#,
        )
        .expect("the fuzz expectations parse");
        config.functions.values().flat_map(|f| &f.checks).map(|c| c.expect.clone()).collect()
    })
}

const KINDS: [EventKind; 5] = [
    EventKind::ApiGateway,
    EventKind::ApiGatewayLambda,
    EventKind::HttpApi,
    EventKind::Alb,
    EventKind::Raw,
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(selector) % KINDS.len()];
    let function_error = match (selector >> 2) & 3 {
        0 | 1 => None,
        2 => Some("Handled"),
        _ => Some("Unhandled"),
    };
    for expect in expectations() {
        let evaluation = evaluate(
            kind,
            expect,
            &Outcome {
                function_error,
                payload,
                duration_ms: u64::from(selector) * 10,
            },
        );
        // Excerpts stay short whatever came back: logs never carry a whole body.
        assert!(evaluation.excerpt.chars().count() <= EXCERPT_CHARS + 1);
        assert!(!evaluation.excerpt.contains('\n'));
        assert_eq!(evaluation.passed, evaluation.reason.is_none());
        // A function error fails, but for the client errors a Lambda integration maps from it.
        if function_error.is_some() && evaluation.passed {
            assert_eq!(kind, EventKind::ApiGatewayLambda);
            assert!(matches!(evaluation.status, Some(400 | 401 | 403 | 404 | 422)));
        }
    }
});
