//! The bundled font (DejaVu Sans, Bitstream Vera license: `assets/DejaVuSans-LICENSE.txt`).

use plotters::style::FontStyle;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the bundled font under the family names plotters uses (once per process).
pub(crate) fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for family in ["sans-serif", "serif", "monospace"] {
            for style in [
                FontStyle::Normal,
                FontStyle::Bold,
                FontStyle::Italic,
                FontStyle::Oblique,
            ] {
                // The font is valid TrueType: `include_bytes!` of a file checked into the crate.
                let _ = plotters::style::register_font(family, style, FONT);
            }
        }
    });
}
