//! Numerical values in ECMA-119 fields (ECMA-119 §7).
//!
//! | Clause | Form | Bytes |
//! |---|---|---|
//! | §7.1.1 | 8-bit unsigned | 1 |
//! | §7.2.1 | 16-bit little-endian | 2 |
//! | §7.2.2 | 16-bit big-endian | 2 |
//! | §7.2.3 | 16-bit both-byte orders (LE then BE) | 4 |
//! | §7.3.1 | 32-bit little-endian | 4 |
//! | §7.3.2 | 32-bit big-endian | 4 |
//! | §7.3.3 | 32-bit both-byte orders (LE then BE) | 8 |
//!
//! The `put_*` functions panic when the destination is shorter than the
//! field: they are used by encoders on buffers they sized themselves. The
//! `get_*` functions return `None` on short input.

/// Write a §7.2.3 both-byte-order 16-bit field (4 bytes).
pub fn put_u16_both(dst: &mut [u8], v: u16) {
    dst[0..2].copy_from_slice(&v.to_le_bytes());
    dst[2..4].copy_from_slice(&v.to_be_bytes());
}

/// Write a §7.3.3 both-byte-order 32-bit field (8 bytes).
pub fn put_u32_both(dst: &mut [u8], v: u32) {
    dst[0..4].copy_from_slice(&v.to_le_bytes());
    dst[4..8].copy_from_slice(&v.to_be_bytes());
}

/// Write a §7.3.1 little-endian 32-bit field.
pub fn put_u32_le(dst: &mut [u8], v: u32) {
    dst[0..4].copy_from_slice(&v.to_le_bytes());
}

/// Write a §7.3.2 big-endian 32-bit field.
pub fn put_u32_be(dst: &mut [u8], v: u32) {
    dst[0..4].copy_from_slice(&v.to_be_bytes());
}

/// Write a §7.2.1 little-endian 16-bit field.
pub fn put_u16_le(dst: &mut [u8], v: u16) {
    dst[0..2].copy_from_slice(&v.to_le_bytes());
}

/// Write a §7.2.2 big-endian 16-bit field.
pub fn put_u16_be(dst: &mut [u8], v: u16) {
    dst[0..2].copy_from_slice(&v.to_be_bytes());
}

/// Read a §7.3.1 little-endian 32-bit field.
pub fn get_u32_le(src: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(src.get(0..4)?.try_into().ok()?))
}

/// Read a §7.3.2 big-endian 32-bit field.
pub fn get_u32_be(src: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(src.get(0..4)?.try_into().ok()?))
}

/// Read a §7.2.1 little-endian 16-bit field.
pub fn get_u16_le(src: &[u8]) -> Option<u16> {
    Some(u16::from_le_bytes(src.get(0..2)?.try_into().ok()?))
}

/// Read a §7.2.2 big-endian 16-bit field.
pub fn get_u16_be(src: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(src.get(0..2)?.try_into().ok()?))
}

/// A both-byte-order field as read: the two halves may disagree on a damaged
/// or sloppily written image. Readers use [`Both::value`] (the little-endian
/// half, as the Linux kernel and libisofs do) and may report
/// [`Both::is_consistent`] as a warning.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Both<T> {
    pub le: T,
    pub be: T,
}

impl<T: Copy + PartialEq> Both<T> {
    /// The little-endian half.
    pub fn value(&self) -> T {
        self.le
    }

    /// Whether both halves hold the same number.
    pub fn is_consistent(&self) -> bool {
        self.le == self.be
    }
}

/// Read a §7.2.3 both-byte-order 16-bit field (4 bytes).
pub fn get_u16_both(src: &[u8]) -> Option<Both<u16>> {
    Some(Both {
        le: get_u16_le(src.get(0..2)?)?,
        be: get_u16_be(src.get(2..4)?)?,
    })
}

/// Read a §7.3.3 both-byte-order 32-bit field (8 bytes).
pub fn get_u32_both(src: &[u8]) -> Option<Both<u32>> {
    Some(Both {
        le: get_u32_le(src.get(0..4)?)?,
        be: get_u32_be(src.get(4..8)?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_byte_orders_golden() {
        // ECMA-119 §7.3.3 example value 0x01020304.
        let mut b = [0u8; 8];
        put_u32_both(&mut b, 0x0102_0304);
        assert_eq!(b, [4, 3, 2, 1, 1, 2, 3, 4]);
        assert_eq!(get_u32_both(&b).unwrap().value(), 0x0102_0304);
        assert!(get_u32_both(&b).unwrap().is_consistent());
        let mut h = [0u8; 4];
        put_u16_both(&mut h, 0x0102);
        assert_eq!(h, [2, 1, 1, 2]);
        assert_eq!(get_u16_both(&h).unwrap().value(), 0x0102);
    }

    #[test]
    fn short_input_is_none() {
        assert_eq!(get_u32_both(&[1, 2, 3]), None);
        assert_eq!(get_u16_both(&[1, 2, 3]), None);
        assert_eq!(get_u32_le(&[]), None);
    }

    #[test]
    fn inconsistent_halves_are_reported() {
        let b = [1, 0, 0, 0, 0, 0, 0, 2];
        let v = get_u32_both(&b).unwrap();
        assert_eq!(v.value(), 1);
        assert!(!v.is_consistent());
    }
}
