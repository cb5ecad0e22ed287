use signoff_protocol::{Action, ActionKind, McpToolCall};

use super::*;

fn proposal(id: &str, kind: ActionKind, decided: bool) -> Numbered {
    let action = Action::new(kind);
    Numbered {
        n: 1,
        record: Record::Proposal {
            session: "s1".into(),
            proposal: id.into(),
            agent: "claude".into(),
            kind: action.kind.name().into(),
            summary: action.headline(),
            action: hex::encode(action.to_bytes()),
            digest: "d1".into(),
            environment: "production".into(),
            tier: "critical".into(),
            reasons: "[]".into(),
            policy_version: "builtin".into(),
            arrived_at: 1_000,
            expires_at: 301_000,
            decided,
        },
    }
}

fn decision(id: &str, seq: i64, decided_by: &str, grant_id: &str) -> Numbered {
    Numbered {
        n: 2,
        record: Record::Decision {
            seq,
            session: "s1".into(),
            proposal: id.into(),
            verdict: "denied".into(),
            decided_by: decided_by.into(),
            grant_id: grant_id.into(),
            note: "not now".into(),
            digest: "d1".into(),
            decided_at: 2_000,
            prev_hash: "h0".into(),
            hash: "h1".into(),
        },
    }
}

fn shell() -> ActionKind {
    ActionKind::Tool(signoff_protocol::ToolCall {
        tool: "WebFetch".into(),
        input: "{}".into(),
    })
}

#[test]
fn each_decision_is_paired_with_its_own_proposal_and_nothing_else_is_exported() {
    let records = [
        // Waiting: recorded, not decided, not exported.
        proposal("p1", shell(), false),
        proposal("p2", shell(), true),
        decision("p2", 7, "terminal", ""),
        // A decision whose proposal record is not right before it is not guessed at.
        proposal("p3", shell(), true),
        decision("p4", 8, "terminal", ""),
    ];
    let found: Vec<_> = decisions(&records)
        .map(|(proposal, decision)| Decided::of(proposal, decision).unwrap())
        .collect();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].proposal, found[0].seq), ("p2", 7));
}

#[test]
fn a_decision_carries_the_agents_attribute_names_and_signoffs_own() {
    let call = ActionKind::Mcp(McpToolCall {
        server: "db".into(),
        tool: "drop_table".into(),
        arguments: "{}".into(),
        ..McpToolCall::default()
    });
    let (proposal, decision) = (proposal("p1", call, true), decision("p1", 42, "Jer", ""));
    let decided = Decided::of(&proposal.record, &decision.record).unwrap();
    let attributes = decided.attributes();
    let get = |key: &str| {
        attributes
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| panic!("no {key} in {attributes:?}"))
    };
    let text = |value: &str| AnyValue::from(value.to_string());
    assert_eq!(get("tool_name"), text("mcp__db__drop_table"));
    assert_eq!(get("decision"), text("denied"));
    assert_eq!(get("source"), text("user"));
    assert_eq!(get("signoff.decided_by"), text("Jer"));
    assert_eq!(get("signoff.tier"), text("critical"));
    assert_eq!(get("signoff.environment"), text("production"));
    assert_eq!(get("signoff.action.digest"), text("d1"));
    assert_eq!(get("signoff.chain.seq"), AnyValue::Int(42));
    assert_eq!(get("signoff.chain.hash"), text("h1"));
    assert!(!attributes.iter().any(|(k, _)| *k == "signoff.grant.id"));
    assert_eq!(
        decided.sentence(),
        "denied mcp__db__drop_table (critical, production) by Jer"
    );
}

#[test]
fn the_source_says_whether_a_person_or_the_configuration_decided() {
    let source = |decided_by: &str, grant_id: &str| {
        let (proposal, decision) = (
            proposal("p1", shell(), true),
            decision("p1", 1, decided_by, grant_id),
        );
        Decided::of(&proposal.record, &decision.record)
            .unwrap()
            .source()
    };
    assert_eq!(source("terminal", ""), "user");
    assert_eq!(source("Jer's phone and terminal", ""), "user");
    assert_eq!(source("grant", "g1"), "user");
    assert_eq!(source("stream", ""), "config");
    assert_eq!(source("console", ""), "config");
}

#[test]
fn an_endpoint_that_is_not_a_collectors_url_is_refused_at_start() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _inside = runtime.enter();
    for endpoint in [
        "127.0.0.1:4317",
        "grpc://collector:4317",
        "http://bad host:4317",
        "http://collector:4318/v1/logs",
    ] {
        let error = Export::start(endpoint, |_| {}).err().unwrap().to_string();
        assert!(
            error.starts_with(&format!("--otlp {endpoint}: ")),
            "{error}"
        );
    }
    let error = Export::start("http://collector:4318/v1/logs", |_| {});
    assert!(error.err().unwrap().to_string().contains("takes no path"));
    // A trailing slash is no path.
    assert!(Export::start("http://127.0.0.1:4317/", |_| {}).is_ok());
}
