//! Reviewers beyond the console's own terminal: pairing, and the credentials it makes.
//!
//! Reviewer authority comes only from a person at a trusted screen. A new screen asks to pair
//! ([`Reviewers::request`]) and shows the code it gets; a person types that code into a screen
//! already trusted — the console's own, or a paired reviewer's — ([`Reviewers::confirm`]); only
//! then is a credential made, and it goes to the screen that asked, never to the one that typed.
//! No command, file or call makes one by itself: an agent that asks to pair gets a code, and
//! nothing more until a person types it.
//!
//! A console without a screen (`signoff serve`) has no trusted screen to type a code into: it
//! shows one code of its own, once, on the terminal that started it ([`Reviewers::first_code`]);
//! the first screen to present it becomes a reviewer ([`Reviewers::pair_first`]), and pairs the
//! others as above.
//!
//! A phone pairs the other way round ([`Reviewers::invite`]): the trusted screen shows a one-time
//! code (as a QR code of the web page's pairing URL), and the device that presents it within two
//! minutes becomes the reviewer it names ([`Reviewers::accept`]). The code never leaves the
//! trusted screen but through a person's eyes or camera.
//!
//! The console keeps each credential's SHA-256, never the credential, and compares in constant
//! time. Pairings live as long as the console: after a restart, screens pair again.

pub mod pages;
pub mod wire;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::{oneshot, watch};

/// How long a pairing code waits to be typed.
pub const PAIRING_TIME: Duration = Duration::from_secs(120);
/// Pairings waiting at once; more are refused (a flood of requests cannot grow the console).
const MAX_PENDING: usize = 16;
/// 32 letters and digits that cannot be misread for each other (no 0/O, 1/I).
const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Says what a credential is where it leaks (logs, secret scanners).
const PREFIX: &str = "signoff_reviewer_";
/// The words `decided_by` uses for the console itself, and the two-person rule's joiner.
const RESERVED: [&str; 4] = ["terminal", "stream", "grant", "console"];
pub const MAX_NAME_CHARS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairError {
    #[error("a reviewer's name is 1 to {MAX_NAME_CHARS} printable characters")]
    BadName,
    #[error("`{0}` names the console itself in decisions: choose another name")]
    Reserved(String),
    #[error("`{0}` is already a paired reviewer's name: choose another, or revoke that one")]
    Taken(String),
    #[error("{MAX_PENDING} pairings are already waiting: try again in two minutes")]
    TooMany,
    #[error(
        "no pairing waits under code {0}: check it, or attach again (a code lasts two minutes)"
    )]
    UnknownCode(String),
    #[error("the screen that showed code {0} has gone: attach again")]
    Gone(String),
    #[error("cannot make a credential: {0}")]
    Random(String),
    #[error("that is not the code `signoff serve` showed, or it was used already")]
    NotFirstCode,
}

/// A paired reviewer, as screens list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewerInfo {
    pub id: String,
    pub name: String,
    pub paired_at: SystemTime,
}

/// What a screen says once it has paired the reviewer `name`.
pub fn paired_sentence(name: &str) -> String {
    format!("{name} is now a reviewer: its decisions carry that name.")
}

/// Who is calling: the reviewer a credential belongs to.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub id: String,
    pub name: String,
    /// Becomes true when the credential is revoked: a stream it holds ends then.
    pub revoked: watch::Receiver<bool>,
}

/// A pairing that waits for its code to be typed.
pub struct Pairing {
    pub code: String,
    /// The credential, once a person has typed the code; dropped unsent when nobody does.
    pub credential: oneshot::Receiver<String>,
}

/// Every pairing and credential of one console. Cheap to clone.
#[derive(Clone, Default)]
pub struct Reviewers(Arc<Mutex<Inner>>);

#[derive(Default)]
struct Inner {
    pending: Vec<Pending>,
    paired: Vec<Paired>,
    next_id: u64,
    /// The code `signoff serve` showed, until a screen presents it.
    first: Option<String>,
    /// Codes a trusted screen showed for a device to present ([`Reviewers::invite`]).
    invitations: Vec<(String, Instant)>,
}

struct Pending {
    code: String,
    name: String,
    deliver: oneshot::Sender<String>,
    expires: Instant,
}

struct Paired {
    info: ReviewerInfo,
    hash: [u8; 32],
    revoked: watch::Sender<bool>,
}

impl Reviewers {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A screen asks to become the reviewer `name`: it gets a code to show.
    pub fn request(&self, name: &str) -> Result<Pairing, PairError> {
        let name = name.trim();
        let mut inner = self.inner();
        inner.check_name(name)?;
        let now = Instant::now();
        inner
            .pending
            .retain(|pending| pending.expires > now && !pending.deliver.is_closed());
        if inner.pending.len() >= MAX_PENDING {
            return Err(PairError::TooMany);
        }
        let code = loop {
            let code = new_code().map_err(|e| PairError::Random(e.to_string()))?;
            if inner.pending.iter().all(|pending| pending.code != code) {
                break code;
            }
        };
        let (deliver, credential) = oneshot::channel();
        inner.pending.push(Pending {
            code: code.clone(),
            name: name.to_string(),
            deliver,
            expires: now + PAIRING_TIME,
        });
        Ok(Pairing { code, credential })
    }

    /// A person typed `code` into a trusted screen: the screen that showed it becomes a reviewer.
    /// Returns its name.
    pub fn confirm(&self, code: &str) -> Result<String, PairError> {
        let code = normalize(code);
        let mut inner = self.inner();
        let now = Instant::now();
        inner.pending.retain(|pending| pending.expires > now);
        let at = inner
            .pending
            .iter()
            .position(|pending| pending.code == code)
            .ok_or_else(|| PairError::UnknownCode(code.clone()))?;
        let pending = inner.pending.swap_remove(at);
        // The name was free when asked; another pairing may have taken it since.
        inner.check_name(&pending.name)?;
        // Under the lock: the credential is known to `identify` before its screen can use it.
        let credential = inner.enrol(&pending.name)?;
        if pending.deliver.send(credential).is_err() {
            inner.paired.pop();
            return Err(PairError::Gone(code));
        }
        Ok(pending.name)
    }

    /// For a console without a screen: the one code that makes the first reviewer, to show on
    /// the terminal that started it. Replaces any earlier one.
    pub fn first_code(&self) -> Result<String, PairError> {
        let code = new_code().map_err(|e| PairError::Random(e.to_string()))?;
        self.inner().first = Some(code.clone());
        Ok(code)
    }

    /// A screen presents the code [`Reviewers::first_code`] made: it becomes the reviewer `name`
    /// at once, and the code is spent. Returns its credential.
    pub fn pair_first(&self, name: &str, code: &str) -> Result<String, PairError> {
        let name = name.trim();
        let code = normalize(code);
        let mut inner = self.inner();
        inner.check_name(name)?;
        let matches = inner
            .first
            .as_ref()
            .is_some_and(|first| bool::from(first.as_bytes().ct_eq(code.as_bytes())));
        if !matches {
            return Err(PairError::NotFirstCode);
        }
        inner.first = None;
        inner.enrol(name)
    }

    /// A trusted screen invites a device (a phone's browser): a code that makes one reviewer
    /// when presented within [`PAIRING_TIME`].
    pub fn invite(&self) -> Result<String, PairError> {
        let mut inner = self.inner();
        let now = Instant::now();
        inner.invitations.retain(|(_, expires)| *expires > now);
        if inner.invitations.len() >= MAX_PENDING {
            return Err(PairError::TooMany);
        }
        let code = new_code().map_err(|e| PairError::Random(e.to_string()))?;
        inner.invitations.push((code.clone(), now + PAIRING_TIME));
        Ok(code)
    }

    /// A device presents an invitation's code (or the first code of a console without a
    /// screen): it becomes the reviewer `name` at once, and the code is spent. Returns its
    /// credential.
    pub fn accept(&self, name: &str, code: &str) -> Result<String, PairError> {
        let name = name.trim();
        let code = normalize(code);
        let mut inner = self.inner();
        inner.check_name(name)?;
        let now = Instant::now();
        inner.invitations.retain(|(_, expires)| *expires > now);
        // Each one compared, in constant time.
        let mut found = None;
        for (at, (invited, _)) in inner.invitations.iter().enumerate() {
            if bool::from(invited.as_bytes().ct_eq(code.as_bytes())) {
                found = Some(at);
            }
        }
        match found {
            Some(at) => {
                inner.invitations.swap_remove(at);
                inner.enrol(name)
            }
            None => {
                drop(inner);
                self.pair_first(name, &code)
                    .map_err(|_| PairError::UnknownCode(code))
            }
        }
    }

    /// The reviewer `credential` belongs to, if it is paired and not revoked.
    pub fn identify(&self, credential: &str) -> Option<Reviewer> {
        let presented = hash(credential);
        let inner = self.inner();
        // Every stored hash is compared, each in constant time.
        let mut found = None;
        for paired in &inner.paired {
            if bool::from(paired.hash.ct_eq(&presented)) {
                found = Some(paired);
            }
        }
        found.map(|paired| Reviewer {
            id: paired.info.id.clone(),
            name: paired.info.name.clone(),
            revoked: paired.revoked.subscribe(),
        })
    }

    pub fn list(&self) -> Vec<ReviewerInfo> {
        let inner = self.inner();
        inner
            .paired
            .iter()
            .map(|paired| paired.info.clone())
            .collect()
    }

    /// Ends a reviewer's credential: its calls are refused and its streams end. False when no
    /// such reviewer is paired.
    pub fn revoke(&self, id: &str) -> bool {
        let mut inner = self.inner();
        let Some(at) = inner.paired.iter().position(|paired| paired.info.id == id) else {
            return false;
        };
        let paired = inner.paired.remove(at);
        paired.revoked.send_replace(true);
        true
    }
}

impl Inner {
    /// A new reviewer `name`: its credential, whose hash is kept.
    fn enrol(&mut self, name: &str) -> Result<String, PairError> {
        let credential = new_credential().map_err(|e| PairError::Random(e.to_string()))?;
        self.next_id += 1;
        self.paired.push(Paired {
            info: ReviewerInfo {
                id: format!("r{}", self.next_id),
                name: name.to_string(),
                paired_at: SystemTime::now(),
            },
            hash: hash(&credential),
            revoked: watch::channel(false).0,
        });
        Ok(credential)
    }

    fn check_name(&self, name: &str) -> Result<(), PairError> {
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_NAME_CHARS || name.chars().any(|c| c.is_control()) {
            return Err(PairError::BadName);
        }
        let lower = name.to_lowercase();
        if RESERVED.contains(&lower.as_str()) || lower.contains(" and ") {
            return Err(PairError::Reserved(name.to_string()));
        }
        if self
            .paired
            .iter()
            .any(|paired| paired.info.name.to_lowercase() == lower)
        {
            return Err(PairError::Taken(name.to_string()));
        }
        Ok(())
    }
}

/// Eight symbols from [`CODE_ALPHABET`] (40 bits), shown as `ABCD-EFGH`.
fn new_code() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)?;
    let symbols: String = bytes
        .iter()
        .map(|byte| char::from(CODE_ALPHABET[usize::from(byte % 32)]))
        .collect();
    Ok(format!("{}-{}", &symbols[..4], &symbols[4..]))
}

/// A code as typed: any case, with or without its dash or spaces.
fn normalize(code: &str) -> String {
    let symbols: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if symbols.len() == 8 {
        format!("{}-{}", &symbols[..4], &symbols[4..])
    } else {
        symbols
    }
}

/// 256 random bits from the operating system.
fn new_credential() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{PREFIX}{}", hex::encode(bytes)))
}

fn hash(credential: &str) -> [u8; 32] {
    Sha256::digest(credential.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(reviewers: &Reviewers, name: &str) -> String {
        let mut pairing = reviewers.request(name).unwrap();
        assert_eq!(reviewers.confirm(&pairing.code).unwrap(), name);
        pairing.credential.try_recv().unwrap()
    }

    #[test]
    fn a_credential_exists_only_once_a_person_types_the_code() {
        let reviewers = Reviewers::default();
        let mut pairing = reviewers.request("alice").unwrap();
        assert!(
            pairing.credential.try_recv().is_err(),
            "nothing before the code is typed"
        );
        assert!(reviewers.list().is_empty());
        assert!(matches!(
            reviewers.confirm("AAAA-AAAA"),
            Err(PairError::UnknownCode(_))
        ));
        // Typed in lower case without the dash: the same code.
        let typed = pairing.code.to_lowercase().replace('-', "");
        assert_eq!(reviewers.confirm(&typed).unwrap(), "alice");
        let credential = pairing.credential.try_recv().unwrap();
        assert!(credential.starts_with(PREFIX));
        let reviewer = reviewers.identify(&credential).unwrap();
        assert_eq!(reviewer.name, "alice");
        assert!(reviewers.identify("signoff_reviewer_00").is_none());
        // A code is used once.
        assert!(reviewers.confirm(&pairing.code).is_err());
    }

    #[test]
    fn a_revoked_credential_is_refused_and_its_holders_hear_it() {
        let reviewers = Reviewers::default();
        let credential = pair(&reviewers, "alice");
        let reviewer = reviewers.identify(&credential).unwrap();
        assert!(!*reviewer.revoked.borrow());
        assert!(reviewers.revoke(&reviewer.id));
        assert!(*reviewer.revoked.borrow());
        assert!(reviewers.identify(&credential).is_none());
        assert!(reviewers.list().is_empty());
        assert!(!reviewers.revoke(&reviewer.id));
    }

    #[test]
    fn names_that_decisions_use_for_the_console_or_another_reviewer_are_refused() {
        let reviewers = Reviewers::default();
        pair(&reviewers, "alice");
        for name in ["terminal", "Stream", "grant", "console", "bob and carol"] {
            assert!(
                matches!(reviewers.request(name), Err(PairError::Reserved(_))),
                "{name}"
            );
        }
        assert!(matches!(
            reviewers.request("ALICE"),
            Err(PairError::Taken(_))
        ));
        assert!(matches!(reviewers.request(" "), Err(PairError::BadName)));
        assert!(matches!(
            reviewers.request("a\u{1b}[2J"),
            Err(PairError::BadName)
        ));
        assert!(matches!(
            reviewers.request(&"x".repeat(33)),
            Err(PairError::BadName)
        ));
    }

    #[test]
    fn a_screen_gone_before_its_code_is_typed_gets_no_credential() {
        let reviewers = Reviewers::default();
        let pairing = reviewers.request("alice").unwrap();
        let code = pairing.code.clone();
        drop(pairing);
        assert!(matches!(reviewers.confirm(&code), Err(PairError::Gone(_))));
        assert!(reviewers.list().is_empty());
    }

    #[test]
    fn the_first_code_of_a_console_without_a_screen_pairs_once() {
        let reviewers = Reviewers::default();
        assert_eq!(
            reviewers.pair_first("alice", "AAAA-AAAA"),
            Err(PairError::NotFirstCode),
            "no code was shown"
        );
        let code = reviewers.first_code().unwrap();
        assert_eq!(
            reviewers.pair_first("alice", "AAAA-AAAA"),
            Err(PairError::NotFirstCode)
        );
        let credential = reviewers.pair_first("alice", &code.to_lowercase()).unwrap();
        assert_eq!(reviewers.identify(&credential).unwrap().name, "alice");
        assert_eq!(
            reviewers.pair_first("bob", &code),
            Err(PairError::NotFirstCode),
            "spent"
        );
    }

    #[test]
    fn an_invitation_pairs_one_device_within_its_time() {
        let reviewers = Reviewers::default();
        let code = reviewers.invite().unwrap();
        assert_eq!(
            reviewers.accept("Jer's phone", "wrong"),
            Err(PairError::UnknownCode("WRONG".into()))
        );
        let credential = reviewers
            .accept("Jer's phone", &code.to_lowercase())
            .unwrap();
        assert_eq!(reviewers.identify(&credential).unwrap().name, "Jer's phone");
        // Spent: a second device cannot use it.
        assert!(matches!(
            reviewers.accept("Other phone", &code),
            Err(PairError::UnknownCode(_))
        ));
        // The name rules are a pairing's.
        let code = reviewers.invite().unwrap();
        assert_eq!(
            reviewers.accept("terminal", &code),
            Err(PairError::Reserved("terminal".into()))
        );
        // Expired.
        reviewers.inner().invitations[0].1 = Instant::now();
        assert!(matches!(
            reviewers.accept("Jer's tablet", &code),
            Err(PairError::UnknownCode(_))
        ));
    }

    #[test]
    fn waiting_pairings_are_bounded() {
        let reviewers = Reviewers::default();
        let held: Vec<Pairing> = (0..MAX_PENDING)
            .map(|i| reviewers.request(&format!("r{i}")).unwrap())
            .collect();
        assert_eq!(
            reviewers.request("one more").err(),
            Some(PairError::TooMany)
        );
        drop(held);
        assert!(reviewers.request("one more").is_ok());
    }
}
