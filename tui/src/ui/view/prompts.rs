//! Prompts drawn over the screen, each taking every key while open: the typed confirmation of a
//! critical item, the note sent with a denial, the grant's duration, the reviewers, and help.

use std::time::SystemTime;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{env_badge, plural};
use crate::queue::{Grant, Item};
use crate::sanitize;
use crate::ui::app::{App, Mode, PhoneInvitation};
use crate::ui::keys::KeyAction;

pub fn render(app: &App, frame: &mut Frame, now: SystemTime) {
    let item = |key| app.waiting.iter().find(|item| &item.key == key);
    match &app.mode {
        Mode::Confirm {
            key,
            expected,
            input,
        } => {
            if let Some(item) = item(key) {
                critical(frame, item, expected, input);
            }
        }
        Mode::Note { key, text } => {
            if let Some(item) = item(key) {
                note(frame, item, text);
            }
        }
        Mode::Grant { key, minutes } => {
            if let Some(item) = item(key) {
                grant(frame, item, minutes, now);
            }
        }
        Mode::Help => help(app, frame),
        Mode::Reviewers { code, selected } => reviewers(app, frame, code, *selected),
        Mode::Phone(invitation) => phone(frame, invitation, now),
        _ => {}
    }
}

/// A box `width` wide and `height` tall, centred in the upper half.
fn popup(frame: &mut Frame, width: u16, height: u16) -> Rect {
    let area = frame.area();
    let width = width.min(area.width);
    let height = height.min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 3,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    rect
}

fn show(
    frame: &mut Frame,
    rect: Rect,
    title: &'static str,
    color: Color,
    lines: Vec<Line<'static>>,
) {
    let block = Block::bordered()
        .title(title)
        .border_style(Style::new().fg(color).bold());
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

/// States what will be destroyed and where, and approves only on the exact text.
fn critical(frame: &mut Frame, item: &Item, expected: &str, input: &str) {
    let rect = popup(frame, 76, 14);
    let width = usize::from(rect.width.saturating_sub(4));
    let action = &item.action;
    let mut lines = vec![
        Line::from(sanitize::line(&action.headline(), width).bold()),
        Line::from(vec![
            "It runs:  ".dim(),
            sanitize::line(&action.kind.display(), width.saturating_sub(10)).into(),
        ]),
        Line::from(vec![
            "Where:    ".dim(),
            env_badge(item.assessment.environment),
            format!(
                "  {}",
                sanitize::line(&action.target.resource, width.saturating_sub(22))
            )
            .into(),
            format!("  (agent {})", sanitize::line(&item.agent, 16)).dim(),
        ]),
    ];
    for reason in item.assessment.reasons.iter().take(3) {
        lines.push(Line::from(format!(
            "  • {}",
            sanitize::line(&reason.sentence, width.saturating_sub(4))
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        "Type ".into(),
        sanitize::inert(expected).into_owned().bold().underlined(),
        " and press Enter to approve. Esc backs out.".into(),
    ]));
    lines.push(Line::from(format!("> {}▏", sanitize::inert(input))).bold());
    show(
        frame,
        rect,
        " CRITICAL — this cannot be undone ",
        Color::Red,
        lines,
    );
}

fn note(frame: &mut Frame, item: &Item, text: &str) {
    let rect = popup(frame, 72, 7);
    let width = usize::from(rect.width.saturating_sub(4));
    let lines = vec![
        Line::from(vec![
            "Deny: ".dim(),
            sanitize::line(&item.action.headline(), width.saturating_sub(6)).into(),
        ]),
        Line::from(format!(
            "The note goes back to {}, so it can do better:",
            sanitize::line(&item.agent, 20)
        )),
        Line::from(format!("> {}▏", sanitize::inert(text))).bold(),
        Line::from("Enter denies with the note · Esc cancels".dim()),
    ];
    show(frame, rect, " Deny with a note ", Color::Yellow, lines);
}

fn grant(frame: &mut Frame, item: &Item, minutes: &str, now: SystemTime) {
    let rect = popup(frame, 72, 8);
    let width = usize::from(rect.width.saturating_sub(4));
    let preview = Grant::like(String::new(), item, now)
        .map(|g| g.describe())
        .unwrap_or_default();
    let lines = vec![
        Line::from(vec![
            "Approve: ".dim(),
            sanitize::line(&item.action.headline(), width.saturating_sub(9)).into(),
        ]),
        Line::from(format!(
            "and, from {}, every similar action: {}",
            sanitize::line(&item.agent, 16),
            sanitize::line(&preview, width)
        )),
        Line::from(format!("> {minutes}▏ minutes")).bold(),
        Line::from("Enter grants · Esc cancels · revoke it any time from the sessions pane".dim()),
    ];
    show(
        frame,
        rect,
        " Approve and grant similar ",
        Color::Cyan,
        lines,
    );
}

/// Pairing (the code typed) above the paired reviewers (to revoke).
fn reviewers(app: &App, frame: &mut Frame, code: &str, selected: usize) {
    let shown = app.reviewers.len().min(8);
    let rect = popup(frame, 76, shown as u16 + 8);
    let width = usize::from(rect.width.saturating_sub(4));
    let mut lines = vec![
        Line::from("Run `signoff attach` where the reviewer is, and type the code it shows:"),
        Line::from(format!("> {}▏", sanitize::inert(code))).bold(),
        Line::from(""),
    ];
    if app.reviewers.is_empty() {
        lines.push(Line::from(
            "No reviewers are paired: only this terminal decides.".dim(),
        ));
    }
    let first = selected.saturating_sub(shown.saturating_sub(1));
    for (at, reviewer) in app.reviewers.iter().enumerate().skip(first).take(shown) {
        let line = format!(
            "{} {:<34} paired {}",
            if at == selected { "▶" } else { " " },
            sanitize::line(&reviewer.name, 34),
            super::clock_date(signoff_protocol::to_unix_ms(reviewer.paired_at))
        );
        let line = sanitize::line(&line, width);
        lines.push(if at == selected {
            Line::from(line.bold())
        } else {
            Line::from(line)
        });
    }
    lines.push(Line::from(""));
    lines.push(Line::from(
        "Enter pairs · ↑↓ select · Delete revokes the selected one · Esc closes".dim(),
    ));
    show(frame, rect, " Reviewers ", Color::Cyan, lines);
}

/// The one-time link that pairs a phone, as a QR code when the terminal has room for it.
fn phone(frame: &mut Frame, invitation: &PhoneInvitation, now: SystemTime) {
    let left = invitation.until.duration_since(now).unwrap_or_default();
    // Rounded up: a fresh code reads 2:00, and 0:00 only once it has expired.
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    let url = sanitize::line(&invitation.url, 200);
    let code = if secs == 0 {
        None
    } else {
        super::qr::lines(&url)
    };
    let room = frame.area().height.saturating_sub(10);
    let code = code.filter(|lines| lines.len() <= usize::from(room));
    let qr_width = code.as_ref().map_or(0, |lines| lines[0].width());
    let width = (url.chars().count().max(qr_width).max(64) + 4) as u16;
    let height = code.as_ref().map_or(0, Vec::len) as u16 + 9;
    let rect = popup(frame, width, height);
    let mut lines = vec![
        Line::from("Scan this with the phone's camera, or open on the phone:"),
        Line::from(url.bold()),
    ];
    match code {
        Some(code) => lines.extend(code),
        None if secs > 0 => lines.push(Line::from(
            "(A taller terminal shows it as a QR code.)".dim(),
        )),
        None => {}
    }
    lines.push(Line::from(""));
    lines.push(if secs == 0 {
        Line::from("This code has expired: press W for a new one.".bold())
    } else {
        Line::from(format!(
            "Code {} · pairs one phone · {}:{:02} left",
            sanitize::line(&invitation.code, 16),
            secs / 60,
            secs % 60
        ))
    });
    lines.push(Line::from(
        "The phone names itself, then decides as a reviewer;",
    ));
    lines.push(Line::from("P lists the reviewers and revokes them."));
    lines.push(Line::from("Any key closes this.".dim()));
    show(frame, rect, " Pair a phone ", Color::Cyan, lines);
}

fn help(app: &App, frame: &mut Frame) {
    let actions = KeyAction::ALL;
    let rect = popup(frame, 64, actions.len() as u16 + 7);
    let mut lines: Vec<Line> = actions
        .iter()
        .map(|action| {
            Line::from(vec![
                format!("{:>14}  ", app.keys.keys_for(*action).join(" ")).bold(),
                action.describe().into(),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(
        "Risky items wait for y or n; critical ones for their name typed.",
    ));
    lines.push(Line::from(format!(
        "Agents connected: {}. Keys: ~/.config/signoff/keys.toml",
        plural(app.sessions.len(), "agent")
    )));
    lines.push(Line::from("Any key closes this.".dim()));
    show(frame, rect, " Help ", Color::Cyan, lines);
}
