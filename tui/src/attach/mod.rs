//! `signoff attach`: the console's screen, attached to a running console as a paired reviewer.
//!
//! It asks the console to pair and shows the code it gets; once a person has typed that code into
//! a trusted screen, it holds the credential: in memory only for a console on this machine (pair
//! again after a restart), in a file only its user reads for a remote one ([`Kept`]). It watches
//! the queue through `signoff.v1.Reviewer` and sends what its person decides there. The screen is
//! the console's own ([`crate::ui::run`]); only where its events come from and where its
//! decisions go differ ([`Attached`]).

use std::io;
use std::path::{Path, PathBuf};

use futures::future::BoxFuture;
use signoff_protocol::pb::{self, pair_event, reviewer_client::ReviewerClient};
use signoff_protocol::{ActionDigest, from_unix_ms};
use tokio::sync::mpsc;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use crate::queue::{PersonDecision, UiEvent};
use crate::reviewers::ReviewerInfo;
use crate::reviewers::pages;
use crate::reviewers::wire::from_wire;
use crate::server::REVIEWER_SCHEME;
use crate::store::{HistoryPage, HistoryRequest};
use crate::ui::{Desk, Done, Intent, Screen, UiOptions};

mod kept;

pub use kept::{Kept, KeptError};

pub struct AttachOptions {
    /// The console's socket, or a remote console's URL (`https://host:7070`).
    pub target: PathBuf,
    /// For an `https` URL: the CA certificate (PEM) that signed the console's certificate;
    /// without it, the system's roots.
    pub tls_ca: Option<PathBuf>,
    /// The name the decisions made here carry [default: the kept credential's, else $USER].
    pub name: Option<String>,
    /// The code `signoff serve` showed: this screen is its first reviewer.
    pub first_code: Option<String>,
    pub ui: UiOptions,
}

/// Pairs (or, for a remote console, uses the credential kept from an earlier pairing), then runs
/// the screen until the person quits.
pub async fn attach(options: AttachOptions) -> anyhow::Result<()> {
    let target = options.target.display().to_string();
    let mut builder = signoff_agent_sdk::Gate::builder(&options.target);
    if let Some(path) = &options.tls_ca {
        let pem = std::fs::read(path).map_err(|error| {
            anyhow::anyhow!("cannot read the CA certificate {}: {error}", path.display())
        })?;
        builder = builder.ca_certificate(pem);
    }
    let channel = builder.channel().await?;
    let remote = target.starts_with("http://") || target.starts_with("https://");
    let kept_at = remote.then(|| kept::path_for(&target)).transpose()?;
    let (name, credential) =
        credential(channel.clone(), &options, &target, kept_at.as_deref()).await?;
    let client = ReviewerClient::with_interceptor(channel, WithCredential::new(&credential)?);
    let (events_tx, mut events) = mpsc::unbounded_channel();
    tokio::spawn(watch(client.clone(), events_tx));
    crate::logging::init();
    let desk = Attached { client };
    let screen = Screen {
        header: format!("attached to {target} as {name}"),
        events: &mut events,
        desk: &desk,
        closes_console: false,
    };
    crate::ui::run(screen, options.ui).await?;
    Ok(())
}

/// This screen's name and credential: those kept for a remote console while they still open
/// it, else a new pairing (kept at `kept_at`, for a remote console).
#[allow(clippy::print_stdout)]
async fn credential(
    channel: Channel,
    options: &AttachOptions,
    target: &str,
    kept_at: Option<&Path>,
) -> anyhow::Result<(String, String)> {
    if let Some(path) = kept_at
        && let Some(kept) = Kept::load(path, target)?
        && options.name.as_ref().is_none_or(|name| *name == kept.name)
    {
        let mut client = ReviewerClient::with_interceptor(
            channel.clone(),
            WithCredential::new(&kept.credential)?,
        );
        match client.list_reviewers(pb::ListReviewersRequest {}).await {
            Ok(_) => return Ok((kept.name, kept.credential)),
            Err(status) if status.code() == tonic::Code::Unauthenticated => println!(
                "The credential kept for {target} no longer opens it (the console restarted, or revoked it): pairing again.\n"
            ),
            Err(status) => anyhow::bail!("{target}: {}", status.message()),
        }
    }
    let name = options
        .name
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "reviewer".into());
    let first_code = options.first_code.as_deref().unwrap_or_default();
    let credential = pair(channel, &name, first_code, target).await?;
    if let Some(path) = kept_at {
        Kept {
            url: target.to_string(),
            name: name.clone(),
            credential: credential.clone(),
        }
        .save(path)?;
        println!(
            "Kept this screen's credential in {} (readable by you only): attaching to {target} again needs no pairing while that console runs.",
            path.display()
        );
    }
    Ok((name, credential))
}

/// Asks to pair, shows the code, and waits for a person to type it. Printed before the screen
/// opens, on the terminal the person reads.
#[allow(clippy::print_stdout)]
async fn pair(
    channel: Channel,
    name: &str,
    first_code: &str,
    target: &str,
) -> anyhow::Result<String> {
    let mut client = ReviewerClient::new(channel);
    let mut events = client
        .pair(pb::PairRequest {
            name: name.to_string(),
            first_code: first_code.to_string(),
        })
        .await
        .map_err(|status| match status.code() {
            tonic::Code::Unimplemented => anyhow::anyhow!(
                "{target} does not serve reviewers: over TCP a console serves them only with TLS (--tls-cert, --tls-key) or on a loopback address"
            ),
            _ => anyhow::anyhow!("{target} refused to pair: {}", status.message()),
        })?
        .into_inner();
    let mut credential = None;
    while let Some(event) = events
        .message()
        .await
        .map_err(|status| anyhow::anyhow!("pairing with {target} ended: {}", status.message()))?
    {
        match event.event {
            Some(pair_event::Event::Code(code)) => {
                println!("Pairing code:  {code}\n");
                println!(
                    "In the signoff console (or a screen already attached), press P and type it."
                );
                println!(
                    "This screen becomes the reviewer \"{name}\". The code lasts two minutes."
                );
            }
            Some(pair_event::Event::Credential(given)) => credential = Some(given),
            None => {}
        }
    }
    credential.ok_or_else(|| anyhow::anyhow!("{target} ended the pairing without a credential"))
}

/// Feeds the screen with the queue's events until the stream ends, then says why.
async fn watch(mut client: Client, screen: mpsc::UnboundedSender<UiEvent>) {
    let ended = match client.watch(pb::WatchRequest {}).await {
        Ok(response) => {
            let mut stream = response.into_inner();
            loop {
                match stream.message().await {
                    Ok(Some(event)) => match from_wire(event) {
                        Ok(event) => {
                            if screen.send(event).is_err() {
                                return;
                            }
                        }
                        Err(error) => {
                            break format!(
                                "the console sent what this screen cannot read: {error}"
                            );
                        }
                    },
                    Ok(None) => break "the console closed".to_string(),
                    Err(status) => break status.message().to_string(),
                }
            }
        }
        Err(status) => status.message().to_string(),
    };
    let _ = screen.send(UiEvent::Alert(format!(
        "This screen no longer sees the queue ({ended}). Quit, and attach again."
    )));
}

type Client = ReviewerClient<InterceptedService<Channel, WithCredential>>;

/// Adds the reviewer credential to every call.
#[derive(Clone)]
struct WithCredential(MetadataValue<Ascii>);

impl WithCredential {
    fn new(credential: &str) -> anyhow::Result<WithCredential> {
        let mut value: MetadataValue<Ascii> = format!("{REVIEWER_SCHEME}{credential}")
            .parse()
            .map_err(|_| {
                anyhow::anyhow!("a reviewer credential holds characters a header cannot carry")
            })?;
        value.set_sensitive(true);
        Ok(WithCredential(value))
    }
}

impl Interceptor for WithCredential {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        request
            .metadata_mut()
            .insert("authorization", self.0.clone());
        Ok(request)
    }
}

/// Decisions made on an attached screen go to the console as the paired reviewer's.
struct Attached {
    client: Client,
}

impl Desk for Attached {
    fn carry_out(
        &self,
        intent: Intent,
        seen: Option<ActionDigest>,
    ) -> BoxFuture<'_, io::Result<Done>> {
        let mut client = self.client.clone();
        let digest = seen.map(|digest| digest.to_hex()).unwrap_or_default();
        Box::pin(async move {
            Ok(match intent {
                Intent::Decide(key, answer) => {
                    let (verdict, typed_text, note) = match answer {
                        PersonDecision::Approve { typed } => (
                            pb::Verdict::Approved,
                            typed.unwrap_or_default(),
                            String::new(),
                        ),
                        PersonDecision::Deny { note } => (pb::Verdict::Denied, String::new(), note),
                    };
                    said(
                        client
                            .decide(pb::DecideRequest {
                                session_id: key.session.0,
                                proposal_id: key.proposal.0,
                                action_digest: digest,
                                verdict: verdict as i32,
                                typed_text,
                                note,
                            })
                            .await,
                    )
                }
                Intent::Grant(key, duration) => said(
                    client
                        .grant(pb::GrantRequest {
                            session_id: key.session.0,
                            proposal_id: key.proposal.0,
                            action_digest: digest,
                            seconds: u32::try_from(duration.as_secs()).unwrap_or(u32::MAX),
                        })
                        .await,
                ),
                Intent::Revoke(grant_id) => said(
                    client
                        .revoke_grant(pb::RevokeGrantRequest { grant_id })
                        .await,
                ),
                Intent::SetPaused(paused) => {
                    said(client.set_paused(pb::SetPausedRequest { paused }).await)
                }
                Intent::SetFrozen(id, frozen) => said(
                    client
                        .set_frozen(pb::SetFrozenRequest {
                            session_id: id.0,
                            frozen,
                        })
                        .await,
                ),
                Intent::Pair(code) => {
                    let paired = client
                        .confirm_pairing(pb::ConfirmPairingRequest { code })
                        .await;
                    let mut done = list(&mut client).await;
                    done.said = Some(match paired {
                        Ok(response) => {
                            crate::reviewers::paired_sentence(&response.into_inner().name)
                        }
                        Err(status) => status.message().to_string(),
                    });
                    done
                }
                Intent::ListReviewers => list(&mut client).await,
                Intent::RevokeReviewer(reviewer_id) => {
                    let revoked = client
                        .revoke_reviewer(pb::RevokeReviewerRequest { reviewer_id })
                        .await;
                    let mut done = list(&mut client).await;
                    if let Err(status) = revoked {
                        done.said = Some(status.message().to_string());
                    }
                    done
                }
                Intent::InvitePhone => Done::said(
                    "Phones are paired at the console's own terminal (W there) or with the link `signoff serve` prints: a screen attached to it pairs none.",
                ),
                Intent::Quit | Intent::LoadHistory(_) => Done::default(),
            })
        })
    }

    /// The console says whether it keeps one, when asked for a page.
    fn keeps_history(&self) -> bool {
        true
    }

    fn history(&self, request: HistoryRequest) -> BoxFuture<'static, Result<HistoryPage, String>> {
        let mut client = self.client.clone();
        Box::pin(async move {
            let page = client
                .history(pages::request_to_wire(request.clone()))
                .await
                .map_err(|status| status.message().to_string())?
                .into_inner();
            pages::page_from_wire(&request, page).map_err(|error| {
                format!("the console sent a page this screen cannot read: {error}")
            })
        })
    }
}

/// Nothing to say when it worked; the console's refusal when not.
fn said<T>(result: Result<T, tonic::Status>) -> Done {
    match result {
        Ok(_) => Done::default(),
        Err(status) => Done::said(status.message().to_string()),
    }
}

async fn list(client: &mut Client) -> Done {
    match client.list_reviewers(pb::ListReviewersRequest {}).await {
        Ok(response) => Done {
            reviewers: Some(
                response
                    .into_inner()
                    .reviewers
                    .into_iter()
                    .map(|reviewer| ReviewerInfo {
                        id: reviewer.reviewer_id,
                        name: reviewer.name,
                        paired_at: from_unix_ms(reviewer.paired_at_unix_ms),
                    })
                    .collect(),
            ),
            ..Done::default()
        },
        Err(status) => Done::said(status.message().to_string()),
    }
}
