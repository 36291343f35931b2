//! ECMA-119 §9.1 directory records, decoded by [`crate::spec::ecma119`];
//! this adds the block address to errors and the names users see.

use super::error::{Error, Result};
pub(crate) use crate::spec::ecma119::DirRecord;
pub(crate) use crate::spec::ecma119::file_flags as flag;

/// Parses the record at the start of `b` (a slice of block `lba`);
/// `None` for a zero length byte (end of records in this block).
pub(crate) fn parse(b: &[u8], lba: u32) -> Result<Option<DirRecord<'_>>> {
    DirRecord::parse(b).map_err(|e| Error::corrupt(lba, "directory record", e.to_string()))
}

/// The ECMA-119 name as the user sees it: the version `;N` removed (§7.5.1)
/// and a trailing `.` of a name without extension removed.
pub(crate) fn iso_display_name(ident: &[u8], is_dir: bool) -> Vec<u8> {
    let mut n = ident;
    if !is_dir && let Some(p) = n.iter().rposition(|&c| c == b';') {
        n = &n[..p];
    }
    if !is_dir && n.len() > 1 && n.last() == Some(&b'.') {
        n = &n[..n.len() - 1];
    }
    n.to_vec()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn errors_name_the_block() {
        let mut r = vec![0u8; 40];
        r[0] = 20;
        assert!(matches!(parse(&r, 3), Err(Error::Corrupt { lba: 3, .. })));
        assert!(parse(&[0, 1, 2], 3).unwrap().is_none());
    }

    #[test]
    fn display_names() {
        assert_eq!(iso_display_name(b"A.TXT;1", false), b"A.TXT");
        assert_eq!(iso_display_name(b"README.;1", false), b"README");
        assert_eq!(iso_display_name(b"SUB", true), b"SUB");
    }
}
