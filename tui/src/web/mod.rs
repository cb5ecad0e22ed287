//! `--web ADDR`: the reviewer page for a phone's browser. A paired device is a reviewer (issue
//! 13's identity): it watches the waiting queue and decides, under the same rules as any screen.
//!
//! The page is three files in `assets/`, embedded in the binary. Agent text is hostile, so:
//! every string an agent supplied reaches the page as JSON and is inserted as text, never as
//! HTML (`assets/app.js`); the Content-Security-Policy allows only the console's own script and
//! style, no inline code; a decision needs the device's cookie (HttpOnly, SameSite=Strict) *and*
//! a CSRF header the page reads from `/api/me`; and a decision names the action digest the page
//! showed, so an item changed underneath is refused.
//!
//! Served over HTTPS with the console's `--tls-cert/--tls-key` (`https.rs`), on any address; or
//! over plain HTTP on a loopback address only, for a reverse proxy or `tailscale serve` in front
//! that gives the phone HTTPS (`--web-url` says where the phone finds it).

mod https;
mod page;

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::queue::{Closed, DecideError, PersonDecision, QueueHandle, Watching};
use crate::reviewers::wire::{digest, key};
use crate::reviewers::{PairError, Reviewer, Reviewers};

/// The cookie that holds a paired device's credential.
const COOKIE: &str = "signoff_device";
/// The header a decision carries its CSRF token in.
const CSRF_HEADER: &str = "x-signoff-csrf";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Where the page is served, and the address a phone opens.
#[derive(Debug, Clone)]
pub struct WebOptions {
    pub listen: SocketAddr,
    /// The URL phones open, when it is not `listen`'s: a proxy in front, or a name.
    pub url: Option<String>,
    /// Serve HTTPS with this identity; without it, plain HTTP on loopback only.
    pub tls: Option<crate::tls::TlsPem>,
}

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(
        "--web {0} is not a loopback address: without --tls-cert/--tls-key the page is served over plain HTTP, so only on 127.0.0.1 or [::1]; give a certificate, or put a reverse proxy or `tailscale serve` with HTTPS in front of it and give its address with --web-url"
    )]
    NotLoopback(SocketAddr),
    #[error(
        "--web {0} listens on every address, and a phone cannot open that one: say which it opens with --web-url (e.g. https://my-desk.local:{port})",
        port = .0.port()
    )]
    NoUrl(SocketAddr),
    #[error("--web: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("cannot listen for the web page on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// The page's listener, bound.
pub struct Web {
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    /// The URL phones open.
    pub url: String,
}

impl Web {
    /// Everything that can be wrong with the address or the certificate fails here, at start.
    pub fn bind(options: &WebOptions) -> Result<Web, WebError> {
        let addr = options.listen;
        let tls = match &options.tls {
            Some(pem) => Some(tokio_rustls::TlsAcceptor::from(
                pem.server_config(&[b"http/1.1"])?,
            )),
            None if !addr.ip().is_loopback() => return Err(WebError::NotLoopback(addr)),
            None => None,
        };
        if addr.ip().is_unspecified() && options.url.is_none() {
            return Err(WebError::NoUrl(addr));
        }
        let bind = |source| WebError::Bind { addr, source };
        let listener = std::net::TcpListener::bind(addr).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let local = listener.local_addr().map_err(bind)?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(bind)?;
        let url = options
            .url
            .clone()
            .map(|url| url.trim_end_matches('/').to_string())
            .unwrap_or_else(|| {
                let scheme = if tls.is_some() { "https" } else { "http" };
                format!("{scheme}://{local}")
            });
        Ok(Web { listener, tls, url })
    }

    /// The one-time URL that pairs a device with `code` ([`Reviewers::invite`]).
    pub fn pairing_url(url: &str, code: &str) -> String {
        format!("{url}/#pair={code}")
    }

    pub async fn serve(
        self,
        queue: QueueHandle,
        reviewers: Reviewers,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = router(queue, reviewers);
        match self.tls {
            Some(tls) => {
                axum::serve(https::Listener::spawn(self.listener, tls), router)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
            None => {
                axum::serve(self.listener, router)
                    .with_graceful_shutdown(shutdown)
                    .await
            }
        }
    }
}

#[derive(Clone)]
struct WebState {
    queue: QueueHandle,
    reviewers: Reviewers,
}

fn router(queue: QueueHandle, reviewers: Reviewers) -> axum::Router {
    axum::Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", page::HTML)))
        .route(
            "/app.js",
            get(|| asset("text/javascript; charset=utf-8", page::JS)),
        )
        .route(
            "/app.css",
            get(|| asset("text/css; charset=utf-8", page::CSS)),
        )
        .route("/api/pair", post(pair))
        .route("/api/me", get(me))
        .route("/api/events", get(events))
        .route("/api/decide", post(decide))
        .layer(axum::middleware::map_response(guarded))
        .with_state(WebState { queue, reviewers })
}

/// Every response: no framing, no sniffing, no referrer, no caching, only our own code.
async fn guarded(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A refusal the page shows as it is.
fn refusal(status: StatusCode, message: impl Into<String>) -> Response {
    let body = serde_json::json!({ "error": message.into() });
    (status, Json(body)).into_response()
}

/// The device's CSRF token: derived from its credential, so it needs no state and dies with it.
fn csrf_token(credential: &str) -> String {
    hex::encode(Sha256::digest(format!("signoff web csrf\0{credential}")))
}

fn credential(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| cookie.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// The paired device calling, with its credential.
fn device<'a>(state: &WebState, headers: &'a HeaderMap) -> Option<(Reviewer, &'a str)> {
    let credential = credential(headers)?;
    Some((state.reviewers.identify(credential)?, credential))
}

fn not_paired() -> Response {
    refusal(
        StatusCode::UNAUTHORIZED,
        "This device is not paired (or was revoked, or the console restarted). Pair it from the console.",
    )
}

#[derive(Deserialize)]
struct PairBody {
    code: String,
    name: String,
}

async fn pair(State(state): State<WebState>, Json(body): Json<PairBody>) -> Response {
    let credential = match state.reviewers.accept(&body.name, &body.code) {
        Ok(credential) => credential,
        Err(PairError::UnknownCode(_)) => {
            return refusal(
                StatusCode::FORBIDDEN,
                "That code is not waiting: it was used, it is older than two minutes, or it was mistyped. Show a new one in the console.",
            );
        }
        Err(error @ PairError::TooMany) => {
            return refusal(StatusCode::TOO_MANY_REQUESTS, error.to_string());
        }
        Err(error @ PairError::Random(_)) => {
            return refusal(StatusCode::INTERNAL_SERVER_ERROR, error.to_string());
        }
        Err(error) => return refusal(StatusCode::UNPROCESSABLE_ENTITY, error.to_string()),
    };
    let cookie = format!(
        "{COOKIE}={credential}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=2592000"
    );
    let body = serde_json::json!({ "name": body.name.trim(), "csrf": csrf_token(&credential) });
    let mut response = Json(body).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn me(State(state): State<WebState>, headers: HeaderMap) -> Response {
    match device(&state, &headers) {
        Some((reviewer, credential)) => {
            Json(serde_json::json!({ "name": reviewer.name, "csrf": csrf_token(credential) }))
                .into_response()
        }
        None => not_paired(),
    }
}

/// The waiting queue, whole, each time it changes (server-sent events), until the device is
/// revoked or the console closes.
async fn events(State(state): State<WebState>, headers: HeaderMap) -> Response {
    let Some((reviewer, _)) = device(&state, &headers) else {
        return not_paired();
    };
    let Ok(Watching { picture, events }) = state.queue.watch().await else {
        return refusal(StatusCode::SERVICE_UNAVAILABLE, "The console is closing.");
    };
    Sse::new(queue_stream(reviewer, picture, events))
        .keep_alive(KeepAlive::default())
        .into_response()
}

fn queue_stream(
    reviewer: Reviewer,
    picture: Vec<crate::queue::UiEvent>,
    mut events: tokio::sync::mpsc::Receiver<std::sync::Arc<crate::queue::Shown>>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let mut mirror = page::Mirror::default();
    for event in &picture {
        mirror.apply(event);
    }
    let first = mirror.to_json();
    let live = stream::poll_fn(move |cx| events.poll_recv(cx)).filter_map(move |shown| {
        let changed = mirror.apply(&shown.event);
        std::future::ready(changed.then(|| mirror.to_json()))
    });
    let mut revoked = reviewer.revoked;
    let revocation = Box::pin(async move {
        // A sender gone (the console closing) is not a revocation.
        if revoked.wait_for(|revoked| *revoked).await.is_err() {
            std::future::pending::<()>().await;
        }
    });
    stream::once(std::future::ready(first))
        .chain(live)
        .map(|queue| Ok(Event::default().event("queue").data(queue.to_string())))
        .take_until(revocation)
}

#[derive(Deserialize)]
struct DecideBody {
    session: String,
    proposal: String,
    /// The action digest of the item as the page showed it.
    digest: String,
    /// "approve" or "deny".
    verdict: String,
    #[serde(default)]
    note: String,
    /// A critical item's name, as typed on the phone.
    #[serde(default)]
    typed: String,
}

async fn decide(
    State(state): State<WebState>,
    headers: HeaderMap,
    Json(body): Json<DecideBody>,
) -> Response {
    let Some((reviewer, credential)) = device(&state, &headers) else {
        return not_paired();
    };
    let csrf = headers
        .get(CSRF_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if !bool::from(csrf.as_bytes().ct_eq(csrf_token(credential).as_bytes())) {
        return refusal(
            StatusCode::FORBIDDEN,
            "This decision did not come from the signoff page (no CSRF token): nothing was decided.",
        );
    }
    let (key, seen) = match (key(body.session, body.proposal), digest(&body.digest)) {
        (Ok(key), Ok(seen)) => (key, seen),
        (Err(error), _) | (_, Err(error)) => {
            return refusal(StatusCode::BAD_REQUEST, error.to_string());
        }
    };
    let answer = match body.verdict.as_str() {
        "approve" => PersonDecision::Approve {
            typed: Some(body.typed).filter(|typed| !typed.is_empty()),
        },
        "deny" => PersonDecision::Deny { note: body.note },
        _ => return refusal(StatusCode::BAD_REQUEST, "A verdict is approve or deny."),
    };
    match state
        .queue
        .decide_seen(key, Some(seen), &reviewer.name, answer)
        .await
    {
        Ok(Ok(())) => Json(serde_json::json!({})).into_response(),
        Ok(Err(error @ DecideError::Changed)) => refusal(StatusCode::CONFLICT, error.to_string()),
        Ok(Err(error)) => refusal(StatusCode::UNPROCESSABLE_ENTITY, error.to_string()),
        Err(Closed) => refusal(StatusCode::SERVICE_UNAVAILABLE, "The console is closing."),
    }
}
