//! Where the screen's decisions go: the queue in this process (the console's own terminal), or
//! the console a screen is attached to (`signoff attach`). Both end in the same queue operations,
//! so every reviewer has the same rules: a critical item needs its name typed, never a grant, and
//! a decision binds to the action the screen showed.

use std::io;
use std::path::PathBuf;
use std::time::SystemTime;

use futures::future::BoxFuture;
use signoff_protocol::{ActionDigest, TERMINAL};

use super::Intent;
use super::app::PhoneInvitation;
use crate::queue::{DecideError, QueueHandle};
use crate::reviewers::{ReviewerInfo, Reviewers};
use crate::store::{HistoryPage, HistoryRequest};

/// What came of an intent, for the screen.
#[derive(Debug, Default)]
pub struct Done {
    /// A sentence for the person: a refusal, or what a pairing did.
    pub said: Option<String>,
    /// The reviewers as they now stand, after listing, pairing or revoking.
    pub reviewers: Option<Vec<ReviewerInfo>>,
    /// The link that pairs a phone, when one was asked for.
    pub phone: Option<PhoneInvitation>,
}

impl Done {
    pub fn said(sentence: impl Into<String>) -> Done {
        Done {
            said: Some(sentence.into()),
            ..Done::default()
        }
    }
}

/// Carries out what the person at a screen asked.
pub trait Desk: Send + Sync {
    /// `seen`: the digest of the action the screen showed, for a decision or a grant. An error
    /// ends the screen: what it decides cannot reach the queue any more.
    fn carry_out(
        &self,
        intent: Intent,
        seen: Option<ActionDigest>,
    ) -> BoxFuture<'_, io::Result<Done>>;

    /// Whether there is a history to page through (`h`).
    fn keeps_history(&self) -> bool;

    /// One page of the history; the screen awaits it on a task of its own, so a slow disk or
    /// network never freezes it. The error is a sentence for the person.
    fn history(&self, request: HistoryRequest) -> BoxFuture<'static, Result<HistoryPage, String>>;
}

/// The console's own terminal: the queue, the reviewers and the history of this process.
pub struct Terminal {
    pub queue: QueueHandle,
    pub reviewers: Reviewers,
    /// The history's directory, when the console keeps one.
    pub history: Option<PathBuf>,
    /// Where phones open the reviewer page, when the console serves it (`--web`).
    pub web_url: Option<String>,
}

impl Terminal {
    fn invite_phone(&self) -> Done {
        let Some(url) = &self.web_url else {
            return Done::said(
                "This console serves no page for phones: start it with --web 127.0.0.1:7071 (see signoff --help).",
            );
        };
        match self.reviewers.invite() {
            Ok(code) => Done {
                phone: Some(PhoneInvitation {
                    url: crate::web::Web::pairing_url(url, &code),
                    code,
                    until: SystemTime::now() + crate::reviewers::PAIRING_TIME,
                }),
                ..Done::default()
            },
            Err(error) => Done::said(error.to_string()),
        }
    }
}

impl Desk for Terminal {
    fn carry_out(
        &self,
        intent: Intent,
        seen: Option<ActionDigest>,
    ) -> BoxFuture<'_, io::Result<Done>> {
        Box::pin(async move {
            let refused = |result: Result<(), DecideError>| match result {
                Ok(()) => Done::default(),
                Err(error) => Done::said(error.to_string()),
            };
            Ok(match intent {
                Intent::Decide(key, answer) => refused(
                    self.queue
                        .decide_seen(key, seen, TERMINAL, answer)
                        .await
                        .map_err(io::Error::other)?,
                ),
                Intent::Grant(key, duration) => refused(
                    self.queue
                        .grant(key, seen, TERMINAL, duration)
                        .await
                        .map_err(io::Error::other)?,
                ),
                Intent::Revoke(grant) => {
                    self.queue.revoke(grant);
                    Done::default()
                }
                Intent::SetFrozen(id, frozen) => {
                    self.queue.set_frozen(id, frozen);
                    Done::default()
                }
                Intent::SetPaused(paused) => {
                    self.queue.set_paused(paused);
                    Done::default()
                }
                Intent::Pair(code) => Done {
                    said: Some(match self.reviewers.confirm(&code) {
                        Ok(name) => crate::reviewers::paired_sentence(&name),
                        Err(error) => error.to_string(),
                    }),
                    reviewers: Some(self.reviewers.list()),
                    ..Done::default()
                },
                Intent::ListReviewers => Done {
                    reviewers: Some(self.reviewers.list()),
                    ..Done::default()
                },
                Intent::RevokeReviewer(id) => Done {
                    said: (!self.reviewers.revoke(&id))
                        .then(|| "That reviewer was already revoked.".to_string()),
                    reviewers: Some(self.reviewers.list()),
                    ..Done::default()
                },
                Intent::InvitePhone => self.invite_phone(),
                Intent::Quit | Intent::LoadHistory(_) => Done::default(),
            })
        })
    }

    fn keeps_history(&self) -> bool {
        self.history.is_some()
    }

    fn history(&self, request: HistoryRequest) -> BoxFuture<'static, Result<HistoryPage, String>> {
        let dir = self.history.clone();
        Box::pin(async move {
            let dir = dir.ok_or_else(|| "this console keeps no history".to_string())?;
            crate::store::read_page(dir, request).await
        })
    }
}
