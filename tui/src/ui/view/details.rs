//! The details pane: the operation, target, every policy reason, the rationale, the decision and
//! outcome, then the dry run's diff or plan with +/- colouring. Only the lines in view are built.
//! The live queue and the history both draw their selection through [`Detail`].

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use signoff_protocol::{Action, Environment, Tier};

use super::{env_badge, tier_span};
use crate::sanitize;
use crate::ui::app::{App, Mode};

const LABEL: usize = 11;

/// What the details pane shows about one item, live or from the history.
pub struct Detail<'a> {
    pub action: &'a Action,
    pub agent: &'a str,
    pub tier: Tier,
    pub environment: Environment,
    /// (rule id, sentence)
    pub reasons: Vec<(&'a str, &'a str)>,
    pub decision: Option<String>,
    pub outcome: Option<String>,
}

fn field(name: &str, value: String) -> Line<'static> {
    Line::from(vec![format!("{name:<LABEL$}").dim(), value.into()])
}

/// The live screen's details: the selected waiting item, or the selected decided one.
pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let detail = app.detail().map(|(item, decided)| Detail {
        action: &item.action,
        agent: &item.agent,
        tier: item.assessment.tier,
        environment: item.assessment.environment,
        reasons: item
            .assessment
            .reasons
            .iter()
            .map(|r| (r.rule_id.as_str(), r.sentence.as_str()))
            .collect(),
        decision: decided.map(|entry| {
            let decision = &entry.decision;
            let note = if decision.note.is_empty() {
                String::new()
            } else {
                format!(": {}", decision.note)
            };
            format!(
                "{} by {}{note}",
                decision.verdict,
                crate::sanitize::line(decision.decided_by.who(), 40)
            )
        }),
        outcome: decided
            .and_then(|entry| entry.outcome.as_ref())
            .map(|outcome| {
                let code = outcome
                    .exit_code
                    .map(|c| format!(" (exit {c})"))
                    .unwrap_or_default();
                format!("{}{code} {}", outcome.status.as_str(), outcome.result)
            }),
    });
    let newcomer = app.sessions.is_empty() && app.stream.is_empty();
    let nothing: &[&str] = if newcomer {
        &NEWCOMER
    } else {
        &[NOTHING_SELECTED]
    };
    draw(
        frame,
        area,
        detail.as_ref(),
        app.detail_scroll,
        app.mode == Mode::Details,
        nothing,
    );
}

/// What the pane says with nothing selected.
pub const NOTHING_SELECTED: &str = "Select an item to see what it does and why.";

/// With nothing selected yet and no agent ever connected: how to connect one.
const NEWCOMER: [&str; 5] = [
    "No agent has connected yet. To connect one:",
    "",
    "  signoff install claude-code      (or codex, gemini, cursor): gate every tool the agent uses",
    "  signoff run -- CMD ARGS…         gate one command, from any script or language",
    "  signoff demo                     see the console with simulated agents",
];

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    detail: Option<&Detail>,
    scroll: usize,
    focused: bool,
    nothing: &[&str],
) {
    let block = if focused {
        Block::bordered()
            .title(" Details (scrolling) ")
            .border_style(Style::new().cyan().bold())
    } else {
        Block::bordered().title(" Details ")
    };
    let Some(detail) = detail else {
        let lines: Vec<Line> = nothing.iter().map(|line| Line::from(line.dim())).collect();
        frame.render_widget(Paragraph::new(lines).block(block), area);
        return;
    };
    let width = usize::from(area.width.saturating_sub(2 + LABEL as u16)).max(10);
    let action = detail.action;
    let mut lines = vec![
        field(
            action.kind.name(),
            sanitize::line(&action.kind.display(), width),
        ),
        Line::from(vec![
            format!("{:<LABEL$}", "target").dim(),
            env_badge(detail.environment),
            format!("  {}", sanitize::line(&action.target.resource, width)).into(),
        ]),
        field("agent", sanitize::line(detail.agent, width)),
    ];
    if !action.summary.is_empty() {
        lines.push(field("summary", sanitize::line(&action.summary, width)));
    }
    if !action.rationale.is_empty() {
        lines.push(field("rationale", sanitize::line(&action.rationale, width)));
    }
    lines.push(Line::from(vec![
        format!("{:<LABEL$}", "why").dim(),
        tier_span(detail.tier),
    ]));
    for (rule, sentence) in &detail.reasons {
        lines.push(Line::from(vec![
            " ".repeat(LABEL).into(),
            sanitize::line(sentence, width).into(),
            format!("  {rule}").dim(),
        ]));
    }
    if let Some(decision) = &detail.decision {
        lines.push(field("decision", sanitize::line(decision, width)));
    }
    if let Some(outcome) = &detail.outcome {
        lines.push(field("outcome", sanitize::line(outcome, width)));
    }
    let dry_run = if action.dry_run.diff.is_empty() {
        &action.dry_run.plan
    } else {
        &action.dry_run.diff
    };
    let height = usize::from(area.height.saturating_sub(2));
    // Fields first, then the dry run; only the window [scroll, scroll + height) is built.
    let head = lines.len();
    let mut visible: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    let diff_skip = scroll.saturating_sub(head);
    for text in dry_run
        .lines()
        .skip(diff_skip)
        .take(height.saturating_sub(visible.len()))
    {
        let text = sanitize::line(text, width + LABEL);
        visible.push(match text.chars().next() {
            Some('+') if !text.starts_with("+++") => text.green().into(),
            Some('-') if !text.starts_with("---") => text.red().into(),
            Some('@') => text.cyan().into(),
            _ => text.into(),
        });
    }
    frame.render_widget(Paragraph::new(visible).block(block), area);
}
