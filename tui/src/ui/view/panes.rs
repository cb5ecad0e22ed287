//! The waiting queue, the stream of decided items, and the sessions with their grants.

use std::time::SystemTime;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};
use signoff_protocol::{OutcomeStatus, Verdict};

use super::{clock, duration_text, env_badge, plural, tier_span, time_left};
use crate::queue::Item;
use crate::sanitize;
use crate::ui::app::{App, Mode, Pane};

fn block(title: String, focused: bool) -> Block<'static> {
    let block = Block::bordered().title(title);
    if focused {
        block.border_style(Style::new().cyan().bold())
    } else {
        block
    }
}

/// The window of `len` rows, `height` tall, that keeps `selected` in view: (offset, selected in it).
fn window(len: usize, selected: usize, height: usize) -> (usize, usize) {
    let height = height.max(1);
    let offset = if selected >= height {
        selected + 1 - height
    } else {
        0
    };
    (
        offset.min(len.saturating_sub(height)),
        selected.saturating_sub(offset.min(len.saturating_sub(height))),
    )
}

/// A waiting item's summary, after "1 of 2" when it has the first of two approvals.
fn summary_line<'a>(app: &App, item: &Item, width: usize) -> Line<'a> {
    let headline = item.action.headline();
    match app.first_approvals.get(&item.key) {
        Some(_) => Line::from(vec![
            "1 of 2 ".yellow().bold(),
            sanitize::line(&headline, width.saturating_sub(7)).into(),
        ]),
        None => Line::from(sanitize::line(&headline, width)),
    }
}

pub fn queue(app: &App, frame: &mut Frame, area: Rect, now: SystemTime) {
    let visible = app.visible_waiting();
    let focused = app.pane == Pane::Queue && matches!(app.mode, Mode::Browsing);
    let title = if visible.len() == app.waiting.len() {
        format!(" Waiting for you ({}) ", app.waiting.len())
    } else {
        format!(
            " Waiting for you ({} of {}) ",
            visible.len(),
            app.waiting.len()
        )
    };
    if visible.is_empty() {
        let text = if app.waiting.is_empty() {
            "Nothing waits. Risky actions from your agents will appear here."
        } else {
            "Nothing waiting matches the filter."
        };
        frame.render_widget(
            Paragraph::new(text.dim()).block(block(title, focused)),
            area,
        );
        return;
    }
    let inner = usize::from(area.height.saturating_sub(3));
    let (offset, selected) = window(visible.len(), app.selected, inner);
    let summary_width = usize::from(area.width.saturating_sub(48)).max(10);
    let rows = visible.iter().skip(offset).take(inner.max(1)).map(|item| {
        Row::new(vec![
            Line::from(tier_span(item.assessment.tier)),
            Line::from(env_badge(item.assessment.environment)),
            Line::from(sanitize::line(&item.agent, 14)),
            summary_line(app, item, summary_width),
            Line::from(time_left(item, now)).right_aligned(),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(14),
            Constraint::Fill(1),
            Constraint::Length(7),
        ],
    )
    .header(Row::new(["tier", "env", "agent", "summary", "left"]).dim())
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .block(block(title, focused));
    let mut state = TableState::default().with_selected(Some(selected));
    frame.render_stateful_widget(table, area, &mut state);
}

pub fn stream(app: &App, frame: &mut Frame, area: Rect) {
    let visible = app.visible_stream();
    let focused = app.pane == Pane::Stream && matches!(app.mode, Mode::Browsing);
    let inner = usize::from(area.height.saturating_sub(2));
    let (offset, selected) = window(visible.len(), app.stream_selected, inner);
    let summary_width = usize::from(area.width.saturating_sub(64)).max(10);
    let rows = visible.iter().skip(offset).take(inner.max(1)).map(|entry| {
        let decision = &entry.decision;
        let verdict = match decision.verdict {
            Verdict::Approved => format!(
                "approved ({})",
                sanitize::line(decision.decided_by.who(), 9)
            )
            .green(),
            Verdict::Denied => {
                format!("denied ({})", sanitize::line(decision.decided_by.who(), 11)).red()
            }
            Verdict::Expired => "expired".magenta(),
            Verdict::Withdrawn => "withdrawn".dim(),
        };
        let outcome = match &entry.outcome {
            None => "".into(),
            Some(outcome) => match (outcome.status, outcome.exit_code) {
                (OutcomeStatus::Succeeded, _) => "ok".green(),
                (OutcomeStatus::Failed, Some(code)) => format!("exit {code}").red(),
                (OutcomeStatus::Failed, None) => "failed".red(),
                (OutcomeStatus::NotRun, _) => "not run".dim(),
            },
        };
        Row::new(vec![
            Line::from(clock(decision.decided_at).dim()),
            Line::from(sanitize::line(&entry.item.agent, 11)),
            Line::from(tier_span(entry.item.assessment.tier)),
            Line::from(sanitize::line(&entry.item.action.headline(), summary_width)),
            Line::from(verdict),
            Line::from(outcome),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(11),
            Constraint::Length(10),
            Constraint::Fill(1),
            Constraint::Length(20),
            Constraint::Length(7),
        ],
    )
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .block(block(
        format!(
            " Stream ({} streamed, {} by a person) ",
            app.counts.streamed,
            app.counts.approved + app.counts.denied
        ),
        focused,
    ));
    let mut state = TableState::default().with_selected(focused.then_some(selected));
    frame.render_stateful_widget(table, area, &mut state);
}

pub fn sessions(app: &App, frame: &mut Frame, area: Rect, now: SystemTime) {
    let focused = app.pane == Pane::Sessions && matches!(app.mode, Mode::Browsing);
    let mut lines: Vec<Line> = app
        .sessions
        .values()
        .map(|session| {
            let info = &session.info;
            let mut spans = vec![sanitize::line(info.display_name(), 14).bold()];
            if session.frozen.is_some() {
                spans.push(" FROZEN".red().bold());
            }
            spans.push(
                format!(
                    "  {} waiting · {} ok · {} denied",
                    session.waiting, session.approved, session.denied
                )
                .into(),
            );
            spans.push(format!("  {}", sanitize::line(&info.model, 16)).dim());
            Line::from(spans)
        })
        .collect();
    if lines.is_empty() {
        lines.push(Line::from("No agent is connected.".dim()));
    }
    for (index, grant) in app.grants.iter().enumerate() {
        let left = grant
            .expires_at
            .duration_since(now)
            .unwrap_or_default()
            .as_secs();
        let line = Line::from(vec![
            "grant ".yellow(),
            sanitize::line(&grant.describe(), 60).into(),
            format!(
                " · {} · {} left",
                sanitize::line(&grant.agent, 12),
                duration_text(left)
            )
            .dim(),
        ]);
        lines.push(if focused && index == app.grant_selected {
            line.reversed()
        } else {
            line
        });
    }
    let title = format!(
        " Sessions ({}) · grants ({}) ",
        plural(app.sessions.len(), "agent"),
        app.grants.len()
    );
    frame.render_widget(Paragraph::new(lines).block(block(title, focused)), area);
}
