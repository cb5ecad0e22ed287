//! HTTP clients: the host of the URL they are given.

use super::{Ask, Named};
use crate::policy::env::{host_of, is_loopback};

pub(super) fn http_client(ask: &Ask) -> Option<Named> {
    let url = ask
        .command
        .args
        .iter()
        .map(|word| ask.vars.expand(word))
        .find(|word| word.contains("://"))?;
    let host = host_of(url)?.to_string();
    let source = format!("the URL's host `{host}`");
    let names = vec![("url", url.to_string())];
    Some(if is_loopback(&host) {
        Named::local(source, names)
    } else {
        Named::remote(source, names)
    })
}
