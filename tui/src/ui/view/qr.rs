//! A QR code drawn with half blocks: two rows of modules per line of text, so the modules come
//! out square. Dark modules on white whatever the terminal's theme, as cameras read best; with
//! `NO_COLOR` the terminal's own colours draw it (light on dark: inverted on a dark theme).

use qrcode::{Color as Module, EcLevel, QrCode};
use ratatui::style::{Color, Style};
use ratatui::text::Line;

/// Light modules around the code, on each side.
const QUIET: usize = 2;

/// `text` as a QR code's lines of text, or `None` when it is too long for one.
pub fn lines(text: &str) -> Option<Vec<Line<'static>>> {
    // The lowest error correction keeps the code small; a screen is not a torn sticker.
    let code = QrCode::with_error_correction_level(text, EcLevel::L).ok()?;
    let width = code.width();
    let modules = code.to_colors();
    let size = width + 2 * QUIET;
    let dark = |x: usize, y: usize| {
        x >= QUIET
            && y >= QUIET
            && x < width + QUIET
            && y < width + QUIET
            && modules[(y - QUIET) * width + (x - QUIET)] == Module::Dark
    };
    let style = Style::new().fg(Color::Black).bg(Color::White);
    Some(
        (0..size)
            .step_by(2)
            .map(|y| {
                let row: String = (0..size)
                    .map(|x| match (dark(x, y), dark(x, y + 1)) {
                        (true, true) => '█',
                        (true, false) => '▀',
                        (false, true) => '▄',
                        (false, false) => ' ',
                    })
                    .collect();
                Line::styled(row, style)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    /// Reads the drawn code back as a camera would: each character is two pixels tall.
    fn scan(lines: &[ratatui::text::Line]) -> String {
        let scale = 4;
        let rows: Vec<Vec<char>> = lines
            .iter()
            .map(|line| line.to_string().chars().collect())
            .collect();
        let (width, height) = (rows[0].len(), rows.len() * 2);
        let dark = |x: usize, y: usize| match rows[y / 2][x] {
            '█' => true,
            '▀' => y.is_multiple_of(2),
            '▄' => !y.is_multiple_of(2),
            _ => false,
        };
        // A wide white margin, as around a screen.
        let margin = 8;
        let side = |n: usize| (n + 2 * margin) * scale;
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(side(width), side(height), |x, y| {
                let (x, y) = (x / scale, y / scale);
                let inside =
                    (margin..width + margin).contains(&x) && (margin..height + margin).contains(&y);
                if inside && dark(x - margin, y - margin) {
                    0
                } else {
                    255
                }
            });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the picture");
        grids[0].decode().expect("the code decodes").1
    }

    #[test]
    fn the_drawn_code_reads_back_as_the_pairing_url() {
        for url in [
            "http://127.0.0.1:7071/#pair=4MXE-8T7F",
            "https://reviewers.example.tailnet-1234.ts.net:8443/#pair=ZZZZ-ZZZZ",
        ] {
            let lines = super::lines(url).unwrap();
            assert_eq!(scan(&lines), url);
        }
    }

    #[test]
    fn text_too_long_for_a_code_has_none() {
        assert!(super::lines(&"x".repeat(8000)).is_none());
    }
}
