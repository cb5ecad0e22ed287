//! The details pane: the operation, target, every policy reason, the rationale, the decision,
//! then the dry run's diff or plan with +/- colouring. Only the lines in view are built.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use super::{env_badge, tier_span};
use crate::sanitize;
use crate::ui::app::{App, Mode};

const LABEL: usize = 11;

fn field(name: &str, value: String) -> Line<'static> {
    Line::from(vec![format!("{name:<LABEL$}").dim(), value.into()])
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let focused = app.mode == Mode::Details;
    let block = if focused {
        Block::bordered()
            .title(" Details (scrolling) ")
            .border_style(Style::new().cyan().bold())
    } else {
        Block::bordered().title(" Details ")
    };
    let Some((item, decided)) = app.detail() else {
        frame.render_widget(
            Paragraph::new("Select an item to see what it does and why.".dim()).block(block),
            area,
        );
        return;
    };
    let width = usize::from(area.width.saturating_sub(2 + LABEL as u16)).max(10);
    let action = &item.action;
    let mut lines = vec![
        field(
            action.kind.name(),
            sanitize::line(&action.kind.display(), width),
        ),
        Line::from(vec![
            format!("{:<LABEL$}", "target").dim(),
            env_badge(item.assessment.environment),
            format!("  {}", sanitize::line(&action.target.resource, width)).into(),
        ]),
        field("agent", sanitize::line(&item.agent, width)),
    ];
    if !action.summary.is_empty() {
        lines.push(field("summary", sanitize::line(&action.summary, width)));
    }
    if !action.rationale.is_empty() {
        lines.push(field("rationale", sanitize::line(&action.rationale, width)));
    }
    lines.push(Line::from(vec![
        format!("{:<LABEL$}", "why").dim(),
        tier_span(item.assessment.tier),
    ]));
    for reason in &item.assessment.reasons {
        lines.push(Line::from(vec![
            " ".repeat(LABEL).into(),
            reason.sentence.clone().into(),
            format!("  {}", reason.rule_id).dim(),
        ]));
    }
    if let Some(entry) = decided {
        let decision = &entry.decision;
        let mut text = format!("{} by {}", decision.verdict, decision.decided_by.as_str());
        if !decision.note.is_empty() {
            text.push_str(&format!(": {}", sanitize::line(&decision.note, width)));
        }
        lines.push(field("decision", text));
        if let Some(outcome) = &entry.outcome {
            let code = outcome
                .exit_code
                .map(|c| format!(" (exit {c})"))
                .unwrap_or_default();
            lines.push(field(
                "outcome",
                format!(
                    "{}{code} {}",
                    outcome.status.as_str(),
                    sanitize::line(&outcome.result, width)
                ),
            ));
        }
    }
    let dry_run = if action.dry_run.diff.is_empty() {
        &action.dry_run.plan
    } else {
        &action.dry_run.diff
    };
    let height = usize::from(area.height.saturating_sub(2));
    let scroll = app.detail_scroll;
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
