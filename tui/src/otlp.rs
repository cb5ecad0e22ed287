//! Decisions exported as OpenTelemetry log records (`--otlp ENDPOINT`), where a team already looks
//! at its agents' own telemetry.
//!
//! Each decision becomes one `signoff.tool_decision` record once the history has journaled it and
//! its agent has been answered ([`crate::store::writer::Settings::follower`]): the attributes the
//! agents' own tool-decision events use (`tool_name`, `decision`, `source`), then signoff's
//! (`signoff.tier`, `signoff.environment`, `signoff.action.digest`, `signoff.chain.seq`…). The
//! action itself (the command, the diff) stays in the history, under the same digest and chain
//! position: a command line can hold a secret, and a collector is someone else's disk.
//!
//! The export never delays or fails an answer: records are handed to the SDK's batch processor,
//! which queues them (dropping past 2,048 waiting) and sends them from a thread of its own. When
//! the collector cannot be reached, the person is told once, and again when it recovers.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry_otlp::tonic_types::transport::ClientTlsConfig;
use opentelemetry_otlp::{WithExportConfig, WithTonicConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLogger, SdkLoggerProvider};
use signoff_protocol::{Action, ActionKind};

use crate::store::journal::{Numbered, Record};
use crate::store::writer::Follower;

/// The log record's event name.
pub const EVENT: &str = "signoff.tool_decision";

/// How long the last records may take to leave when the console stops.
const FLUSH_LIMIT: Duration = Duration::from_secs(3);

type Tell = Arc<dyn Fn(String) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
#[error("--otlp {endpoint}: {reason}")]
pub struct OtlpError {
    endpoint: String,
    reason: String,
}

impl OtlpError {
    /// The export follows the history's journal; a console that keeps none has nothing to send.
    pub fn without_history(endpoint: &str) -> OtlpError {
        OtlpError {
            endpoint: endpoint.into(),
            reason: "decisions are exported as the history records them, and this console keeps no history".into(),
        }
    }
}

/// The running export.
pub struct Export {
    provider: SdkLoggerProvider,
    logger: SdkLogger,
}

impl Export {
    /// Starts exporting to the OTLP/gRPC collector at `endpoint` (`http://host:4317`, or
    /// `https://…`, checked against the system's roots; `OTEL_EXPORTER_OTLP_HEADERS` adds
    /// headers, e.g. a vendor's API key). Nothing is sent yet: a collector that is down is found
    /// by the first export, and `tell` says so. Must run inside a tokio runtime.
    pub fn start(
        endpoint: &str,
        tell: impl Fn(String) + Send + Sync + 'static,
    ) -> Result<Export, OtlpError> {
        let error = |reason: String| OtlpError {
            endpoint: endpoint.into(),
            reason,
        };
        let (scheme, rest) = endpoint.split_once("://").unwrap_or_default();
        if rest.trim_end_matches('/').contains('/') {
            return Err(error(
                "OTLP over gRPC takes no path: give the collector's gRPC address, http://HOST:PORT (usually port 4317); a path such as /v1/logs is OTLP over HTTP, which signoff does not send".into(),
            ));
        }
        let mut builder = opentelemetry_otlp::LogExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint);
        match scheme {
            "http" => {}
            "https" => {
                builder = builder.with_tls_config(ClientTlsConfig::new().with_native_roots());
            }
            _ => {
                return Err(error(
                    "not a collector's URL: give http://HOST:PORT (OTLP over gRPC, usually port 4317) or https://…".into(),
                ));
            }
        }
        let exporter = builder.build().map_err(|e| error(e.to_string()))?;
        let exporter = Reported {
            exporter,
            endpoint: endpoint.into(),
            failing: AtomicBool::new(false),
            tell: Arc::new(tell),
        };
        let provider = SdkLoggerProvider::builder()
            .with_resource(
                Resource::builder()
                    .with_service_name("signoff")
                    .with_attribute(opentelemetry::KeyValue::new(
                        "service.version",
                        env!("CARGO_PKG_VERSION"),
                    ))
                    .build(),
            )
            .with_batch_exporter(exporter)
            .build();
        let logger = provider.logger("signoff");
        Ok(Export { provider, logger })
    }

    /// What the history's journal shows every batch of records it wrote: each decision in them
    /// is emitted, which only queues it.
    pub fn follower(&self) -> Follower {
        let logger = self.logger.clone();
        Box::new(move |records| {
            for (proposal, decision) in decisions(records) {
                emit(&logger, proposal, decision);
            }
        })
    }

    /// Sends what is still queued, for at most a few seconds, and stops.
    pub async fn shutdown(self) {
        let provider = self.provider;
        let flushed =
            tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(FLUSH_LIMIT));
        if let Ok(Ok(Err(error))) = tokio::time::timeout(FLUSH_LIMIT * 2, flushed).await {
            tracing::warn!(%error, "the OTLP export did not stop cleanly");
        }
    }
}

/// The decisions in a batch of journaled records: a decision's record comes right after its
/// proposal's, marked decided ([`crate::store::writer`]).
fn decisions(records: &[Numbered]) -> impl Iterator<Item = (&Record, &Record)> {
    records.windows(2).filter_map(|pair| {
        let (proposal, decision) = (&pair[0].record, &pair[1].record);
        match (proposal, decision) {
            (
                Record::Proposal {
                    session: asked_in,
                    proposal: asked,
                    decided: true,
                    ..
                },
                Record::Decision {
                    session, proposal, ..
                },
            ) if asked_in == session && asked == proposal => Some((&pair[0].record, decision)),
            _ => None,
        }
    })
}

fn emit(logger: &SdkLogger, proposal: &Record, decision: &Record) {
    let Some(decided) = Decided::of(proposal, decision) else {
        return;
    };
    let mut record = logger.create_log_record();
    record.set_event_name(EVENT);
    record.set_timestamp(UNIX_EPOCH + Duration::from_millis(decided.at.max(0) as u64));
    record.set_observed_timestamp(SystemTime::now());
    let (severity, text) = if decided.verdict == "approved" {
        (Severity::Info, "INFO")
    } else {
        (Severity::Warn, "WARN")
    };
    record.set_severity_number(severity);
    record.set_severity_text(text);
    record.set_body(AnyValue::from(decided.sentence()));
    record.add_attributes(decided.attributes());
    logger.emit(record);
}

/// One decision, as the export tells it.
#[derive(Debug, PartialEq)]
struct Decided<'a> {
    tool_name: String,
    verdict: &'a str,
    decided_by: &'a str,
    grant_id: &'a str,
    kind: &'a str,
    tier: &'a str,
    environment: &'a str,
    agent: &'a str,
    session: &'a str,
    proposal: &'a str,
    digest: &'a str,
    policy_version: &'a str,
    seq: i64,
    hash: &'a str,
    at: i64,
}

impl<'a> Decided<'a> {
    fn of(proposal: &'a Record, decision: &'a Record) -> Option<Decided<'a>> {
        let (
            Record::Proposal {
                session,
                proposal,
                agent,
                kind,
                action,
                environment,
                tier,
                policy_version,
                ..
            },
            Record::Decision {
                seq,
                verdict,
                decided_by,
                grant_id,
                digest,
                decided_at,
                hash,
                ..
            },
        ) = (proposal, decision)
        else {
            return None;
        };
        let action = hex::decode(action)
            .ok()
            .and_then(|bytes| Action::from_bytes(&bytes).ok());
        Some(Decided {
            tool_name: action.map_or_else(|| kind.clone(), |action| tool_name(&action.kind)),
            verdict,
            decided_by,
            grant_id,
            kind,
            tier,
            environment,
            agent,
            session,
            proposal,
            digest,
            policy_version,
            seq: *seq,
            hash,
            at: *decided_at,
        })
    }

    /// Who decided, in the words the agents' own telemetry uses: `user` when a person did (at
    /// the moment, or earlier by a grant), `config` when the console's policy and settings did
    /// (a streaming tier, a deadline, a withdrawal).
    fn source(&self) -> &'static str {
        if !self.grant_id.is_empty() {
            return "user";
        }
        match self.decided_by {
            "stream" | "console" => "config",
            _ => "user",
        }
    }

    /// The record's body: what a person reads in a log view.
    fn sentence(&self) -> String {
        format!(
            "{} {} ({}, {}) by {}",
            self.verdict, self.tool_name, self.tier, self.environment, self.decided_by
        )
    }

    fn attributes(&self) -> Vec<(&'static str, AnyValue)> {
        let text = |value: &str| AnyValue::from(value.to_string());
        let mut attributes = vec![
            ("tool_name", text(&self.tool_name)),
            ("decision", text(self.verdict)),
            ("source", text(self.source())),
            ("signoff.decided_by", text(self.decided_by)),
            ("signoff.tier", text(self.tier)),
            ("signoff.environment", text(self.environment)),
            ("signoff.action.kind", text(self.kind)),
            ("signoff.action.digest", text(self.digest)),
            ("signoff.chain.seq", AnyValue::Int(self.seq)),
            ("signoff.chain.hash", text(self.hash)),
            ("signoff.agent", text(self.agent)),
            ("signoff.session.id", text(self.session)),
            ("signoff.proposal.id", text(self.proposal)),
            ("signoff.policy.version", text(self.policy_version)),
        ];
        if !self.grant_id.is_empty() {
            attributes.push(("signoff.grant.id", text(self.grant_id)));
        }
        attributes
    }
}

/// The tool's name as agents name it: an MCP server's tool as `mcp__SERVER__TOOL`, a tool signoff
/// has no kind for by its own name, the rest by their kind (`shell`, `file`, `sql`…).
fn tool_name(kind: &ActionKind) -> String {
    match kind {
        ActionKind::Mcp(call) => format!("mcp__{}__{}", call.server, call.tool),
        ActionKind::Tool(tool) => tool.tool.clone(),
        other => other.name().into(),
    }
}

/// The OTLP exporter, telling the person when the collector stops taking records and when it
/// takes them again: the history keeps every decision either way.
struct Reported {
    exporter: opentelemetry_otlp::LogExporter,
    endpoint: String,
    failing: AtomicBool,
    tell: Tell,
}

impl fmt::Debug for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reported")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl LogExporter for Reported {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let exported = self.exporter.export(batch).await;
        match &exported {
            Err(error) if !self.failing.swap(true, Ordering::Relaxed) => (self.tell)(format!(
                "OTLP export to {} failed; the history still records every decision. ({error})",
                self.endpoint
            )),
            Ok(()) if self.failing.swap(false, Ordering::Relaxed) => {
                (self.tell)(format!("OTLP export to {} works again.", self.endpoint))
            }
            _ => {}
        }
        exported
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.exporter.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.exporter.set_resource(resource);
    }
}

#[cfg(test)]
mod tests;
