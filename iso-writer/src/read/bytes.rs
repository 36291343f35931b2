//! Small text helpers over the shared field decoders of [`crate::spec`].

use crate::spec::ecma119::trim_field;
use crate::spec::joliet;

/// A d-/a-character field padded with spaces (ECMA-119 §7.4), trimmed.
pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(trim_field(b)).into_owned()
}

/// A Joliet text field (UCS-2 big-endian) padded with UCS-2 spaces or zeros.
pub(crate) fn ucs2_text(b: &[u8]) -> String {
    joliet::decode(b).trim_end_matches([' ', '\0']).to_owned()
}

/// A little-endian 32-bit field (MBR partition entries, El Torito), 0 when
/// out of range.
pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .and_then(crate::spec::num::get_u32_le)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings() {
        assert_eq!(text(b"PLAIN   \0\0"), "PLAIN");
        assert_eq!(ucs2_text(&[0, b'a', 0, 0x20, 0, 0x20]), "a");
        assert_eq!(le32(&[1, 2], 0), 0);
    }
}
