//! The History view: sessions, then one session's decisions with their details.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};
use signoff_protocol::{Environment, Tier};

use super::details::{self, Detail};
use super::{clock_date, env_badge, tier_span};
use crate::sanitize;
use crate::store::HistoryRow;
use crate::ui::history::{HistoryScreen, Level};

fn tier_of(text: &str) -> Tier {
    match text {
        "read_only" => Tier::ReadOnly,
        "reversible" => Tier::Reversible,
        "risky" => Tier::Risky,
        _ => Tier::Critical,
    }
}

fn environment_of(text: &str) -> Environment {
    text.parse().unwrap_or(Environment::Unknown)
}

fn verdict_span(verdict: &str) -> Span<'static> {
    match verdict {
        "approved" => "approved".green(),
        "denied" => "denied".red(),
        "expired" => "expired".magenta(),
        other => other.to_string().dim(),
    }
}

/// Draws the History view in `area` (everything but the header and footer).
pub fn render(history: &HistoryScreen, frame: &mut Frame, area: Rect) {
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let mut spans = vec![" History ".bold().reversed(), " ".into()];
    match &history.level {
        Level::Sessions => spans.push("sessions, newest first".into()),
        Level::Actions { title, .. } => spans.push(sanitize::line(title, 60).into()),
    }
    for (name, value) in [
        ("verdict", history.verdict),
        ("tier", history.tier),
        ("env", history.environment),
    ] {
        if let Some(value) = value {
            spans.push(format!("  {name}: {value}").yellow());
        }
    }
    if !history.text.is_empty() || history.editing {
        spans.push(format!("  search: {}", sanitize::line(&history.text, 30)).yellow());
        if history.editing {
            spans.push("▏".into());
        }
    }
    if history.loading {
        spans.push("  loading…".dim());
    }
    if let Some(error) = &history.error {
        spans.push(format!("  {}", sanitize::line(error, 80)).red());
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), title);
    match history.level {
        Level::Sessions => sessions(history, frame, body),
        Level::Actions { .. } => {
            let [list, detail] =
                Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(body);
            actions(history, frame, list);
            let detail_model = history.selected_row().and_then(detail_of);
            details::draw(
                frame,
                detail,
                detail_model.as_ref(),
                history.detail_scroll,
                false,
                &[details::NOTHING_SELECTED],
            );
        }
    }
}

fn detail_of(row: &HistoryRow) -> Option<Detail<'_>> {
    let action = row.action.as_ref()?;
    let reasons = row
        .reasons
        .as_array()
        .map(|reasons| {
            reasons
                .iter()
                .filter_map(|r| Some((r["rule"].as_str()?, r["why"].as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    let by = if row.grant_id.is_empty() {
        row.decided_by.clone()
    } else {
        format!("grant {}", row.grant_id)
    };
    let note = if row.note.is_empty() {
        String::new()
    } else {
        format!(": {}", row.note)
    };
    Some(Detail {
        action,
        agent: &row.agent,
        tier: tier_of(&row.tier),
        environment: environment_of(&row.environment),
        reasons,
        decision: Some(format!(
            "{} by {by}{note} (record {})",
            row.verdict, row.seq
        )),
        outcome: row.outcome.as_ref().map(|status| match row.exit_code {
            Some(code) => format!("{status} (exit {code})"),
            None => status.clone(),
        }),
    })
}

fn table_state(selected: usize, len: usize, height: usize) -> (usize, TableState) {
    let height = height.max(1);
    let offset = (selected + 1)
        .saturating_sub(height)
        .min(len.saturating_sub(height));
    (
        offset,
        TableState::default().with_selected(Some(selected - offset)),
    )
}

fn sessions(history: &HistoryScreen, frame: &mut Frame, area: Rect) {
    let block = Block::bordered().title(format!(
        " Sessions ({}{}) ",
        history.sessions.len(),
        if history.exhausted { "" } else { "+" }
    ));
    if history.sessions.is_empty() && !history.loading {
        frame.render_widget(
            Paragraph::new("No sessions recorded yet.".dim()).block(block),
            area,
        );
        return;
    }
    let height = usize::from(area.height.saturating_sub(3));
    let (offset, mut state) = table_state(history.selected, history.sessions.len(), height);
    let rows = history.sessions.iter().skip(offset).take(height).map(|s| {
        let ended = s
            .closed_at_ms
            .map(clock_date)
            .unwrap_or_else(|| "open".into());
        Row::new(vec![
            Line::from(clock_date(s.opened_at_ms)),
            Line::from(ended).dim(),
            Line::from(sanitize::line(&s.agent, 16)).bold(),
            Line::from(sanitize::line(&s.workspace, 40)),
            Line::from(s.approved.to_string()).green(),
            Line::from(s.denied.to_string()).red(),
            Line::from(s.expired.to_string()).magenta(),
            Line::from(s.withdrawn.to_string()).dim(),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(19),
            Constraint::Length(19),
            Constraint::Length(16),
            Constraint::Fill(1),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(7),
            Constraint::Length(9),
        ],
    )
    .header(
        Row::new([
            "started",
            "ended",
            "agent",
            "workspace",
            "approved",
            "denied",
            "expired",
            "withdrawn",
        ])
        .dim(),
    )
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .block(block);
    frame.render_stateful_widget(table, area, &mut state);
}

fn actions(history: &HistoryScreen, frame: &mut Frame, area: Rect) {
    let block = Block::bordered().title(format!(
        " Decisions ({}{}) ",
        history.rows.len(),
        if history.exhausted { "" } else { "+" }
    ));
    if history.rows.is_empty() && !history.loading {
        frame.render_widget(
            Paragraph::new("No decisions match.".dim()).block(block),
            area,
        );
        return;
    }
    let height = usize::from(area.height.saturating_sub(3));
    let (offset, mut state) = table_state(history.selected, history.rows.len(), height);
    let summary_width = usize::from(area.width.saturating_sub(80)).max(10);
    let rows = history.rows.iter().skip(offset).take(height).map(|row| {
        let by = if row.grant_id.is_empty() {
            row.decided_by.clone()
        } else {
            format!("grant {}", row.grant_id)
        };
        let outcome = match (&row.outcome, row.exit_code) {
            (Some(status), Some(code)) if status != "succeeded" => format!("exit {code}"),
            (Some(status), _) => status.clone(),
            (None, _) => String::new(),
        };
        Row::new(vec![
            Line::from(clock_date(row.decided_at_ms)),
            Line::from(verdict_span(&row.verdict)),
            Line::from(by),
            Line::from(tier_span(tier_of(&row.tier))),
            Line::from(env_badge(environment_of(&row.environment))),
            Line::from(sanitize::line(&row.summary, summary_width)),
            Line::from(outcome).dim(),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(19),
            Constraint::Length(9),
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Fill(1),
            Constraint::Length(9),
        ],
    )
    .header(Row::new(["when", "verdict", "by", "tier", "env", "summary", "outcome"]).dim())
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .block(block);
    frame.render_stateful_widget(table, area, &mut state);
}
