//! Draws the [`App`]. Pure: the same model and clock draw the same screen.
//!
//! Every string an agent supplied goes through [`crate::sanitize`]; tiers, badges and environment
//! labels come from the console's assessment only. Lists and diffs draw only what is visible, so
//! 10,000 waiting items or a 100,000-line diff cost what a screenful costs.

mod details;
mod history;
mod panes;
mod prompts;
mod qr;

use std::time::{SystemTime, UNIX_EPOCH};

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use signoff_protocol::{Environment, Tier};

use super::app::{App, Mode, Pane};
use super::keys::KeyAction;
use crate::queue::Item;

pub fn render(app: &App, frame: &mut Frame, now: SystemTime, color: bool) {
    let area = frame.area();
    // The queue takes the room its items need, up to two fifths of the screen.
    let rows = u16::try_from(app.visible_waiting().len())
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    let queue_height = rows.clamp(4, (area.height * 2 / 5).max(4));
    let bottom_height = if area.height >= 30 { 9 } else { 7 };
    let [header, queue, details, bottom, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(queue_height),
        Constraint::Fill(1),
        Constraint::Length(bottom_height),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(app, frame, header);
    if let Some(screen) = &app.history {
        let below_header = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        let [body, footer] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(below_header);
        history::render(screen, frame, body);
        let key = |action| app.keys.key_for(action);
        let hints = format!(
            " {}/{} move · {} open · esc back · {} search · v verdict · t tier · e env (in a session) · {} close",
            key(KeyAction::Down),
            key(KeyAction::Up),
            key(KeyAction::Details),
            key(KeyAction::Filter),
            key(KeyAction::History),
        );
        frame.render_widget(Paragraph::new(hints.dim()), footer);
        if !color {
            strip_color(frame);
        }
        return;
    }
    panes::queue(app, frame, queue, now);
    details::render(app, frame, details);
    // Wide enough: stream and sessions side by side; else the focused one.
    if area.width >= 110 {
        let [stream, sessions] =
            Layout::horizontal([Constraint::Percentage(66), Constraint::Fill(1)]).areas(bottom);
        panes::stream(app, frame, stream);
        panes::sessions(app, frame, sessions, now);
    } else if app.pane == Pane::Sessions {
        panes::sessions(app, frame, bottom, now);
    } else {
        panes::stream(app, frame, bottom);
    }
    render_footer(app, frame, footer);
    prompts::render(app, frame, now);
    if !color {
        strip_color(frame);
    }
}

/// NO_COLOR: keep bold, reverse and underline, drop every colour.
fn strip_color(frame: &mut Frame) {
    let area = frame.area();
    let buffer = frame.buffer_mut();
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(cell) = buffer.cell_mut((x, y)) {
                cell.set_fg(Color::Reset).set_bg(Color::Reset);
            }
        }
    }
}

pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub fn tier_span(tier: Tier) -> Span<'static> {
    match tier {
        Tier::Critical => " CRITICAL ".white().on_red().bold(),
        Tier::Risky => "risky".yellow().bold(),
        Tier::Reversible => "reversible".green(),
        Tier::ReadOnly => "read-only".dim(),
    }
}

pub fn env_badge(environment: Environment) -> Span<'static> {
    match environment {
        Environment::Production => "PRODUCTION".red().bold(),
        Environment::Staging => "STAGING".yellow(),
        Environment::Dev => "DEV".dim(),
        Environment::Unknown => "UNKNOWN".magenta(),
    }
}

/// Seconds until `item` expires; under 30 it is about to, and shows so.
pub fn time_left(item: &Item, now: SystemTime) -> Span<'static> {
    let left = item
        .expires_at
        .duration_since(now)
        .unwrap_or_default()
        .as_secs();
    let text = duration_text(left);
    if left < 30 {
        text.red().bold().reversed()
    } else {
        text.into()
    }
}

pub fn duration_text(secs: u64) -> String {
    if secs >= 3600 {
        format!("{}h{:02}m", secs / 3600, secs / 60 % 60)
    } else if secs >= 60 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{secs}s")
    }
}

/// `2026-11-21 14:05:09` (UTC) for a Unix time in milliseconds.
pub fn clock_date(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    // Civil date from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub fn clock(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

fn render_header(app: &App, frame: &mut Frame, area: Rect) {
    let waiting = app.waiting.len();
    let mut spans = vec![
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
        format!("{} streamed", app.counts.streamed).into(),
        "  ·  ".dim(),
        format!("{} denied", app.counts.denied).into(),
    ];
    if app.paused {
        spans.push("  ".into());
        spans.push(
            " PAUSED: everything waits for you "
                .black()
                .on_yellow()
                .bold(),
        );
    }
    let frozen = app.sessions.values().filter(|s| s.frozen.is_some()).count();
    if frozen > 0 {
        spans.push("  ".into());
        spans.push(
            format!(" {} FROZEN ", plural(frozen, "agent"))
                .white()
                .on_red()
                .bold(),
        );
    }
    // Counts first: on a narrow terminal the socket path is what gets cut.
    spans.push(format!("   {}", app.socket).dim());
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Hints for the keys that matter in each mode, drawn from the key table.
fn render_footer(app: &App, frame: &mut Frame, area: Rect) {
    let hint = |action: KeyAction| {
        [
            format!(" {} ", app.keys.key_for(action)).bold().reversed(),
            format!(" {}  ", action.short()).into(),
        ]
    };
    let line = match (&app.mode, &app.status) {
        (Mode::ConfirmQuit, _) => Line::from(
            format!(
                " {} still waiting. {} again quits and withdraws them (not approved); any other key stays.",
                plural(app.waiting.len(), "item"),
                app.keys.key_for(KeyAction::Quit)
            )
            .yellow()
            .bold(),
        ),
        (Mode::Filter, _) => Line::from(vec![" filter: ".bold(), crate::sanitize::inert(&app.filter).into_owned().into(), "▏".into(), "   enter keeps it · esc clears it".dim()]),
        (_, Some(status)) => Line::from(format!(" {status}").yellow()),
        (Mode::Details, _) => Line::from([KeyAction::Down, KeyAction::Up, KeyAction::PageDown, KeyAction::Details].into_iter().flat_map(hint).collect::<Vec<_>>()),
        _ => {
            let actions: &[KeyAction] = match app.pane {
                // Most important first: a narrow terminal cuts from the end.
                Pane::Queue => &[
                    KeyAction::Approve,
                    KeyAction::Deny,
                    KeyAction::DenyWithNote,
                    KeyAction::ApproveAndGrant,
                    KeyAction::Help,
                    KeyAction::Quit,
                    KeyAction::NextPane,
                    KeyAction::Details,
                    KeyAction::Filter,
                    KeyAction::Pause,
                ],
                Pane::Stream => &[KeyAction::Details, KeyAction::NextPane, KeyAction::Help, KeyAction::Quit, KeyAction::Down, KeyAction::Up, KeyAction::Filter],
                Pane::Sessions => &[KeyAction::Revoke, KeyAction::NextPane, KeyAction::Help, KeyAction::Quit, KeyAction::Down, KeyAction::Up],
            };
            let mut spans: Vec<Span> = actions.iter().copied().flat_map(hint).collect();
            if !app.filter.is_empty() {
                spans.push(format!(" filtered: {} ", crate::sanitize::line(&app.filter, 20)).yellow());
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}
