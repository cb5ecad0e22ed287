//! The reviewer page (`--web`): over HTTP as any client could speak it, and in the real Chromium
//! (Debian's, driven headless through its chromedriver) at a phone's size.

use signoff_agent_sdk::{DecidedBy, Environment, Verdict};
use signoff_protocol::Tier;
use signoff_tui::queue::QueueConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::support::{TestConsole, approve_typed, shell, within};

mod browser;

/// One HTTP/1.1 exchange, spoken by hand so that nothing a client library adds is assumed.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

pub async fn http(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let addr = base.trim_start_matches("http://");
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    exchange(stream, addr, method, path, headers, body).await
}

/// One HTTP/1.1 exchange on `stream`, to `addr`.
async fn exchange(
    mut stream: impl AsyncRead + AsyncWrite + Unpin,
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    within(stream.read_to_string(&mut answer)).await.unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    Answer {
        status: head[9..12].parse().unwrap(),
        head: head.to_ascii_lowercase(),
        body: body.to_string(),
    }
}

/// Pairs a device named `name` with a fresh invitation: its cookie and CSRF token.
pub async fn pair(console: &TestConsole, name: &str) -> (String, String) {
    let code = console.reviewers().invite().unwrap();
    let body = serde_json::json!({ "code": code, "name": name }).to_string();
    let answer = http(
        console.web_url(),
        "POST",
        "/api/pair",
        &[("Content-Type", "application/json")],
        &body,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let cookie_line = answer
        .head
        .lines()
        .find(|line| line.starts_with("set-cookie:"))
        .unwrap();
    for flag in ["httponly", "secure", "samesite=strict", "path=/"] {
        assert!(cookie_line.contains(flag), "{cookie_line}");
    }
    let csrf = serde_json::from_str::<serde_json::Value>(&answer.body).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_string();
    (cookie(&answer), csrf)
}

/// The `name=value` of the cookie a pairing set. The head was lowercased: the credential is
/// lowercase hex after its prefix anyway.
fn cookie(answer: &Answer) -> String {
    answer
        .head
        .lines()
        .find_map(|line| line.strip_prefix("set-cookie:"))
        .and_then(|line| line.trim().split(';').next())
        .unwrap()
        .to_string()
}

fn decision(item: &signoff_tui::queue::Item, digest: &str, verdict: &str) -> String {
    serde_json::json!({
        "session": item.key.session.0,
        "proposal": item.key.proposal.0,
        "digest": digest,
        "verdict": verdict,
        "note": "not on a Friday",
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_needs_a_paired_device_its_csrf_token_and_the_digest_it_saw() {
    let mut console = TestConsole::start_web().await;
    let base = console.web_url().to_string();

    // Every answer says: only our own code runs, nothing frames it, nothing is cached.
    let page = http(&base, "GET", "/", &[], "").await;
    assert_eq!(page.status, 200);
    for header in [
        "content-security-policy: default-src 'none'; script-src 'self'; style-src 'self';",
        "x-content-type-options: nosniff",
        "x-frame-options: deny",
        "cache-control: no-store",
        "referrer-policy: no-referrer",
    ] {
        assert!(
            page.head.contains(header),
            "{header} missing from\n{}",
            page.head
        );
    }
    assert!(!page.head.contains("unsafe-inline"));

    // An invitation pairs one device, once.
    let code = console.reviewers().invite().unwrap();
    let body = serde_json::json!({ "code": code, "name": "Jer's phone" }).to_string();
    let json = [("Content-Type", "application/json")];
    assert_eq!(
        http(&base, "POST", "/api/pair", &json, &body).await.status,
        200
    );
    let again = serde_json::json!({ "code": code, "name": "Mallory's phone" }).to_string();
    assert_eq!(
        http(&base, "POST", "/api/pair", &json, &again).await.status,
        403
    );
    let (cookie, csrf) = pair(&console, "Jer's tablet").await;
    assert_eq!(http(&base, "GET", "/api/me", &[], "").await.status, 401);
    let me = http(&base, "GET", "/api/me", &[("Cookie", &cookie)], "").await;
    assert!(me.body.contains("Jer's tablet"), "{}", me.body);

    let session = console.session("ops").await;
    let pending = session
        .submit(shell("touch F", Environment::Production), None)
        .await
        .unwrap();
    let decided = tokio::spawn(pending.decision());
    let item = console.next_waiting().await;
    let digest = item.digest.to_hex();
    let deny = decision(&item, &digest, "deny");

    let full: Vec<(&str, String)> = vec![
        ("Content-Type", "application/json".into()),
        ("Cookie", cookie.clone()),
        ("X-Signoff-CSRF", csrf.clone()),
    ];
    let send = |headers: Vec<(&'static str, String)>, body: String| {
        let base = base.clone();
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            http(&base, "POST", "/api/decide", &headers, &body).await
        }
    };
    // The cookie alone does not decide: a cross-site form or script has no CSRF token.
    let no_csrf = send(full[..2].to_vec(), deny.clone()).await;
    assert_eq!(no_csrf.status, 403, "{}", no_csrf.body);
    let mut wrong_csrf = full.clone();
    wrong_csrf[2].1 = "0".repeat(64);
    assert_eq!(send(wrong_csrf, deny.clone()).await.status, 403);
    // A form's body is not the page's JSON.
    let mut form = full.clone();
    form[0].1 = "application/x-www-form-urlencoded".into();
    assert_eq!(send(form, "verdict=deny".into()).await.status, 415);
    // No cookie, no device.
    assert_eq!(
        send(vec![full[0].clone(), full[2].clone()], deny.clone())
            .await
            .status,
        401
    );
    // Bound to the action shown: another digest is refused.
    let stale = send(full.clone(), decision(&item, &"0".repeat(64), "deny")).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(!decided.is_finished(), "nothing was decided yet");

    // A revoked device decides nothing more.
    let tablet = console
        .reviewers()
        .list()
        .into_iter()
        .find(|reviewer| reviewer.name == "Jer's tablet")
        .unwrap();
    assert!(console.reviewers().revoke(&tablet.id));
    assert_eq!(send(full.clone(), deny.clone()).await.status, 401);

    // A device still paired denies, with a note the agent hears, under its own name.
    let (cookie, csrf) = pair(&console, "Jer's laptop").await;
    let denied = send(
        vec![
            ("Content-Type", "application/json".into()),
            ("Cookie", cookie),
            ("X-Signoff-CSRF", csrf),
        ],
        deny,
    )
    .await;
    assert_eq!(denied.status, 200, "{}", denied.body);
    let decision = within(decided).await.unwrap().unwrap();
    assert_eq!(decision.verdict, Verdict::Denied);
    assert_eq!(decision.note, "not on a Friday");
    assert_eq!(
        decision.decided_by,
        DecidedBy::Person("Jer's laptop".into())
    );
    console.shutdown().await;
}

/// A TLS connection to `addr` that trusts only `cert` (PEM), as a phone trusts the console's.
async fn tls_connect(
    addr: &str,
    cert: &str,
) -> std::io::Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    use tokio_rustls::rustls::{self, pki_types::CertificateDer, pki_types::pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(cert.as_bytes()).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
    connector.connect(name, tcp).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_certificate_the_page_is_served_over_https_and_pairs_there() {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let cert = certified.cert.pem();
    let tls = signoff_tui::tls::TlsPem {
        cert: cert.clone().into(),
        key: certified.signing_key.serialize_pem().into(),
    };
    let console = TestConsole::start_web_with(QueueConfig::default(), Some(tls)).await;
    let addr = console
        .web_url()
        .strip_prefix("https://")
        .expect("the page's own URL is https")
        .to_string();

    let get = |path: &'static str, headers: Vec<(&'static str, String)>| {
        let (addr, cert) = (addr.clone(), cert.clone());
        async move {
            let stream = tls_connect(&addr, &cert).await.unwrap();
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            exchange(stream, &addr, "GET", path, &headers, "").await
        }
    };
    let page = get("/", Vec::new()).await;
    assert_eq!(page.status, 200);
    assert!(
        page.head
            .contains("content-security-policy: default-src 'none'")
    );

    let code = console.reviewers().invite().unwrap();
    let body = serde_json::json!({ "code": code, "name": "Jer's phone" }).to_string();
    let stream = tls_connect(&addr, &cert).await.unwrap();
    let json = [("Content-Type", "application/json")];
    let paired = exchange(stream, &addr, "POST", "/api/pair", &json, &body).await;
    assert_eq!(paired.status, 200, "{}", paired.body);
    let me = get("/api/me", vec![("Cookie", cookie(&paired))]).await;
    assert_eq!(me.status, 200);
    assert!(me.body.contains("Jer's phone"), "{}", me.body);

    // Plain HTTP on the HTTPS port gets no page.
    let mut plain = tokio::net::TcpStream::connect(&addr).await.unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = within(plain.read_to_end(&mut answer)).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("HTTP/1.1 200"),
        "served in clear text"
    );
    console.shutdown().await;
}

/// Reads the page's event stream until an event contains `needle`.
async fn events_until(base: &str, cookie: &str, needle: &str) {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET /api/events HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    within(async {
        while !String::from_utf8_lossy(&seen).contains(needle) {
            let mut chunk = [0; 4096];
            let read = stream.read(&mut chunk).await.unwrap();
            assert_ne!(read, 0, "the stream ended before {needle}");
            seen.extend_from_slice(&chunk[..read]);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_the_two_person_rule_the_phone_is_one_of_the_two_reviewers() {
    let mut console = TestConsole::start_web_with(
        QueueConfig {
            two_person: Some(Tier::Critical),
            ..QueueConfig::default()
        },
        None,
    )
    .await;
    let base = console.web_url().to_string();
    let (cookie, csrf) = pair(&console, "Jer's phone").await;
    let session = console.session("ops").await;
    let mut delete = shell("railway volume delete vol-7f3a", Environment::Production);
    delete.target.resource = "vol-7f3a".into();
    let pending = session.submit(delete, None).await.unwrap();
    let decided = tokio::spawn(pending.decision());
    let item = console.next_waiting().await;

    let approve = serde_json::json!({
        "session": item.key.session.0,
        "proposal": item.key.proposal.0,
        "digest": item.digest.to_hex(),
        "verdict": "approve",
        "typed": "vol-7f3a",
    })
    .to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("Cookie", cookie.as_str()),
        ("X-Signoff-CSRF", csrf.as_str()),
    ];
    let first = http(&base, "POST", "/api/decide", &headers, &approve).await;
    assert_eq!(first.status, 200, "{}", first.body);
    // Every page sees "1 of 2, by the phone"; the agent hears nothing yet.
    events_until(&base, &cookie, r#""first_approval_by":"Jer's phone""#).await;
    assert!(!decided.is_finished(), "one approval does not run it");
    let again = http(&base, "POST", "/api/decide", &headers, &approve).await;
    assert_eq!(again.status, 422);
    assert!(again.body.contains("another reviewer"), "{}", again.body);

    // The console's terminal is the second reviewer.
    console.decide(&item, approve_typed("vol-7f3a")).await;
    let decision = within(decided).await.unwrap().unwrap();
    assert_eq!(
        (decision.verdict, decision.decided_by),
        (
            Verdict::Approved,
            DecidedBy::Person("Jer's phone and terminal".into())
        )
    );
    console.shutdown().await;
}
