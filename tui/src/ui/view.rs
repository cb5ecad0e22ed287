//! Draws the [`App`]. Pure: the same model and clock draw the same screen.
//!
//! Every string an agent supplied goes through [`crate::sanitize`]; tiers, badges and environment
//! labels come from the console's assessment only.

use std::time::{SystemTime, UNIX_EPOCH};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, TableState, Wrap};
use signoff_protocol::{Environment, Tier, Verdict};

use super::app::{App, Mode};
use crate::queue::Item;
use crate::sanitize;

pub fn render(app: &App, frame: &mut Frame, now: SystemTime) {
    // The queue takes the room its items need, up to two fifths of the screen.
    let queue_rows = u16::try_from(app.waiting.len())
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    let queue_height = queue_rows.clamp(4, (frame.area().height * 2 / 5).max(4));
    let [header, waiting, details, stream, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(queue_height),
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    render_header(app, frame, header);
    render_waiting(app, frame, waiting, now);
    render_details(app, frame, details);
    render_stream(app, frame, stream);
    render_footer(app, frame, footer);
    if let Mode::Typing {
        expected, input, ..
    } = &app.mode
    {
        render_typed_prompt(app, frame, expected, input);
    }
}

fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let waiting = app.waiting.len();
    // Counts first: on a narrow terminal the socket path is what gets cut.
    let line = Line::from(vec![
        " signoff ".bold().reversed(),
        "  ".into(),
        plural(app.sessions.len(), "agent").into(),
        "  ·  ".dim(),
        Span::styled(
            format!("{waiting} waiting"),
            if waiting > 0 {
                Style::new().yellow().bold()
            } else {
                Style::new()
            },
        ),
        "  ·  ".dim(),
        format!("{} streamed", app.streamed).into(),
        "  ·  ".dim(),
        format!("{} denied", app.denied).into(),
        format!("   {}", app.socket).dim(),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn tier_span(tier: Tier) -> Span<'static> {
    match tier {
        Tier::Critical => " CRITICAL ".white().on_red().bold(),
        Tier::Risky => "risky".yellow().bold(),
        Tier::Reversible => "reversible".green(),
        Tier::ReadOnly => "read-only".dim(),
    }
}

fn env_badge(environment: Environment) -> Span<'static> {
    match environment {
        Environment::Production => "PRODUCTION".red().bold(),
        Environment::Staging => "STAGING".yellow(),
        Environment::Dev => "DEV".dim(),
        Environment::Unknown => "UNKNOWN".magenta(),
    }
}

fn time_left(item: &Item, now: SystemTime) -> Span<'static> {
    let left = item
        .expires_at
        .duration_since(now)
        .unwrap_or_default()
        .as_secs();
    let text = if left >= 60 {
        format!("{}m{:02}s", left / 60, left % 60)
    } else {
        format!("{left}s")
    };
    if left < 30 {
        text.red().bold()
    } else {
        text.into()
    }
}

fn render_waiting(app: &App, frame: &mut Frame, area: Rect, now: SystemTime) {
    let rows = app.waiting.iter().map(|item| {
        Row::new(vec![
            Line::from(tier_span(item.assessment.tier)),
            Line::from(env_badge(item.assessment.environment)),
            Line::from(sanitize::line(&item.agent, 16)),
            Line::from(sanitize::line(&item.action.display_summary(), 200)),
            Line::from(time_left(item, now)).right_aligned(),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(16),
            Constraint::Fill(1),
            Constraint::Length(7),
        ],
    )
    .header(Row::new(["tier", "env", "agent", "summary", "left"]).dim())
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .block(Block::bordered().title(format!(" Waiting for you ({}) ", app.waiting.len())));
    if app.waiting.is_empty() {
        let empty =
            Paragraph::new("Nothing waits. Risky actions from your agents will appear here.".dim())
                .block(Block::bordered().title(" Waiting for you (0) "));
        frame.render_widget(empty, area);
        return;
    }
    let mut state = TableState::default().with_selected(Some(app.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

fn render_details(app: &App, frame: &mut Frame, area: Rect) {
    let block = Block::bordered().title(" Details ");
    let Some(item) = app.selected_item() else {
        frame.render_widget(block, area);
        return;
    };
    let width = usize::from(area.width.saturating_sub(14)).max(10);
    let field = |name: &'static str, value: String| {
        Line::from(vec![format!("{name:<11}").dim(), value.into()])
    };
    let target = &item.action.target;
    let mut lines = vec![
        field(
            item.action.kind.name(),
            sanitize::line(&item.action.kind.display(), width),
        ),
        Line::from(vec![
            format!("{:<11}", "target").dim(),
            env_badge(item.assessment.environment),
            format!("  {}", sanitize::line(&target.resource, width)).into(),
        ]),
        field("agent", sanitize::line(&item.agent, width)),
    ];
    if !item.action.rationale.is_empty() {
        lines.push(field(
            "rationale",
            sanitize::line(&item.action.rationale, width),
        ));
    }
    lines.push(Line::from(vec![
        format!("{:<11}", "why").dim(),
        tier_span(item.assessment.tier),
    ]));
    for reason in &item.assessment.reasons {
        lines.push(Line::from(vec![
            " ".repeat(11).into(),
            format!("{} ", reason.rule_id).dim(),
            reason.sentence.clone().into(),
        ]));
    }
    let diff = if item.action.dry_run.diff.is_empty() {
        &item.action.dry_run.plan
    } else {
        &item.action.dry_run.diff
    };
    for text in diff.lines() {
        let text = sanitize::line(text, width + 10);
        lines.push(match text.chars().next() {
            Some('+') => text.green().into(),
            Some('-') => text.red().into(),
            _ => text.into(),
        });
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn clock(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn render_stream(app: &App, frame: &mut Frame, area: Rect) {
    let rows = app.stream.iter().map(|(item, decision)| {
        let verdict = match decision.verdict {
            Verdict::Approved => format!("approved by {}", decision.decided_by.as_str()).green(),
            Verdict::Denied => "denied".red(),
            Verdict::Expired => "expired".magenta(),
            Verdict::Withdrawn => "withdrawn".dim(),
        };
        Row::new(vec![
            Line::from(clock(decision.decided_at).dim()),
            Line::from(sanitize::line(&item.agent, 16)),
            Line::from(tier_span(item.assessment.tier)),
            Line::from(sanitize::line(&item.action.display_summary(), 200)),
            Line::from(verdict),
        ])
    });
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(16),
            Constraint::Length(10),
            Constraint::Fill(1),
            Constraint::Length(20),
        ],
    )
    .block(Block::bordered().title(" Stream "));
    frame.render_widget(table, area);
}

fn render_footer(app: &App, frame: &mut Frame, area: Rect) {
    let line = match (&app.mode, &app.status) {
        (Mode::ConfirmQuit, _) => Line::from(
            format!(
                " {} still waiting. q again quits and withdraws them (not approved); any other key stays.",
                plural(app.waiting.len(), "item")
            )
            .yellow()
            .bold(),
        ),
        (_, Some(status)) => Line::from(format!(" {status}").yellow()),
        _ => Line::from(
            HINTS
                .iter()
                .flat_map(|(key, what)| [format!(" {key} ").bold().reversed(), format!(" {what}  ").into()])
                .collect::<Vec<_>>(),
        ),
    };
    frame.render_widget(Paragraph::new(line), area);
}

const HINTS: &[(&str, &str)] = &[
    ("y", "approve"),
    ("n", "deny"),
    ("j/k", "move"),
    ("q", "quit"),
];

fn render_typed_prompt(app: &App, frame: &mut Frame, expected: &str, input: &str) {
    let area = frame.area();
    let width = area.width.min(72);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + area.height / 3,
        width,
        height: 7,
    }
    .intersection(area);
    let what = app
        .selected_item()
        .map(|item| {
            sanitize::line(
                &item.action.display_summary(),
                usize::from(width).saturating_sub(4),
            )
        })
        .unwrap_or_default();
    let lines = vec![
        Line::from(what),
        Line::from(vec![
            "Type ".into(),
            sanitize::inert(expected).into_owned().bold(),
            " to approve:".into(),
        ]),
        Line::from(format!("> {}", sanitize::inert(input))).bold(),
        Line::from("Enter approves when it matches · Esc backs out".dim()),
    ];
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(" CRITICAL — confirm by typing ")
                .border_style(Style::new().fg(Color::Red)),
        ),
        popup,
    );
}
