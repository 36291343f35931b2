//! READ FORMAT CAPACITIES (23h), FORMAT UNIT (04h), BLANK (A1h).

use std::time::Duration;

use super::{Cdb, Command, DataSpec, ParseError, Query, WithParams, alloc16, be24, be32, need};

/// Timeout of BLANK and FORMAT UNIT with Immed (`sense-and-retries.md` §4.2).
const IMMED_TIMEOUT: Duration = Duration::from_secs(200);
/// Timeout of BLANK and FORMAT UNIT without Immed: 5 h.
const NO_IMMED_TIMEOUT: Duration = Duration::from_secs(5 * 3600);

// ---------------------------------------------------------------------------
// READ FORMAT CAPACITIES

/// READ FORMAT CAPACITIES (23h), MMC-5 §6.24 (MMC-6 §6.23): bytes 7–8
/// allocation length. Ask with 4 first (the capacity list header), then
/// `list length + 4` (`mmc-recipes.md` §12.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadFormatCapacities {
    pub alloc: u16,
}

impl ReadFormatCapacities {
    pub fn new() -> Self {
        ReadFormatCapacities { alloc: 4 }
    }
}

impl Default for ReadFormatCapacities {
    fn default() -> Self {
        ReadFormatCapacities::new()
    }
}

impl Command for ReadFormatCapacities {
    const NAME: &'static str = "READ FORMAT CAPACITIES";

    fn cdb(&self) -> Cdb {
        let [hi, lo] = self.alloc.to_be_bytes();
        Cdb::new(&[0x23, 0, 0, 0, 0, 0, 0, hi, lo, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Descriptor Type of the Current/Maximum Capacity Descriptor (byte 8 bits
/// 1–0, MMC-5 §6.24.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DescriptorType {
    /// 00b: reserved.
    Reserved,
    /// 01b: unformatted or blank medium; maximum formattable capacity.
    Unformatted,
    /// 10b: formatted medium; current capacity.
    Formatted,
    /// 11b: no medium, or capacity unknown (DVD-RW intermediate state).
    NoMedium,
}

/// Current/Maximum Capacity Descriptor (MMC-5 §6.24.3, reply bytes 4–11): 4–7 number of
/// blocks, 8 bits 1–0 descriptor type, 9–11 block length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CurrentCapacity {
    pub blocks: u32,
    pub descriptor_type: DescriptorType,
    pub block_len: u32,
}

/// One Formattable Capacity Descriptor (MMC-5 §6.24.3, 8 bytes from reply
/// byte 12): 0–3
/// number of blocks, 4 bits 7–2 format type, 5–7 type dependent parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatDescriptor {
    pub blocks: u32,
    pub format_type: u8,
    /// Type Dependent Parameter, 24 bits.
    pub tdp: u32,
}

/// READ FORMAT CAPACITIES data, MMC-5 §6.24.3 (MMC-6 §6.23.3): byte 3
/// capacity list length, the current/maximum descriptor, then the
/// formattable descriptors (`mmc-recipes.md` §5.1, §12.6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatCapacities {
    /// Capacity List Length (byte 3).
    pub list_length: u8,
    pub current: CurrentCapacity,
    /// Formattable descriptors; only complete ones.
    pub formattable: Vec<FormatDescriptor>,
}

impl FormatCapacities {
    /// The first formattable descriptor of `format_type`.
    pub fn descriptor(&self, format_type: u8) -> Option<&FormatDescriptor> {
        self.formattable
            .iter()
            .find(|d| d.format_type == format_type)
    }
}

impl Query for ReadFormatCapacities {
    type Reply = FormatCapacities;

    /// Needs the header and the current/maximum descriptor (12 bytes).
    fn parse(&self, data: &[u8]) -> Result<FormatCapacities, ParseError> {
        need(data, 12)?;
        let list_length = data[3];
        let end = data.len().min(list_length as usize + 4);
        let d = &data[..end];
        need(d, 12)?;
        let descriptor_type = match d[8] & 3 {
            0 => DescriptorType::Reserved,
            1 => DescriptorType::Unformatted,
            2 => DescriptorType::Formatted,
            _ => DescriptorType::NoMedium,
        };
        let formattable = d[12..]
            .chunks_exact(8)
            .map(|e| FormatDescriptor {
                blocks: u32::from_be_bytes([e[0], e[1], e[2], e[3]]),
                format_type: e[4] >> 2,
                tdp: u32::from_be_bytes([0, e[5], e[6], e[7]]),
            })
            .collect();
        Ok(FormatCapacities {
            list_length,
            current: CurrentCapacity {
                blocks: be32(d, 4).unwrap_or(0),
                descriptor_type,
                block_len: be24(d, 9).unwrap_or(0),
            },
            formattable,
        })
    }

    /// Byte 3 capacity list length + 4.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        data.get(3).map(|&n| n as usize + 4)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        ReadFormatCapacities {
            alloc: alloc16(len),
        }
    }
}

// ---------------------------------------------------------------------------
// FORMAT UNIT

/// FORMAT UNIT (04h), MMC-5 §6.5, as libburn sends it (`mmc-recipes.md`
/// §5.2): CDB `04 11 00 00 00 00` (FmtData = 1, Format Code 001b, CmpList in
/// byte 1 bit 3) and a 12-byte parameter list: header byte 1 FOV (bit 7),
/// DCRT (bit 5), Immed (bit 1), bytes 2–3 descriptor length 8; format
/// descriptor: 4–7 number of blocks, 8 format type (bits 7–2) | sub-type
/// (bits 1–0), 9–11 type dependent parameter. Timeout 200 s with Immed,
/// 5 h without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FormatUnit {
    /// CmpList (CDB byte 1 bit 3): DVD-RAM quick reformat only.
    pub cmplist: bool,
    /// FOV: format options valid.
    pub fov: bool,
    /// DCRT: disable certification.
    pub dcrt: bool,
    /// Immed: return at once and report progress through sense data.
    pub immed: bool,
    pub blocks: u32,
    /// Format type, 6 bits (00h full, 26h DVD+RW, 30h/31h BD-RE, …).
    pub format_type: u8,
    /// Sub-type, 2 bits (BD: certification / SRM+POW selection).
    pub sub_type: u8,
    /// Type Dependent Parameter, 24 bits.
    pub tdp: u32,
}

impl FormatUnit {
    /// Length of the parameter list.
    pub const PARAM_LEN: usize = 12;

    /// Format type `format_type` with `blocks` and `tdp`, Immed, no other
    /// option bits.
    pub fn new(format_type: u8, blocks: u32, tdp: u32) -> Self {
        FormatUnit {
            cmplist: false,
            fov: false,
            dcrt: false,
            immed: true,
            blocks,
            format_type,
            sub_type: 0,
            tdp,
        }
    }

    /// A copy of a descriptor offered by READ FORMAT CAPACITIES with FOV +
    /// Immed (82h), as libburn sends descriptors chosen by index.
    pub fn from_descriptor(d: &FormatDescriptor, sub_type: u8) -> Self {
        FormatUnit {
            fov: true,
            sub_type,
            ..Self::new(d.format_type, d.blocks, d.tdp)
        }
    }

    /// DVD+RW background format (type 26h, blocks FFFFFFFFh, TDP bit 0 =
    /// Restart), Immed only (`mmc-recipes.md` §5.3).
    pub fn dvd_plus_rw(restart: bool) -> Self {
        Self::new(0x26, u32::MAX, restart as u32)
    }
}

impl Command for FormatUnit {
    const NAME: &'static str = "FORMAT UNIT";

    fn cdb(&self) -> Cdb {
        Cdb::new(&[0x04, 0x11 | (self.cmplist as u8) << 3, 0, 0, 0, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::Out(Self::PARAM_LEN)
    }

    fn timeout(&self) -> Duration {
        if self.immed {
            IMMED_TIMEOUT
        } else {
            NO_IMMED_TIMEOUT
        }
    }
}

impl WithParams for FormatUnit {
    fn params(&self) -> Vec<u8> {
        let mut p = vec![0u8; Self::PARAM_LEN];
        p[1] = (self.fov as u8) << 7 | (self.dcrt as u8) << 5 | (self.immed as u8) << 1;
        p[3] = 8;
        p[4..8].copy_from_slice(&self.blocks.to_be_bytes());
        p[8] = (self.format_type & 0x3F) << 2 | (self.sub_type & 3);
        p[9..12].copy_from_slice(&self.tdp.to_be_bytes()[1..]);
        p
    }
}

// ---------------------------------------------------------------------------
// BLANK

/// Blanking Type (CDB byte 1 bits 2–0), MMC-5 §6.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlankType {
    /// 000b: blank the whole disc.
    Full = 0b000,
    /// 001b: minimal ("fast") blank: PMA, TOC, first track pre-gap.
    Minimal = 0b001,
    /// 010b: blank the track given by the start address.
    Track = 0b010,
    /// 011b: unreserve a track.
    UnreserveTrack = 0b011,
    /// 100b: blank a track tail from the start address.
    TrackTail = 0b100,
    /// 101b: unclose the last session.
    UncloseSession = 0b101,
    /// 110b: blank the last session.
    Session = 0b110,
}

/// BLANK (A1h), MMC-5 §6.2: byte 1 bit 4 Immed, bits 2–0 blanking type;
/// bytes 2–5 start address / track number (ignored for 000b and 001b).
/// Timeout 200 s with Immed, 5 h without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blank {
    pub immed: bool,
    pub kind: BlankType,
    pub start: u32,
}

impl Blank {
    /// `kind` with start 0, Immed.
    pub fn new(kind: BlankType) -> Self {
        Blank {
            immed: true,
            kind,
            start: 0,
        }
    }
}

impl Command for Blank {
    const NAME: &'static str = "BLANK";

    fn cdb(&self) -> Cdb {
        let [a, b, c, d] = self.start.to_be_bytes();
        Cdb::new(&[
            0xA1,
            (self.immed as u8) << 4 | self.kind as u8,
            a,
            b,
            c,
            d,
            0,
            0,
            0,
            0,
            0,
            0,
        ])
    }

    fn data(&self) -> DataSpec {
        DataSpec::None
    }

    fn timeout(&self) -> Duration {
        if self.immed {
            IMMED_TIMEOUT
        } else {
            NO_IMMED_TIMEOUT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_format_capacities_cdb_mmc5_6_24() {
        // MMC-5 §6.24 (MMC-6 §6.23): allocation length in bytes 7–8.
        let q = ReadFormatCapacities::new();
        assert_eq!(q.cdb().as_bytes(), &[0x23, 0, 0, 0, 0, 0, 0, 0, 4, 0]);
        assert_eq!(
            q.with_alloc_len(0x0104).cdb().as_bytes(),
            &[0x23, 0, 0, 0, 0, 0, 0, 0x01, 0x04, 0]
        );
    }

    /// An unformatted BD-RE: maximum 12 219 392 blocks; descriptors 00h
    /// (default 11 826 176), 30h ×3 (default / max spare / min spare) and
    /// 31h (no spares), cf. `mmc-recipes.md` §2 capacities and §5.1.
    fn bd_re_unformatted() -> Vec<u8> {
        let mut r = vec![0, 0, 0, 8 * 6];
        let desc = |blocks: u32, ty: u8, tdp: u32| {
            let mut d = blocks.to_be_bytes().to_vec();
            d.push(ty);
            d.extend_from_slice(&tdp.to_be_bytes()[1..]);
            d
        };
        r.extend(desc(12_219_392, 0x01, 2048)); // current/max, unformatted
        r.extend(desc(11_826_176, 0x00 << 2, 0x3000));
        r.extend(desc(11_826_176, 0x30 << 2, 0x3000));
        r.extend(desc(11_564_032, 0x30 << 2, 0x5000));
        r.extend(desc(12_088_320, 0x30 << 2, 0x1000));
        r.extend(desc(12_219_392, 0x31 << 2, 0x0800));
        r
    }

    #[test]
    fn format_capacities_mmc5_6_24_3() {
        // MMC-5 §6.24.3 (MMC-6 §6.23.3).
        let raw = bd_re_unformatted();
        let q = ReadFormatCapacities::new();
        // The 4-byte first ask tells the full length.
        assert_eq!(q.available_len(&raw[..4]), Some(52));
        assert_eq!(q.larger_alloc_len(&raw[..4]), Some(52));
        assert_eq!(
            q.parse(&raw[..4]),
            Err(ParseError::Short { need: 12, got: 4 })
        );
        let f = q.with_alloc_len(52).parse(&raw).unwrap();
        assert_eq!(f.list_length, 48);
        assert_eq!(
            f.current,
            CurrentCapacity {
                blocks: 12_219_392,
                descriptor_type: DescriptorType::Unformatted,
                block_len: 2048
            }
        );
        assert_eq!(f.formattable.len(), 5);
        assert_eq!(
            f.formattable[0],
            FormatDescriptor {
                blocks: 11_826_176,
                format_type: 0x00,
                tdp: 0x3000
            }
        );
        assert_eq!(f.descriptor(0x31).unwrap().blocks, 12_219_392);
        assert_eq!(f.descriptor(0x30).unwrap().tdp, 0x3000);
        assert!(f.descriptor(0x26).is_none());
        // Cut inside the third descriptor: two complete formattable ones.
        assert_eq!(
            q.parse(&raw[..12 + 8 + 8 + 3]).unwrap().formattable.len(),
            2
        );
        // List length smaller than the buffer bounds the list.
        let mut r = raw.clone();
        r[3] = 16;
        assert_eq!(q.parse(&r).unwrap().formattable.len(), 1);
    }

    #[test]
    fn format_capacities_dvd_plus_rw_and_no_medium() {
        // DVD+RW never formatted: maximum 2 295 104 blocks, unformatted
        // (01b), one 26h descriptor with TDP 0.
        let raw = [
            0,
            0,
            0,
            16,
            0x00,
            0x23,
            0x05,
            0x40,
            0x01,
            0x00,
            0x08,
            0x00,
            0x00,
            0x23,
            0x05,
            0x40,
            0x26 << 2,
            0,
            0,
            0,
        ];
        let f = ReadFormatCapacities::new().parse(&raw).unwrap();
        assert_eq!(f.current.descriptor_type, DescriptorType::Unformatted);
        assert_eq!(f.descriptor(0x26).unwrap().blocks, 2_295_104);
        let raw = [0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0, 0x08, 0];
        let f = ReadFormatCapacities::new().parse(&raw).unwrap();
        assert_eq!(f.current.descriptor_type, DescriptorType::NoMedium);
        assert!(f.formattable.is_empty());
        // List length 0 (only the header is valid) → too short.
        let raw = [0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0, 0x08, 0];
        assert_eq!(
            ReadFormatCapacities::new().parse(&raw),
            Err(ParseError::Short { need: 12, got: 4 })
        );
    }

    #[test]
    fn format_unit_mmc5_6_5_recipes_5_2() {
        // DVD+RW background format: CDB 04 11 00 00 00 00; header 00 02 00 08,
        // blocks FFFFFFFF, type 26h << 2 = 98h, TDP 0 (recipes §5.2, §5.3).
        let f = FormatUnit::dvd_plus_rw(false);
        assert_eq!(f.cdb().as_bytes(), &[0x04, 0x11, 0, 0, 0, 0]);
        assert_eq!(f.data(), DataSpec::Out(12));
        assert_eq!(
            f.params(),
            [
                0x00, 0x02, 0x00, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x98, 0x00, 0x00, 0x00
            ]
        );
        assert_eq!(f.timeout(), Duration::from_secs(200));
        // Restart: TDP byte 11 bit 0.
        assert_eq!(FormatUnit::dvd_plus_rw(true).params()[11], 0x01);
        // BD-RE descriptor chosen by index: FOV + Immed = 82h, type 31h
        // sub-type 01b, TDP 000800h.
        let d = FormatDescriptor {
            blocks: 12_219_392,
            format_type: 0x31,
            tdp: 0x800,
        };
        let f = FormatUnit::from_descriptor(&d, 1);
        assert_eq!(
            f.params(),
            [
                0x00, 0x82, 0x00, 0x08, 0x00, 0xBA, 0x74, 0x00, 0xC5, 0x00, 0x08, 0x00
            ]
        );
        // DVD-RAM quick: CmpList in the CDB, FOV + DCRT + Immed = A2h.
        let q = FormatUnit {
            cmplist: true,
            dcrt: true,
            ..FormatUnit::from_descriptor(
                &FormatDescriptor {
                    blocks: 2_236_704,
                    format_type: 0,
                    tdp: 0x800,
                },
                0,
            )
        };
        assert_eq!(q.cdb().as_bytes(), &[0x04, 0x19, 0, 0, 0, 0]);
        assert_eq!(q.params()[1], 0xA2);
        let slow = FormatUnit {
            immed: false,
            ..FormatUnit::new(0, 0, 0)
        };
        assert_eq!(slow.params()[1], 0x00);
        assert_eq!(slow.timeout(), Duration::from_secs(18_000));
    }

    #[test]
    fn blank_mmc5_6_2() {
        // recipes §4: A1 1t 00 00 00 00 00 00 00 00 00 00.
        let b = Blank::new(BlankType::Minimal);
        assert_eq!(
            b.cdb().as_bytes(),
            &[0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(b.timeout(), Duration::from_secs(200));
        assert_eq!(Blank::new(BlankType::Full).cdb().as_bytes()[1], 0x10);
        let t = Blank {
            immed: false,
            kind: BlankType::Track,
            start: 0x01020304,
        };
        assert_eq!(
            t.cdb().as_bytes(),
            &[0xA1, 0x02, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(t.timeout(), Duration::from_secs(18_000));
        let types: Vec<u8> = [
            BlankType::Full,
            BlankType::Minimal,
            BlankType::Track,
            BlankType::UnreserveTrack,
            BlankType::TrackTail,
            BlankType::UncloseSession,
            BlankType::Session,
        ]
        .iter()
        .map(|k| Blank::new(*k).cdb().as_bytes()[1] & 7)
        .collect();
        assert_eq!(types, [0, 1, 2, 3, 4, 5, 6]);
    }
}
