//! On-disc structures shared by the writer and the reader.
//!
//! Each module holds the constants, field layouts, and both the encoder and
//! the decoder of one family of structures, so that a round trip
//! `decode(encode(x)) == x` can be tested next to the code:
//!
//! * [`num`] — ECMA-119 §7 numerical field encodings (both-endian etc.).
//! * [`ecma119`] — volume descriptors, directory records, path tables,
//!   dates, identifier characters and the §9.3 record order.
//! * [`susp`] — SUSP 1.12 entry framing and `SP`, `CE`, `ER`, `ES`, `ST`.
//! * [`rrip`] — RRIP 1.12 `PX`, `PN`, `SL`, `NM`, `CL`/`PL`/`RE`, `TF`.
//! * [`joliet`] — UCS-2 names and text fields of the Joliet SVD.
//! * [`md5tag`] — libisofs checksum tags (types 1–4) and the checksum array.
//! * [`aaip`] — AAIP 2.0 `AL` entries and the `isofs.ca` / `isofs.cx`
//!   attribute values.
//! * [`eltorito`] — El Torito 1.0 boot record, boot catalog entries and
//!   the mkisofs boot info table.
//!
//! Decoders never panic on untrusted bytes: they check lengths first and
//! return [`DecodeError`].

pub mod aaip;
pub mod ecma119;
pub mod eltorito;
pub mod joliet;
pub mod md5tag;
pub mod num;
pub mod rrip;
pub mod susp;

/// A structure could not be decoded from the given bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// Fewer bytes than the structure needs.
    #[error("{what}: truncated, needs {need} bytes but only {have} are there")]
    Truncated {
        what: &'static str,
        need: usize,
        have: usize,
    },
    /// The bytes are there but a field holds a value the format forbids.
    #[error("{what}: {reason}")]
    Invalid { what: &'static str, reason: String },
}

impl DecodeError {
    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> DecodeError {
        DecodeError::Invalid {
            what,
            reason: reason.into(),
        }
    }

    /// `Ok(())` when `bytes` holds at least `need` bytes.
    pub(crate) fn check_len(
        what: &'static str,
        bytes: &[u8],
        need: usize,
    ) -> Result<(), DecodeError> {
        if bytes.len() < need {
            Err(DecodeError::Truncated {
                what,
                need,
                have: bytes.len(),
            })
        } else {
            Ok(())
        }
    }
}
