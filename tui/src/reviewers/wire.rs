//! What attached screens hear, on the wire: the queue's screen events as `signoff.v1.QueueEvent`
//! and back. Both ends are signoff's: the console sends, `signoff attach` reads; what it reads is
//! still checked, and whatever is unspecified reads as the most restrictive choice.

use std::sync::Arc;

use signoff_protocol::pb::{self, queue_event::Event};
use signoff_protocol::{
    Action, ActionDigest, Environment, InvalidMessage, ProposalId, SessionId, from_unix_ms,
    to_unix_ms,
};

use crate::queue::{Grant, Item, ProposalKey, UiEvent};

/// The kinds a grant can cover ([`signoff_protocol::ActionKind::name`]).
const KINDS: [&str; 7] = ["shell", "file", "sql", "http", "infra", "tool", "mcp"];

pub fn to_wire(event: &UiEvent) -> pb::QueueEvent {
    let event = match event {
        UiEvent::SessionOpened { id, info } => Event::SessionOpened(pb::SessionOpened {
            session_id: id.0.clone(),
            info: Some(info.clone().into()),
        }),
        UiEvent::SessionClosed { id } => Event::SessionClosed(id.0.clone()),
        UiEvent::Waiting(item) => Event::Waiting(item_to_wire(item)),
        UiEvent::Decided {
            item,
            decision,
            waited,
        } => Event::Decided(pb::ItemDecided {
            item: Some(item_to_wire(item)),
            decision: Some(decision.clone().into()),
            waited: *waited,
        }),
        UiEvent::Outcome { key, outcome } => Event::Outcome(pb::OutcomeReported {
            session_id: key.session.0.clone(),
            proposal_id: key.proposal.0.clone(),
            outcome: Some(outcome.clone().into()),
        }),
        UiEvent::Paused(paused) => Event::Paused(*paused),
        UiEvent::Granted(grant) => Event::Granted(pb::GrantMade {
            grant_id: grant.id.clone(),
            session_id: grant.session.0.clone(),
            agent: grant.agent.clone(),
            kind: grant.kind.to_string(),
            program: grant.program.clone(),
            environment: pb::Environment::from(grant.environment) as i32,
            tier: pb::Tier::from(grant.tier) as i32,
            expires_at_unix_ms: to_unix_ms(grant.expires_at),
        }),
        UiEvent::GrantEnded { id } => Event::GrantEnded(id.clone()),
        UiEvent::SessionFrozen { id, why } => Event::SessionFrozen(pb::SessionFrozen {
            session_id: id.0.clone(),
            why: why.clone(),
        }),
        UiEvent::SessionUnfrozen { id } => Event::SessionUnfrozen(id.0.clone()),
        UiEvent::Alert(alert) => Event::Alert(alert.clone()),
        UiEvent::FirstApproval { key, by } => Event::FirstApproval(pb::FirstApproval {
            session_id: key.session.0.clone(),
            proposal_id: key.proposal.0.clone(),
            by: by.clone(),
        }),
    };
    pb::QueueEvent { event: Some(event) }
}

fn item_to_wire(item: &Item) -> pb::QueueItem {
    pb::QueueItem {
        session_id: item.key.session.0.clone(),
        proposal_id: item.key.proposal.0.clone(),
        seq: item.seq,
        agent: item.agent.clone(),
        action: Some(item.action.clone().into()),
        assessment: Some(item.assessment.clone().into()),
        action_digest: item.digest.to_hex(),
        arrived_at_unix_ms: to_unix_ms(item.arrived_at),
        expires_at_unix_ms: to_unix_ms(item.expires_at),
    }
}

pub fn from_wire(event: pb::QueueEvent) -> Result<UiEvent, InvalidMessage> {
    Ok(
        match event.event.ok_or(InvalidMessage::Missing("queue event"))? {
            Event::SessionOpened(opened) => UiEvent::SessionOpened {
                id: SessionId::parse(opened.session_id)?,
                info: opened.info.unwrap_or_default().into(),
            },
            Event::SessionClosed(id) => UiEvent::SessionClosed {
                id: SessionId::parse(id)?,
            },
            Event::Waiting(item) => UiEvent::Waiting(Arc::new(item_from_wire(item)?)),
            Event::Decided(decided) => UiEvent::Decided {
                item: Arc::new(item_from_wire(
                    decided.item.ok_or(InvalidMessage::Missing("item"))?,
                )?),
                decision: decided
                    .decision
                    .ok_or(InvalidMessage::Missing("decision"))?
                    .try_into()?,
                waited: decided.waited,
            },
            Event::Outcome(reported) => UiEvent::Outcome {
                key: key(reported.session_id, reported.proposal_id)?,
                outcome: reported
                    .outcome
                    .ok_or(InvalidMessage::Missing("outcome"))?
                    .try_into()?,
            },
            Event::Paused(paused) => UiEvent::Paused(paused),
            Event::Granted(grant) => UiEvent::Granted(Grant {
                id: grant.grant_id,
                session: SessionId::parse(grant.session_id)?,
                agent: grant.agent,
                kind: KINDS
                    .into_iter()
                    .find(|kind| *kind == grant.kind)
                    .ok_or(InvalidMessage::Missing("grant kind"))?,
                program: grant.program,
                environment: Environment::try_from_pb(grant.environment, "environment")?,
                tier: grant.tier.into(),
                expires_at: from_unix_ms(grant.expires_at_unix_ms),
            }),
            Event::GrantEnded(id) => UiEvent::GrantEnded { id },
            Event::SessionFrozen(frozen) => UiEvent::SessionFrozen {
                id: SessionId::parse(frozen.session_id)?,
                why: frozen.why,
            },
            Event::SessionUnfrozen(id) => UiEvent::SessionUnfrozen {
                id: SessionId::parse(id)?,
            },
            Event::Alert(alert) => UiEvent::Alert(alert),
            Event::FirstApproval(first) => UiEvent::FirstApproval {
                key: key(first.session_id, first.proposal_id)?,
                by: first.by,
            },
        },
    )
}

pub fn key(session_id: String, proposal_id: String) -> Result<ProposalKey, InvalidMessage> {
    Ok(ProposalKey {
        session: SessionId::parse(session_id)?,
        proposal: ProposalId::parse(proposal_id)?,
    })
}

pub fn digest(text: &str) -> Result<ActionDigest, InvalidMessage> {
    ActionDigest::from_hex(text).ok_or(InvalidMessage::Missing("action_digest (64 hex digits)"))
}

fn item_from_wire(item: pb::QueueItem) -> Result<Item, InvalidMessage> {
    let action = Action::try_from(item.action.ok_or(InvalidMessage::Missing("action"))?)?;
    let digest = digest(&item.action_digest)?;
    // What is shown must be what will be decided: the digest is the action's own.
    if ActionDigest::of(&action) != digest {
        return Err(InvalidMessage::Missing(
            "an action_digest matching the action",
        ));
    }
    Ok(Item {
        key: key(item.session_id, item.proposal_id)?,
        seq: item.seq,
        agent: item.agent,
        action,
        assessment: item
            .assessment
            .ok_or(InvalidMessage::Missing("assessment"))?
            .into(),
        digest,
        arrived_at: from_unix_ms(item.arrived_at_unix_ms),
        expires_at: from_unix_ms(item.expires_at_unix_ms),
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use signoff_protocol::{Assessment, Confirmation, DecidedBy, Decision, Tier, Verdict};

    use super::*;

    fn item() -> Item {
        let action = Action::shell(["psql", "-c", "DROP TABLE users"]);
        Item {
            key: key("s1".into(), "p1".into()).unwrap(),
            seq: 7,
            agent: "claude-code".into(),
            digest: ActionDigest::of(&action),
            action,
            assessment: Assessment {
                tier: Tier::Critical,
                reasons: Vec::new(),
                confirmation: Confirmation::Typed("users".into()),
                environment: Environment::Production,
                policy_version: "1".into(),
            },
            arrived_at: UNIX_EPOCH + Duration::from_secs(1_000),
            expires_at: UNIX_EPOCH + Duration::from_secs(1_300),
        }
    }

    #[test]
    fn an_item_crosses_the_wire_unchanged() {
        let item = Arc::new(item());
        let decision = Decision {
            verdict: Verdict::Approved,
            decided_by: DecidedBy::Person("alice and terminal".into()),
            note: String::new(),
            action_digest: item.digest,
            decided_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_100),
        };
        let sent = UiEvent::Decided {
            item: item.clone(),
            decision: decision.clone(),
            waited: true,
        };
        let UiEvent::Decided {
            item: back,
            decision: back_decision,
            waited,
        } = from_wire(to_wire(&sent)).unwrap()
        else {
            panic!("not a decision");
        };
        assert_eq!(format!("{back:?}"), format!("{item:?}"));
        assert_eq!(back_decision, decision);
        assert!(waited);
    }

    #[test]
    fn an_item_whose_digest_is_not_its_actions_is_refused() {
        let mut wire = item_to_wire(&item());
        wire.action_digest = ActionDigest([7; 32]).to_hex();
        let event = pb::QueueEvent {
            event: Some(Event::Waiting(wire)),
        };
        assert!(from_wire(event).is_err());
    }
}
