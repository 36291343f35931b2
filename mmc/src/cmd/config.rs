//! GET CONFIGURATION (46h) and the feature descriptors a burner reads
//! (MMC-5 §5.2, §5.3, §6.6).

use super::{Cdb, Command, DataSpec, ParseError, Query, alloc16, be16, be32, bit, byte, need};
use crate::profile::Profile;

/// Which features GET CONFIGURATION returns (CDB byte 1 bits 1–0, MMC-5
/// §6.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestType {
    /// 00b: all features from the starting feature on.
    All = 0,
    /// 01b: only features with the Current bit set.
    Current = 1,
    /// 10b: only the starting feature.
    One = 2,
}

/// GET CONFIGURATION (46h), MMC-5 §6.6: byte 1 bits 1–0 RT, bytes 2–3
/// starting feature number, bytes 7–8 allocation length.
///
/// Ask with the default 8 bytes first (header: data length and current
/// profile), then with [`Query::available_len`]; replies announcing more than
/// [`GetConfiguration::MAX_LEN`] are rejected (`mmc-recipes.md` §3.1, §12.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetConfiguration {
    pub rt: RequestType,
    pub starting_feature: u16,
    pub alloc: u16,
}

impl GetConfiguration {
    /// Size of the feature header (MMC-5 §6.6.2.1).
    pub const HEADER_LEN: u16 = 8;
    /// Largest total reply length accepted (`mmc-recipes.md` §12.1).
    pub const MAX_LEN: usize = 4096;

    /// All features (RT = 00b) from feature 0000h, header-sized allocation.
    pub fn all() -> Self {
        GetConfiguration {
            rt: RequestType::All,
            starting_feature: 0,
            alloc: Self::HEADER_LEN,
        }
    }

    /// Only the current features (RT = 01b).
    pub fn current() -> Self {
        GetConfiguration {
            rt: RequestType::Current,
            ..Self::all()
        }
    }

    /// Exactly one feature (RT = 10b), with room for a descriptor of up to
    /// 248 data bytes.
    pub fn one(feature: u16) -> Self {
        GetConfiguration {
            rt: RequestType::One,
            starting_feature: feature,
            alloc: 256,
        }
    }
}

impl Command for GetConfiguration {
    const NAME: &'static str = "GET CONFIGURATION";

    fn cdb(&self) -> Cdb {
        let [fh, fl] = self.starting_feature.to_be_bytes();
        let [ah, al] = self.alloc.to_be_bytes();
        Cdb::new(&[0x46, self.rt as u8, fh, fl, 0, 0, 0, ah, al, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// The GET CONFIGURATION reply: feature header (MMC-5 §6.6.2.1: bytes 0–3
/// Data Length, bytes 6–7 Current Profile) and the feature descriptors that
/// were returned completely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configuration {
    /// Data Length field: bytes that follow byte 3.
    pub data_length: u32,
    /// Current profile; [`Profile::NONE`] without a medium.
    pub current_profile: Profile,
    pub features: Vec<Feature>,
    /// False when the reply was cut (by the allocation length or the drive)
    /// before the end its Data Length announces: ask again with more.
    pub complete: bool,
}

impl Configuration {
    /// The first descriptor with this feature code.
    pub fn feature(&self, code: u16) -> Option<&Feature> {
        self.features.iter().find(|f| f.code == code)
    }

    /// True when the feature is present with its Current bit set.
    pub fn is_current(&self, code: u16) -> bool {
        self.feature(code).is_some_and(|f| f.current)
    }

    /// The profile list of feature 0000h (empty if absent).
    pub fn profiles(&self) -> &[ProfileDescriptor] {
        match self.feature(Feature::PROFILE_LIST).map(|f| &f.body) {
            Some(FeatureBody::ProfileList(p)) => p,
            _ => &[],
        }
    }

    /// Feature 0021h when present.
    pub fn incremental_streaming(&self) -> Option<(&Feature, &IncrementalStreamingWritable)> {
        self.features.iter().find_map(|f| match &f.body {
            FeatureBody::IncrementalStreamingWritable(i) => Some((f, i)),
            _ => None,
        })
    }

    /// Feature 0023h when present.
    pub fn formattable(&self) -> Option<&Formattable> {
        self.features.iter().find_map(|f| match &f.body {
            FeatureBody::Formattable(x) => Some(x),
            _ => None,
        })
    }

    /// Feature 0107h when present.
    pub fn real_time_streaming(&self) -> Option<(&Feature, &RealTimeStreaming)> {
        self.features.iter().find_map(|f| match &f.body {
            FeatureBody::RealTimeStreaming(x) => Some((f, x)),
            _ => None,
        })
    }

    /// BD-R formatted for Pseudo-Overwrite: feature 0038h is current
    /// (`mmc-recipes.md` §5.3 "Why refuse BD-R POW").
    pub fn bd_r_pow_current(&self) -> bool {
        self.is_current(Feature::BD_R_POW)
    }
}

/// One feature descriptor (MMC-5 §5.2.2): bytes 0–1 feature code; byte 2
/// bits 5–2 version, bit 1 Persistent, bit 0 Current; byte 3 additional
/// length; feature data from byte 4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feature {
    pub code: u16,
    pub version: u8,
    pub persistent: bool,
    pub current: bool,
    /// The feature data (descriptor bytes 4 …), as returned.
    pub data: Vec<u8>,
    /// Typed decoding of `data` for the features a burner reads;
    /// [`FeatureBody::Unknown`] for the others.
    pub body: FeatureBody,
}

impl Feature {
    pub const PROFILE_LIST: u16 = 0x0000;
    pub const CORE: u16 = 0x0001;
    pub const REMOVABLE_MEDIUM: u16 = 0x0003;
    pub const RANDOM_READABLE: u16 = 0x0010;
    pub const MULTI_READ: u16 = 0x001D;
    pub const CD_READ: u16 = 0x001E;
    pub const DVD_READ: u16 = 0x001F;
    pub const INCREMENTAL_STREAMING_WRITABLE: u16 = 0x0021;
    pub const FORMATTABLE: u16 = 0x0023;
    pub const HARDWARE_DEFECT_MANAGEMENT: u16 = 0x0024;
    pub const RESTRICTED_OVERWRITE: u16 = 0x0026;
    pub const CD_RW_CAV_WRITE: u16 = 0x0027;
    pub const MRW: u16 = 0x0028;
    pub const DVD_PLUS_RW: u16 = 0x002A;
    pub const DVD_PLUS_R: u16 = 0x002B;
    pub const CD_TRACK_AT_ONCE: u16 = 0x002D;
    pub const CD_MASTERING: u16 = 0x002E;
    pub const DVD_MINUS_R_RW_WRITE: u16 = 0x002F;
    pub const BD_R_POW: u16 = 0x0038;
    pub const BD_READ: u16 = 0x0040;
    pub const BD_WRITE: u16 = 0x0041;
    pub const REAL_TIME_STREAMING: u16 = 0x0107;

    /// Decodes one descriptor's flags and data.
    fn decode(code: u16, flags: u8, data: &[u8]) -> Feature {
        Feature {
            code,
            version: flags >> 2 & 0x0F,
            persistent: flags & 0x02 != 0,
            current: flags & 0x01 != 0,
            data: data.to_vec(),
            body: FeatureBody::decode(code, data),
        }
    }
}

/// Typed feature data. Offsets in the field docs are descriptor bytes
/// (feature data starts at byte 4). Fields whose bytes were not returned
/// read as false / 0 / empty.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FeatureBody {
    /// 0000h Profile List (MMC-5 §5.3.1).
    ProfileList(Vec<ProfileDescriptor>),
    /// 0001h Core (MMC-5 §5.3.2).
    Core(Core),
    /// 0003h Removable Medium (MMC-5 §5.3.4).
    RemovableMedium(RemovableMedium),
    /// 0010h Random Readable (MMC-5 §5.3.6).
    RandomReadable(RandomReadable),
    /// 001Dh Multi-Read (MMC-5 §5.3.7), no data.
    MultiRead,
    /// 001Eh CD Read (MMC-5 §5.3.8).
    CdRead(CdRead),
    /// 001Fh DVD Read (MMC-5 §5.3.9).
    DvdRead(DvdRead),
    /// 0021h Incremental Streaming Writable (MMC-5 §5.3.11).
    IncrementalStreamingWritable(IncrementalStreamingWritable),
    /// 0023h Formattable (MMC-5 §5.3.13).
    Formattable(Formattable),
    /// 0024h Hardware Defect Management (MMC-5 §5.3.14): byte 4 bit 7 SSA
    /// (spare area information via READ DISC STRUCTURE).
    HardwareDefectManagement { ssa: bool },
    /// 0026h Restricted Overwrite (MMC-5 §5.3.16), no data.
    RestrictedOverwrite,
    /// 0027h CD-RW CAV Write (MMC-5 §5.3.17), reserved data only.
    CdRwCavWrite,
    /// 0028h MRW (MMC-5 §5.3.18).
    Mrw(Mrw),
    /// 002Ah DVD+RW (MMC-5 §5.3.20).
    DvdPlusRw(DvdPlusRw),
    /// 002Bh DVD+R (MMC-5 §5.3.21): byte 4 bit 0 Write.
    DvdPlusR { write: bool },
    /// 002Dh CD Track at Once (MMC-5 §5.3.23).
    CdTrackAtOnce(CdTrackAtOnce),
    /// 002Eh CD Mastering (SAO/raw) (MMC-5 §5.3.24).
    CdMastering(CdMastering),
    /// 002Fh DVD-R/-RW Write (MMC-5 §5.3.25, MMC-6 §5.3.23).
    DvdMinusRWrite(DvdMinusRWrite),
    /// 0038h BD-R Pseudo-Overwrite (MMC-5 §5.3): only the Current bit is used.
    BdRPow,
    /// 0040h BD Read (MMC-5 §5.3).
    BdRead(BdRead),
    /// 0041h BD Write (MMC-5 §5.3).
    BdWrite(BdWrite),
    /// 0107h Real Time Streaming (MMC-5 §5.3).
    RealTimeStreaming(RealTimeStreaming),
    /// Any other feature: see [`Feature::data`].
    Unknown,
}

/// One profile descriptor of the Profile List (MMC-5 §5.3.1): bytes 0–1
/// profile number, byte 2 bit 0 CurrentP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProfileDescriptor {
    pub profile: Profile,
    pub current: bool,
}

/// Core feature data (0001h, MMC-5 §5.3.2): bytes 4–7 physical interface standard (1 SCSI,
/// 2 ATAPI, 3 IEEE 1394, 7 Serial ATAPI, 8 USB); byte 8 bit 0 DBE, bit 1 INQ2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Core {
    pub physical_interface: u32,
    pub dbe: bool,
    pub inq2: bool,
}

/// Removable Medium feature data (0003h, MMC-5 §5.3.4), byte 4: bits 7–5 loading mechanism
/// (0 caddy, 1 tray, 2 pop-up, 4 changer individual, 5 changer magazine),
/// bit 4 Load, bit 3 Eject, bit 2 Pvnt Jmpr, bit 1 DBML, bit 0 Lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RemovableMedium {
    pub loading_mechanism: u8,
    pub load: bool,
    pub eject: bool,
    pub prevent_jumper: bool,
    pub dbml: bool,
    pub lock: bool,
}

/// Random Readable feature data (0010h, MMC-5 §5.3.6): bytes 4–7 logical block size, 8–9
/// blocking, byte 10 bit 0 PP (page present).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RandomReadable {
    pub block_size: u32,
    pub blocking: u16,
    pub page_present: bool,
}

/// CD Read feature data (001Eh, MMC-5 §5.3.8), byte 4: bit 7 DAP, bit 1 C2 Flags, bit 0 CD-Text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CdRead {
    pub dap: bool,
    pub c2_flags: bool,
    pub cd_text: bool,
}

/// DVD Read feature data (001Fh, MMC-5 §5.3.9): byte 4 bit 0 MULTI110; byte 6 bit 0 DualR,
/// bit 1 DualRW (MMC-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DvdRead {
    pub multi110: bool,
    pub dual_r: bool,
    pub dual_rw: bool,
}

/// Incremental Streaming Writable feature data (0021h, MMC-5 §5.3.11):
/// bytes 4–5 data block types
/// supported (bit n = type n); byte 6 bit 2 TRIO, bit 1 ARSV, bit 0 BUF;
/// byte 7 number of link sizes; link sizes from byte 8.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct IncrementalStreamingWritable {
    pub data_block_types: u16,
    pub trio: bool,
    pub arsv: bool,
    pub buf: bool,
    pub link_sizes: Vec<u8>,
}

impl IncrementalStreamingWritable {
    /// The link size for page 05h: 16 if listed, else the first one
    /// (`mmc-recipes.md` §12.1).
    pub fn preferred_link_size(&self) -> Option<u8> {
        if self.link_sizes.contains(&16) {
            Some(16)
        } else {
            self.link_sizes.first().copied()
        }
    }
}

/// Formattable feature data (0023h, MMC-5 §5.3.13): byte 4 bit 0 Cert, bit 1 QCert, bit 2 Expand,
/// bit 3 RENoSA; byte 8 bit 0 RRM (`mmc-recipes.md` §5.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Formattable {
    pub cert: bool,
    pub qcert: bool,
    pub expand: bool,
    pub renosa: bool,
    pub rrm: bool,
}

/// MRW feature data (0028h, MMC-5 §5.3.18), byte 4: bit 0 Write (CD-MRW), bit 1 DVD+Read,
/// bit 2 DVD+Write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Mrw {
    pub cd_write: bool,
    pub dvd_plus_read: bool,
    pub dvd_plus_write: bool,
}

/// DVD+RW feature data (002Ah, MMC-5 §5.3.20): byte 4 bit 0 Write; byte 5 bit 1 Quick Start,
/// bit 0 Close Only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DvdPlusRw {
    pub write: bool,
    pub quick_start: bool,
    pub close_only: bool,
}

/// CD Track at Once feature data (002Dh, MMC-5 §5.3.23): byte 4 bit 6 BUF, bit 4 R-W Raw, bit 3
/// R-W Pack, bit 2 Test Write, bit 1 CD-RW, bit 0 R-W Sub-code; bytes 6–7
/// data types supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CdTrackAtOnce {
    pub buf: bool,
    pub rw_raw: bool,
    pub rw_pack: bool,
    pub test_write: bool,
    pub cd_rw: bool,
    pub rw_subcode: bool,
    pub data_types: u16,
}

/// CD Mastering feature data (002Eh, MMC-5 §5.3.24): byte 4 bit 6 BUF, bit 5 SAO, bit 4 Raw MS,
/// bit 3 Raw, bit 2 Test Write, bit 1 CD-RW, bit 0 R-W; bytes 5–7 maximum
/// cue sheet length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct CdMastering {
    pub buf: bool,
    pub sao: bool,
    pub raw_ms: bool,
    pub raw: bool,
    pub test_write: bool,
    pub cd_rw: bool,
    pub rw: bool,
    pub max_cue_sheet_len: u32,
}

/// DVD-R/-RW Write feature data (002Fh, MMC-5 §5.3.25, MMC-6 §5.3.23),
/// byte 4: bit 6 BUF, bit 3 RDL, bit 2 Test
/// Write, bit 1 DVD-RW SL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DvdMinusRWrite {
    pub buf: bool,
    pub rdl: bool,
    pub test_write: bool,
    pub dvd_rw: bool,
}

/// BD Read feature data (0040h, MMC-5 §5.3): bytes 8–15 BD-RE, 16–23 BD-R, 24–31 BD-ROM read
/// support bitmaps for classes 0–3 (16 bits each; bit n = version n).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BdRead {
    pub bd_re: [u16; 4],
    pub bd_r: [u16; 4],
    pub bd_rom: [u16; 4],
}

/// BD Write feature data (0041h, MMC-5 §5.3): byte 4 bit 0 SVNR; bytes 8–15 BD-RE, 16–23 BD-R
/// write support bitmaps for classes 0–3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BdWrite {
    pub svnr: bool,
    pub bd_re: [u16; 4],
    pub bd_r: [u16; 4],
}

/// Real Time Streaming feature data (0107h, MMC-5 §5.3), byte 4: bit 4 RBCB (READ BUFFER
/// CAPACITY block), bit 3 SCS (SET CD SPEED), bit 2 MP2A (page 2Ah),
/// bit 1 WSPD (GET PERFORMANCE type 03h), bit 0 SW (stream writing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RealTimeStreaming {
    pub rbcb: bool,
    pub scs: bool,
    pub mp2a: bool,
    pub wspd: bool,
    pub sw: bool,
}

/// Four consecutive 16-bit bitmaps from feature-data offset `off`; absent
/// ones read as 0.
fn bitmaps(d: &[u8], off: usize) -> [u16; 4] {
    std::array::from_fn(|i| be16(d, off + 2 * i).unwrap_or(0))
}

impl FeatureBody {
    /// Decodes the data (descriptor bytes 4 …) of feature `code`. `d[0]` is
    /// descriptor byte 4.
    fn decode(code: u16, d: &[u8]) -> FeatureBody {
        match code {
            Feature::PROFILE_LIST => FeatureBody::ProfileList(
                d.chunks_exact(4)
                    .map(|p| ProfileDescriptor {
                        profile: Profile(u16::from_be_bytes([p[0], p[1]])),
                        current: p[2] & 0x01 != 0,
                    })
                    .collect(),
            ),
            Feature::CORE => FeatureBody::Core(Core {
                physical_interface: be32(d, 0).unwrap_or(0),
                dbe: bit(d, 4, 0),
                inq2: bit(d, 4, 1),
            }),
            Feature::REMOVABLE_MEDIUM => FeatureBody::RemovableMedium(RemovableMedium {
                loading_mechanism: byte(d, 0) >> 5,
                load: bit(d, 0, 4),
                eject: bit(d, 0, 3),
                prevent_jumper: bit(d, 0, 2),
                dbml: bit(d, 0, 1),
                lock: bit(d, 0, 0),
            }),
            Feature::RANDOM_READABLE => FeatureBody::RandomReadable(RandomReadable {
                block_size: be32(d, 0).unwrap_or(0),
                blocking: be16(d, 4).unwrap_or(0),
                page_present: bit(d, 6, 0),
            }),
            Feature::MULTI_READ => FeatureBody::MultiRead,
            Feature::CD_READ => FeatureBody::CdRead(CdRead {
                dap: bit(d, 0, 7),
                c2_flags: bit(d, 0, 1),
                cd_text: bit(d, 0, 0),
            }),
            Feature::DVD_READ => FeatureBody::DvdRead(DvdRead {
                multi110: bit(d, 0, 0),
                dual_r: bit(d, 2, 0),
                dual_rw: bit(d, 2, 1),
            }),
            Feature::INCREMENTAL_STREAMING_WRITABLE => {
                let n = byte(d, 3) as usize;
                let sizes = d.get(4..).unwrap_or(&[]);
                FeatureBody::IncrementalStreamingWritable(IncrementalStreamingWritable {
                    data_block_types: be16(d, 0).unwrap_or(0),
                    trio: bit(d, 2, 2),
                    arsv: bit(d, 2, 1),
                    buf: bit(d, 2, 0),
                    link_sizes: sizes[..n.min(sizes.len())].to_vec(),
                })
            }
            Feature::FORMATTABLE => FeatureBody::Formattable(Formattable {
                cert: bit(d, 0, 0),
                qcert: bit(d, 0, 1),
                expand: bit(d, 0, 2),
                renosa: bit(d, 0, 3),
                rrm: bit(d, 4, 0),
            }),
            Feature::HARDWARE_DEFECT_MANAGEMENT => {
                FeatureBody::HardwareDefectManagement { ssa: bit(d, 0, 7) }
            }
            Feature::RESTRICTED_OVERWRITE => FeatureBody::RestrictedOverwrite,
            Feature::CD_RW_CAV_WRITE => FeatureBody::CdRwCavWrite,
            Feature::MRW => FeatureBody::Mrw(Mrw {
                cd_write: bit(d, 0, 0),
                dvd_plus_read: bit(d, 0, 1),
                dvd_plus_write: bit(d, 0, 2),
            }),
            Feature::DVD_PLUS_RW => FeatureBody::DvdPlusRw(DvdPlusRw {
                write: bit(d, 0, 0),
                quick_start: bit(d, 1, 1),
                close_only: bit(d, 1, 0),
            }),
            Feature::DVD_PLUS_R => FeatureBody::DvdPlusR {
                write: bit(d, 0, 0),
            },
            Feature::CD_TRACK_AT_ONCE => FeatureBody::CdTrackAtOnce(CdTrackAtOnce {
                buf: bit(d, 0, 6),
                rw_raw: bit(d, 0, 4),
                rw_pack: bit(d, 0, 3),
                test_write: bit(d, 0, 2),
                cd_rw: bit(d, 0, 1),
                rw_subcode: bit(d, 0, 0),
                data_types: be16(d, 2).unwrap_or(0),
            }),
            Feature::CD_MASTERING => FeatureBody::CdMastering(CdMastering {
                buf: bit(d, 0, 6),
                sao: bit(d, 0, 5),
                raw_ms: bit(d, 0, 4),
                raw: bit(d, 0, 3),
                test_write: bit(d, 0, 2),
                cd_rw: bit(d, 0, 1),
                rw: bit(d, 0, 0),
                max_cue_sheet_len: super::be24(d, 1).unwrap_or(0),
            }),
            Feature::DVD_MINUS_R_RW_WRITE => FeatureBody::DvdMinusRWrite(DvdMinusRWrite {
                buf: bit(d, 0, 6),
                rdl: bit(d, 0, 3),
                test_write: bit(d, 0, 2),
                dvd_rw: bit(d, 0, 1),
            }),
            Feature::BD_R_POW => FeatureBody::BdRPow,
            Feature::BD_READ => FeatureBody::BdRead(BdRead {
                bd_re: bitmaps(d, 4),
                bd_r: bitmaps(d, 12),
                bd_rom: bitmaps(d, 20),
            }),
            Feature::BD_WRITE => FeatureBody::BdWrite(BdWrite {
                svnr: bit(d, 0, 0),
                bd_re: bitmaps(d, 4),
                bd_r: bitmaps(d, 12),
            }),
            Feature::REAL_TIME_STREAMING => FeatureBody::RealTimeStreaming(RealTimeStreaming {
                rbcb: bit(d, 0, 4),
                scs: bit(d, 0, 3),
                mp2a: bit(d, 0, 2),
                wspd: bit(d, 0, 1),
                sw: bit(d, 0, 0),
            }),
            _ => FeatureBody::Unknown,
        }
    }
}

impl Query for GetConfiguration {
    type Reply = Configuration;

    /// Needs the 8-byte header; rejects a Data Length announcing more than
    /// [`GetConfiguration::MAX_LEN`] bytes in total. Descriptors cut short at
    /// the end of the reply are dropped and `complete` is false.
    fn parse(&self, data: &[u8]) -> Result<Configuration, ParseError> {
        need(data, 8)?;
        let data_length = be32(data, 0).unwrap_or(0);
        let total = data_length as usize + 4;
        if total > Self::MAX_LEN {
            return Err(ParseError::TooLong(total));
        }
        if total < 8 {
            return Err(ParseError::Invalid(
                "GET CONFIGURATION data length smaller than the header",
            ));
        }
        let end = total.min(data.len());
        let current_profile = Profile(be16(data, 6).unwrap_or(0));
        let mut features = Vec::new();
        let mut pos = 8;
        let mut complete = total <= data.len();
        while pos + 4 <= end {
            let code = u16::from_be_bytes([data[pos], data[pos + 1]]);
            let flags = data[pos + 2];
            let body_end = pos + 4 + data[pos + 3] as usize;
            if body_end > end {
                complete = false;
                break;
            }
            features.push(Feature::decode(code, flags, &data[pos + 4..body_end]));
            pos = body_end;
        }
        Ok(Configuration {
            data_length,
            current_profile,
            features,
            complete,
        })
    }

    /// Bytes 0–3 Data Length + 4.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be32(data, 0).map(|n| (n as usize).saturating_add(4))
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        GetConfiguration {
            alloc: alloc16(len),
            ..*self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a GET CONFIGURATION reply from (code, flags, data) triples.
    fn reply(profile: u16, feats: &[(u16, u8, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (code, flags, data) in feats {
            body.extend_from_slice(&code.to_be_bytes());
            body.push(*flags);
            body.push(data.len() as u8);
            body.extend_from_slice(data);
        }
        let mut r = ((body.len() + 4) as u32).to_be_bytes().to_vec();
        r.extend_from_slice(&[0, 0]);
        r.extend_from_slice(&profile.to_be_bytes());
        r.extend_from_slice(&body);
        r
    }

    #[test]
    fn cdb_mmc5_6_6() {
        // MMC-5 §6.6: byte 1 RT, bytes 2–3 starting feature, 7–8 alloc.
        assert_eq!(
            GetConfiguration::all().cdb().as_bytes(),
            &[0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0]
        );
        assert_eq!(
            GetConfiguration::all()
                .with_alloc_len(1000)
                .cdb()
                .as_bytes(),
            &[0x46, 0, 0, 0, 0, 0, 0, 0x03, 0xE8, 0]
        );
        assert_eq!(
            GetConfiguration::one(0x0038).cdb().as_bytes(),
            &[0x46, 2, 0x00, 0x38, 0, 0, 0, 0x01, 0x00, 0]
        );
        assert_eq!(GetConfiguration::current().cdb().as_bytes()[1], 1);
        assert_eq!(
            GetConfiguration::all().with_alloc_len(1 << 20).alloc_len(),
            65535
        );
    }

    /// What tgt returns for a blank DVD+R (`peers-and-oracles.md` §4.1):
    /// current profile 001Bh, profile list {0010h, 001Bh}, features 0000,
    /// 0001, 0002, 0003, 0010, 001D, 001F, 002B, 0100, 0105, 0107, 0108,
    /// 010A; no 0021h, 0023h, 002Fh.
    fn tgt_dvd_plus_r() -> Vec<u8> {
        reply(
            0x001B,
            &[
                (
                    0x0000,
                    0x03,
                    &[0x00, 0x10, 0x00, 0x00, 0x00, 0x1B, 0x01, 0x00],
                ),
                (0x0001, 0x0B, &[0, 0, 0, 1, 0, 0, 0, 0]),
                (0x0002, 0x07, &[0, 0, 0, 0]),
                (0x0003, 0x03, &[0x29, 0, 0, 0]),
                (0x0010, 0x01, &[0, 0, 0x08, 0x00, 0x00, 0x10, 0x00, 0x00]),
                (0x001D, 0x00, &[]),
                (0x001F, 0x00, &[0, 0, 0, 0]),
                (0x002B, 0x01, &[0x01, 0, 0, 0]),
                (0x0100, 0x03, &[]),
                (0x0105, 0x03, &[]),
                (0x0107, 0x0F, &[0x01, 0, 0, 0]),
                (0x0108, 0x03, b"12345678"),
                (0x010A, 0x00, &[0, 0, 0, 0]),
            ],
        )
    }

    #[test]
    fn tgt_blank_dvd_plus_r_mmc5_6_6_2_1() {
        // MMC-5 §6.6.2.1 header; §5.2.2 descriptors; §5.3.1 profile list.
        let raw = tgt_dvd_plus_r();
        let gc = GetConfiguration::all();
        // The 8-byte first ask tells the full length.
        assert_eq!(gc.available_len(&raw[..8]), Some(raw.len()));
        assert_eq!(gc.larger_alloc_len(&raw[..8]), Some(raw.len()));
        let head = gc.parse(&raw[..8]).unwrap();
        assert_eq!(head.current_profile, Profile::DVD_PLUS_R);
        assert!(head.features.is_empty());
        assert!(!head.complete);

        let c = gc.with_alloc_len(raw.len()).parse(&raw).unwrap();
        assert!(c.complete);
        assert_eq!(c.data_length as usize, raw.len() - 4);
        assert_eq!(c.current_profile, Profile::DVD_PLUS_R);
        let codes: Vec<u16> = c.features.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            [
                0x0000, 0x0001, 0x0002, 0x0003, 0x0010, 0x001D, 0x001F, 0x002B, 0x0100, 0x0105,
                0x0107, 0x0108, 0x010A
            ]
        );
        assert_eq!(
            c.profiles(),
            &[
                ProfileDescriptor {
                    profile: Profile::DVD_ROM,
                    current: false
                },
                ProfileDescriptor {
                    profile: Profile::DVD_PLUS_R,
                    current: true
                }
            ]
        );
        let core = c.feature(Feature::CORE).unwrap();
        assert_eq!(core.version, 2);
        assert!(core.persistent && core.current);
        assert_eq!(
            core.body,
            FeatureBody::Core(Core {
                physical_interface: 1,
                dbe: false,
                inq2: false
            })
        );
        // 0003h byte 4 = 29h: tray (001b), Eject, Lock.
        match &c.feature(Feature::REMOVABLE_MEDIUM).unwrap().body {
            FeatureBody::RemovableMedium(r) => {
                assert_eq!(r.loading_mechanism, 1);
                assert!(r.eject && r.lock && !r.load && !r.prevent_jumper);
            }
            b => panic!("{b:?}"),
        }
        match &c.feature(Feature::RANDOM_READABLE).unwrap().body {
            FeatureBody::RandomReadable(r) => {
                assert_eq!(
                    (r.block_size, r.blocking, r.page_present),
                    (2048, 16, false)
                )
            }
            b => panic!("{b:?}"),
        }
        assert_eq!(
            c.feature(Feature::MULTI_READ).unwrap().body,
            FeatureBody::MultiRead
        );
        assert_eq!(
            c.feature(Feature::DVD_PLUS_R).unwrap().body,
            FeatureBody::DvdPlusR { write: true }
        );
        let (rts_f, rts) = c.real_time_streaming().unwrap();
        assert!(rts_f.current && rts.sw && !rts.wspd);
        // Unknown features keep code, flags and data.
        let sn = c.feature(0x0108).unwrap();
        assert_eq!(sn.body, FeatureBody::Unknown);
        assert_eq!(sn.data, b"12345678");
        assert!(c.feature(0x0002).unwrap().persistent);
        assert_eq!(c.feature(0x0002).unwrap().version, 1);
        assert!(c.incremental_streaming().is_none());
        assert!(c.formattable().is_none());
        assert!(!c.bd_r_pow_current());
        assert!(!c.is_current(Feature::DVD_READ));
    }

    #[test]
    fn writer_features_mmc5_5_3() {
        let raw = reply(
            0x0014,
            &[
                // 0021h: data block types 4001h, BUF, 2 link sizes {1, 16}.
                (0x0021, 0x05, &[0x40, 0x01, 0x01, 0x02, 0x01, 0x10, 0, 0]),
                // 0023h: Cert + QCert + Expand + RENoSA, RRM.
                (0x0023, 0x00, &[0x0F, 0, 0, 0, 0x01, 0, 0, 0]),
                (0x0024, 0x00, &[0x80, 0, 0, 0]),
                (0x0026, 0x00, &[]),
                (0x0027, 0x00, &[0, 0, 0, 0]),
                // 0028h: CD write + DVD+ read + DVD+ write.
                (0x0028, 0x01, &[0x07, 0, 0, 0]),
                // 002Ah: Write, Quick Start.
                (0x002A, 0x00, &[0x01, 0x02, 0, 0]),
                // 002Dh: BUF, Test Write, CD-RW, data types 03FFh.
                (0x002D, 0x01, &[0x46, 0x00, 0x03, 0xFF]),
                // 002Eh: BUF, SAO, Raw, Test Write, CD-RW; cue sheet 2400h.
                (0x002E, 0x01, &[0x6E, 0x00, 0x24, 0x00]),
                // 002Fh: BUF, RDL, Test Write, DVD-RW.
                (0x002F, 0x05, &[0x4E, 0, 0, 0]),
                (0x001E, 0x01, &[0x83, 0, 0, 0]),
                (0x001F, 0x05, &[0x01, 0x00, 0x03, 0x00]),
            ],
        );
        let c = GetConfiguration::all()
            .with_alloc_len(raw.len())
            .parse(&raw)
            .unwrap();
        assert_eq!(c.current_profile, Profile::DVD_RW_SEQ);
        let (f, inc) = c.incremental_streaming().unwrap();
        assert!(f.current);
        assert_eq!(f.version, 1);
        assert_eq!(inc.data_block_types, 0x4001);
        assert!(inc.buf && !inc.arsv && !inc.trio);
        assert_eq!(inc.link_sizes, [1, 16]);
        assert_eq!(inc.preferred_link_size(), Some(16));
        assert_eq!(
            *c.formattable().unwrap(),
            Formattable {
                cert: true,
                qcert: true,
                expand: true,
                renosa: true,
                rrm: true
            }
        );
        let body = |code| c.feature(code).unwrap().body.clone();
        assert_eq!(
            body(0x0024),
            FeatureBody::HardwareDefectManagement { ssa: true }
        );
        assert_eq!(body(0x0026), FeatureBody::RestrictedOverwrite);
        assert_eq!(body(0x0027), FeatureBody::CdRwCavWrite);
        assert_eq!(
            body(0x0028),
            FeatureBody::Mrw(Mrw {
                cd_write: true,
                dvd_plus_read: true,
                dvd_plus_write: true
            })
        );
        assert_eq!(
            body(0x002A),
            FeatureBody::DvdPlusRw(DvdPlusRw {
                write: true,
                quick_start: true,
                close_only: false
            })
        );
        assert_eq!(
            body(0x002D),
            FeatureBody::CdTrackAtOnce(CdTrackAtOnce {
                buf: true,
                rw_raw: false,
                rw_pack: false,
                test_write: true,
                cd_rw: true,
                rw_subcode: false,
                data_types: 0x03FF
            })
        );
        assert_eq!(
            body(0x002E),
            FeatureBody::CdMastering(CdMastering {
                buf: true,
                sao: true,
                raw_ms: false,
                raw: true,
                test_write: true,
                cd_rw: true,
                rw: false,
                max_cue_sheet_len: 0x2400
            })
        );
        assert_eq!(
            body(0x002F),
            FeatureBody::DvdMinusRWrite(DvdMinusRWrite {
                buf: true,
                rdl: true,
                test_write: true,
                dvd_rw: true
            })
        );
        assert_eq!(
            body(0x001E),
            FeatureBody::CdRead(CdRead {
                dap: true,
                c2_flags: true,
                cd_text: true
            })
        );
        assert_eq!(
            body(0x001F),
            FeatureBody::DvdRead(DvdRead {
                multi110: true,
                dual_r: true,
                dual_rw: true
            })
        );
    }

    #[test]
    fn bd_features_mmc5_5_3() {
        let mut bd_read = vec![0u8; 28];
        bd_read[4..6].copy_from_slice(&[0x00, 0x06]); // BD-RE class 0: versions 1, 2
        bd_read[12..14].copy_from_slice(&[0x00, 0x02]); // BD-R class 0: version 1
        bd_read[20..22].copy_from_slice(&[0x00, 0x02]); // BD-ROM class 0: version 1
        let mut bd_write = vec![0u8; 20];
        bd_write[0] = 0x01; // SVNR
        bd_write[4..6].copy_from_slice(&[0x00, 0x04]);
        bd_write[12..14].copy_from_slice(&[0x00, 0x02]);
        let raw = reply(
            0x0041,
            &[
                (0x0038, 0x01, &[0, 0, 0, 0]),
                (0x0040, 0x01, &bd_read),
                (0x0041, 0x01, &bd_write),
                (0x0107, 0x01, &[0x1F, 0, 0, 0]),
            ],
        );
        let c = GetConfiguration::all()
            .with_alloc_len(raw.len())
            .parse(&raw)
            .unwrap();
        assert_eq!(c.current_profile, Profile::BD_R_SRM);
        assert!(c.bd_r_pow_current());
        assert_eq!(c.feature(0x0038).unwrap().body, FeatureBody::BdRPow);
        assert_eq!(
            c.feature(0x0040).unwrap().body,
            FeatureBody::BdRead(BdRead {
                bd_re: [6, 0, 0, 0],
                bd_r: [2, 0, 0, 0],
                bd_rom: [2, 0, 0, 0]
            })
        );
        assert_eq!(
            c.feature(0x0041).unwrap().body,
            FeatureBody::BdWrite(BdWrite {
                svnr: true,
                bd_re: [4, 0, 0, 0],
                bd_r: [2, 0, 0, 0]
            })
        );
        assert_eq!(
            *c.real_time_streaming().unwrap().1,
            RealTimeStreaming {
                rbcb: true,
                scs: true,
                mp2a: true,
                wspd: true,
                sw: true
            }
        );
        // Same disc without the POW Current bit: not POW.
        let raw = reply(0x0041, &[(0x0038, 0x00, &[0, 0, 0, 0])]);
        let c = GetConfiguration::all()
            .with_alloc_len(raw.len())
            .parse(&raw)
            .unwrap();
        assert!(!c.bd_r_pow_current());
    }

    #[test]
    fn limits_and_truncation() {
        let gc = GetConfiguration::all();
        // Data Length announcing 4093 + 4 > 4096 bytes → TooLong (recipes §12.1).
        let mut raw = vec![0, 0, 0x0F, 0xFD, 0, 0, 0, 0x1B];
        assert_eq!(gc.parse(&raw), Err(ParseError::TooLong(4097)));
        raw[3] = 0xFC; // exactly 4096: accepted
        assert!(gc.parse(&raw).is_ok());
        assert_eq!(
            gc.parse(&raw[..7]),
            Err(ParseError::Short { need: 8, got: 7 })
        );
        assert!(matches!(
            gc.parse(&[0, 0, 0, 2, 0, 0, 0, 0]),
            Err(ParseError::Invalid(_))
        ));
        // A reply cut in the middle of the second descriptor.
        let full = tgt_dvd_plus_r();
        let c = gc.parse(&full[..8 + 12 + 6]).unwrap();
        assert_eq!(c.features.len(), 1);
        assert!(!c.complete);
        // A cut inside a descriptor header.
        let c = gc.parse(&full[..8 + 12 + 2]).unwrap();
        assert_eq!(c.features.len(), 1);
        assert!(!c.complete);
        // Data Length shorter than the buffer: bytes after it ignored.
        let mut short = full.clone();
        short[3] = 4 + 12; // header rest + profile list only
        let c = gc.parse(&short).unwrap();
        assert_eq!(c.features.len(), 1);
        assert!(c.complete);
        // Link sizes count larger than the data: only what is there.
        let raw = reply(0x0011, &[(0x0021, 0x01, &[0, 1, 0, 9, 16])]);
        let c = gc.parse(&raw).unwrap();
        assert_eq!(c.incremental_streaming().unwrap().1.link_sizes, [16]);
    }
}
