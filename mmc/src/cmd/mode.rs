//! MODE SENSE(10) (5Ah), MODE SELECT(10) (55h), the Write Parameters page
//! 05h (MMC-5 §7.5.4) and the CD/DVD Capabilities page 2Ah (MMC-3 §6.3.11).

use super::{
    Cdb, Command, DataSpec, ParseError, Query, WithParams, alloc16, be16, bit, bounded, byte, need,
};

/// Page code of the Write Parameters page.
pub const PAGE_WRITE_PARAMETERS: u8 = 0x05;
/// Page code of the CD/DVD Capabilities and Mechanical Status page.
pub const PAGE_CAPABILITIES: u8 = 0x2A;

/// Size of the mode parameter header (10) (SPC-3 §7.4.3).
pub const MODE_HEADER_LEN: usize = 8;

/// Page control field of MODE SENSE (CDB byte 2 bits 7–6, SPC-3 §6.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageControl {
    Current = 0,
    Changeable = 1,
    Default = 2,
    Saved = 3,
}

/// MODE SENSE(10) (5Ah), SPC-3 §6.10, MMC-5 §6.13 (MMC-6 §6.12): byte 1
/// bit 3 DBD; byte 2 bits 7–6 PC, bits 5–0 page code; bytes 7–8 allocation
/// length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeSense10 {
    pub page: u8,
    pub pc: PageControl,
    /// Disable block descriptors (drives may return them anyway).
    pub dbd: bool,
    pub alloc: u16,
}

impl ModeSense10 {
    /// Current values of `page`; room for a page of up to 246 bytes.
    pub fn new(page: u8) -> Self {
        ModeSense10 {
            page,
            pc: PageControl::Current,
            dbd: false,
            alloc: 256,
        }
    }

    /// Page 05h with the recipes' first allocation length, 10: header and
    /// page length only (`mmc-recipes.md` §6.2). Ask again with
    /// [`Query::available_len`].
    pub fn write_parameters() -> Self {
        ModeSense10 {
            alloc: 10,
            ..Self::new(PAGE_WRITE_PARAMETERS)
        }
    }

    /// Page 2Ah with the recipes' first allocation length, 30
    /// (`mmc-recipes.md` §3.1 step 6).
    pub fn capabilities() -> Self {
        ModeSense10 {
            alloc: 30,
            ..Self::new(PAGE_CAPABILITIES)
        }
    }
}

impl Command for ModeSense10 {
    const NAME: &'static str = "MODE SENSE(10)";

    fn cdb(&self) -> Cdb {
        let [hi, lo] = self.alloc.to_be_bytes();
        Cdb::new(&[
            0x5A,
            (self.dbd as u8) << 3,
            (self.pc as u8) << 6 | (self.page & 0x3F),
            0,
            0,
            0,
            0,
            hi,
            lo,
            0,
        ])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Mode parameter header (10), SPC-3 §7.4.3: bytes 0–1 mode data length,
/// byte 2 medium type, byte 3 device-specific parameter, bytes 6–7 block
/// descriptor length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModeHeader {
    pub mode_data_length: u16,
    pub medium_type: u8,
    pub device_specific: u8,
    pub block_descriptor_length: u16,
}

/// A MODE SENSE(10) reply: the header and the first mode page, found after
/// the block descriptors (`8 + block descriptor length`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModePage {
    pub header: ModeHeader,
    /// Page code (page byte 0 bits 5–0).
    pub page_code: u8,
    /// PS, parameters savable (page byte 0 bit 7).
    pub ps: bool,
    /// Page length as the page declares it (page byte 1).
    pub page_length: u8,
    /// The page bytes that were returned, from its byte 0; shorter than
    /// `2 + page_length` when the reply was cut.
    pub bytes: Vec<u8>,
}

impl ModePage {
    /// Decodes the page as Write Parameters (05h).
    pub fn write_parameters(&self) -> Result<WriteParameters, ParseError> {
        WriteParameters::parse(&self.bytes)
    }

    /// Decodes the page as CD/DVD Capabilities (2Ah).
    pub fn capabilities(&self) -> Result<Capabilities, ParseError> {
        Capabilities::parse(&self.bytes)
    }

    /// True when the whole declared page was returned.
    pub fn is_complete(&self) -> bool {
        self.bytes.len() >= 2 + self.page_length as usize
    }
}

impl Query for ModeSense10 {
    type Reply = ModePage;

    /// Needs the header and the page's first two bytes; skips block
    /// descriptors by the header's length.
    fn parse(&self, data: &[u8]) -> Result<ModePage, ParseError> {
        need(data, MODE_HEADER_LEN)?;
        let mdl = be16(data, 0).unwrap_or(0);
        let d = bounded(data, mdl as usize + 2);
        let bdl = be16(data, 6).unwrap_or(0);
        let start = MODE_HEADER_LEN + bdl as usize;
        if d.len() < start + 2 {
            return Err(ParseError::Short {
                need: start + 2,
                got: d.len(),
            });
        }
        let page_length = d[start + 1];
        let end = d.len().min(start + 2 + page_length as usize);
        Ok(ModePage {
            header: ModeHeader {
                mode_data_length: mdl,
                medium_type: data[2],
                device_specific: data[3],
                block_descriptor_length: bdl,
            },
            page_code: d[start] & 0x3F,
            ps: d[start] & 0x80 != 0,
            page_length,
            bytes: d[start..end].to_vec(),
        })
    }

    /// Bytes 0–1 mode data length + 2.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 0).map(|n| n as usize + 2)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        ModeSense10 {
            alloc: alloc16(len),
            ..*self
        }
    }
}

// ---------------------------------------------------------------------------
// MODE SELECT(10)

/// MODE SELECT(10) (55h), SPC-3 §6.8, MMC-5 §6.12: byte 1 bit 4 PF = 1,
/// bit 0 SP; bytes 7–8 parameter list length. The parameter list is an
/// all-zero 8-byte mode parameter header followed by one page
/// (`mmc-recipes.md` §6.2): `55 10 00 00 00 00 00 LL LL 00`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModeSelect10 {
    /// The page from its byte 0 (PS is cleared when sent).
    pub page: Vec<u8>,
    /// SP: save pages.
    pub save: bool,
}

impl ModeSelect10 {
    pub fn new(page: Vec<u8>) -> Self {
        ModeSelect10 { page, save: false }
    }

    /// Select a Write Parameters page.
    pub fn write_parameters(wp: &WriteParameters) -> Self {
        ModeSelect10::new(wp.to_bytes())
    }

    fn param_len(&self) -> usize {
        (MODE_HEADER_LEN + self.page.len()).min(u16::MAX as usize)
    }
}

impl Command for ModeSelect10 {
    const NAME: &'static str = "MODE SELECT(10)";

    fn cdb(&self) -> Cdb {
        let [hi, lo] = (self.param_len() as u16).to_be_bytes();
        Cdb::new(&[0x55, 0x10 | self.save as u8, 0, 0, 0, 0, 0, hi, lo, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::Out(self.param_len())
    }
}

impl WithParams for ModeSelect10 {
    fn params(&self) -> Vec<u8> {
        let mut p = vec![0u8; MODE_HEADER_LEN];
        p.extend_from_slice(&self.page);
        if let Some(b) = p.get_mut(MODE_HEADER_LEN) {
            *b &= 0x3F;
        }
        p.truncate(self.param_len());
        p
    }
}

// ---------------------------------------------------------------------------
// Page 05h

/// Write Type (page 05h byte 2 bits 3–0, MMC-5 §7.5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteType {
    /// 00h: packet / incremental.
    Packet,
    /// 01h: track at once.
    Tao,
    /// 02h: session at once (CD) / disc at once (DVD-R).
    Sao,
    /// 03h: raw.
    Raw,
    /// 04h: layer jump.
    LayerJump,
    Reserved(u8),
}

impl WriteType {
    pub fn code(self) -> u8 {
        match self {
            WriteType::Packet => 0,
            WriteType::Tao => 1,
            WriteType::Sao => 2,
            WriteType::Raw => 3,
            WriteType::LayerJump => 4,
            WriteType::Reserved(c) => c & 0x0F,
        }
    }

    pub fn from_code(c: u8) -> WriteType {
        match c & 0x0F {
            0 => WriteType::Packet,
            1 => WriteType::Tao,
            2 => WriteType::Sao,
            3 => WriteType::Raw,
            4 => WriteType::LayerJump,
            c => WriteType::Reserved(c),
        }
    }
}

/// Multi-session field (page 05h byte 3 bits 7–6, MMC-5 §7.5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MultiSession {
    /// 00b: no next session; CLOSE SESSION finalizes the disc.
    NoNextSession = 0,
    /// 01b: no next session, B0 pointer FF:FF:FF (CD).
    NoNextSessionB0 = 1,
    /// 10b: reserved.
    Reserved = 2,
    /// 11b: next session allowed; the disc stays appendable.
    NextSessionAllowed = 3,
}

impl MultiSession {
    fn from_bits(b: u8) -> MultiSession {
        match b & 3 {
            0 => MultiSession::NoNextSession,
            1 => MultiSession::NoNextSessionB0,
            2 => MultiSession::Reserved,
            _ => MultiSession::NextSessionAllowed,
        }
    }

    /// 11b to keep the disc appendable, 00b to close it.
    pub fn keep_appendable(keep: bool) -> MultiSession {
        if keep {
            MultiSession::NextSessionAllowed
        } else {
            MultiSession::NoNextSession
        }
    }
}

/// The Write Parameters mode page 05h, MMC-5 §7.5.4 (table 644); field
/// list in `mmc-recipes.md` §6.2. Decoded by [`WriteParameters::parse`],
/// encoded by [`WriteParameters::to_bytes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteParameters {
    /// Page length (byte 1), normally 32h; the encoding is `2 + page_length`
    /// bytes long.
    pub page_length: u8,
    /// PS (byte 0 bit 7), decode only; always sent as 0.
    pub ps: bool,
    /// BUFE, buffer underrun free recording (byte 2 bit 6).
    pub bufe: bool,
    /// LS_V, link size valid (byte 2 bit 5).
    pub ls_v: bool,
    /// Test Write, simulation (byte 2 bit 4).
    pub test_write: bool,
    /// Write Type (byte 2 bits 3–0).
    pub write_type: WriteType,
    /// Multi-session (byte 3 bits 7–6).
    pub multi_session: MultiSession,
    /// FP, fixed packets (byte 3 bit 5).
    pub fp: bool,
    /// Copy, SCMS (byte 3 bit 4).
    pub copy: bool,
    /// Track Mode (byte 3 bits 3–0): CD control nibble (4 = data,
    /// uninterrupted), 5 on DVD.
    pub track_mode: u8,
    /// Data Block Type (byte 4 bits 3–0): 0 raw 2352, 8 Mode 1 (2048).
    pub data_block_type: u8,
    /// Link Size (byte 5).
    pub link_size: u8,
    /// Host Application Code (byte 7 bits 5–0).
    pub host_application_code: u8,
    /// Session Format (byte 8): 00h CD-DA/CD-ROM, 10h CD-I, 20h CD-ROM XA.
    pub session_format: u8,
    /// Packet Size (bytes 10–13).
    pub packet_size: u32,
    /// Audio Pause Length (bytes 14–15), 150 = 2 s.
    pub audio_pause_length: u16,
    /// Media Catalog Number, 13 ASCII digits (bytes 17–29), present when
    /// MCVAL (byte 16 bit 7) is set.
    pub mcn: Option<[u8; 13]>,
    /// ISRC, 12 characters (bytes 33–44), present when TCVAL (byte 32
    /// bit 7) is set.
    pub isrc: Option<[u8; 12]>,
}

impl Default for WriteParameters {
    /// All fields zero except the page length 32h.
    fn default() -> Self {
        WriteParameters {
            page_length: WriteParameters::PAGE_LENGTH,
            ps: false,
            bufe: false,
            ls_v: false,
            test_write: false,
            write_type: WriteType::Packet,
            multi_session: MultiSession::NoNextSession,
            fp: false,
            copy: false,
            track_mode: 0,
            data_block_type: 0,
            link_size: 0,
            host_application_code: 0,
            session_format: 0,
            packet_size: 0,
            audio_pause_length: 0,
            mcn: None,
            isrc: None,
        }
    }
}

impl WriteParameters {
    /// The usual page length, 32h.
    pub const PAGE_LENGTH: u8 = 0x32;
    /// Page bytes that must be present to decode (through the audio pause
    /// length).
    pub const MIN_LEN: usize = 16;

    /// Data Block Type Mode 1, 2048 bytes.
    pub const BLOCK_MODE1: u8 = 8;
    /// Data Block Type raw 2352 bytes (audio).
    pub const BLOCK_RAW: u8 = 0;

    /// CD TAO data track (`mmc-recipes.md` §6.2 "Values we send"): write
    /// type 01h, track mode 4, Mode 1 blocks, pause 150, session format 00h.
    pub fn cd_tao_data(keep_appendable: bool, test_write: bool, bufe: bool) -> Self {
        WriteParameters {
            bufe,
            test_write,
            write_type: WriteType::Tao,
            multi_session: MultiSession::keep_appendable(keep_appendable),
            track_mode: 4,
            data_block_type: Self::BLOCK_MODE1,
            audio_pause_length: 150,
            ..Self::default()
        }
    }

    /// CD TAO audio track: track mode 0 (+2 copy permitted, +1
    /// pre-emphasis via `track_mode`), raw 2352 blocks, pause 150.
    pub fn cd_tao_audio(keep_appendable: bool, test_write: bool, bufe: bool) -> Self {
        WriteParameters {
            track_mode: 0,
            data_block_type: Self::BLOCK_RAW,
            ..Self::cd_tao_data(keep_appendable, test_write, bufe)
        }
    }

    /// CD SAO (before the cue sheet): write type 02h, track mode and block
    /// type 0 (taken from the cue sheet).
    pub fn cd_sao(keep_appendable: bool, test_write: bool, bufe: bool) -> Self {
        WriteParameters {
            write_type: WriteType::Sao,
            track_mode: 0,
            data_block_type: 0,
            ..Self::cd_tao_data(keep_appendable, test_write, bufe)
        }
    }

    /// DVD-R/RW DAO: write type 02h, LS_V = 0, no multi-session, track
    /// mode 5, Mode 1 blocks.
    pub fn dvd_dao(test_write: bool, bufe: bool) -> Self {
        WriteParameters {
            bufe,
            test_write,
            write_type: WriteType::Sao,
            track_mode: 5,
            data_block_type: Self::BLOCK_MODE1,
            ..Self::default()
        }
    }

    /// DVD-R/RW Incremental: write type 00h with LS_V = 1 and the link size
    /// of feature 0021h, FP = 1, track mode 5, Mode 1 blocks, packet size 16.
    pub fn dvd_incremental(
        link_size: u8,
        keep_appendable: bool,
        test_write: bool,
        bufe: bool,
    ) -> Self {
        WriteParameters {
            bufe,
            ls_v: true,
            test_write,
            write_type: WriteType::Packet,
            multi_session: MultiSession::keep_appendable(keep_appendable),
            fp: true,
            track_mode: 5,
            data_block_type: Self::BLOCK_MODE1,
            link_size,
            packet_size: 16,
            ..Self::default()
        }
    }

    /// Decodes page 05h from its byte 0 (as in [`ModePage::bytes`]). Needs
    /// [`WriteParameters::MIN_LEN`] bytes; MCN and ISRC are `None` when not
    /// returned or not valid.
    pub fn parse(page: &[u8]) -> Result<WriteParameters, ParseError> {
        need(page, 2)?;
        if page[0] & 0x3F != PAGE_WRITE_PARAMETERS {
            return Err(ParseError::Invalid("not mode page 05h"));
        }
        let page_length = page[1];
        let p = bounded(page, page_length as usize + 2);
        need(p, Self::MIN_LEN)?;
        let mcn = match p.get(16..30) {
            Some(m) if m[0] & 0x80 != 0 => {
                let mut v = [0u8; 13];
                v.copy_from_slice(&m[1..14]);
                Some(v)
            }
            _ => None,
        };
        let isrc = match p.get(32..45) {
            Some(m) if m[0] & 0x80 != 0 => {
                let mut v = [0u8; 12];
                v.copy_from_slice(&m[1..13]);
                Some(v)
            }
            _ => None,
        };
        Ok(WriteParameters {
            page_length,
            ps: p[0] & 0x80 != 0,
            bufe: bit(p, 2, 6),
            ls_v: bit(p, 2, 5),
            test_write: bit(p, 2, 4),
            write_type: WriteType::from_code(p[2]),
            multi_session: MultiSession::from_bits(p[3] >> 6),
            fp: bit(p, 3, 5),
            copy: bit(p, 3, 4),
            track_mode: p[3] & 0x0F,
            data_block_type: p[4] & 0x0F,
            link_size: p[5],
            host_application_code: p[7] & 0x3F,
            session_format: p[8],
            packet_size: super::be32(p, 10).unwrap_or(0),
            audio_pause_length: be16(p, 14).unwrap_or(0),
            mcn,
            isrc,
        })
    }

    /// Encodes the page (`2 + page_length` bytes, PS = 0) for MODE SELECT.
    /// Fields beyond a short page length are left out.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; (self.page_length as usize + 2).max(48)];
        b[0] = PAGE_WRITE_PARAMETERS;
        b[1] = self.page_length;
        b[2] = (self.bufe as u8) << 6
            | (self.ls_v as u8) << 5
            | (self.test_write as u8) << 4
            | self.write_type.code();
        b[3] = (self.multi_session as u8) << 6
            | (self.fp as u8) << 5
            | (self.copy as u8) << 4
            | (self.track_mode & 0x0F);
        b[4] = self.data_block_type & 0x0F;
        b[5] = self.link_size;
        b[7] = self.host_application_code & 0x3F;
        b[8] = self.session_format;
        b[10..14].copy_from_slice(&self.packet_size.to_be_bytes());
        b[14..16].copy_from_slice(&self.audio_pause_length.to_be_bytes());
        if let Some(m) = &self.mcn {
            b[16] = 0x80;
            b[17..30].copy_from_slice(m);
        }
        if let Some(i) = &self.isrc {
            b[32] = 0x80;
            b[33..45].copy_from_slice(i);
        }
        b.truncate(self.page_length as usize + 2);
        b
    }
}

// ---------------------------------------------------------------------------
// Page 2Ah

/// One write speed performance descriptor of page 2Ah (MMC-3 §6.3.11; 4
/// bytes from byte 32): byte 1 bits 2–0 rotation control, bytes 2–3 write speed (kB/s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteSpeed {
    pub rotation_control: u8,
    pub speed: u16,
}

/// CD/DVD Capabilities and Mechanical Status page 2Ah, MMC-3 §6.3.11 (kept
/// as a legacy annex in MMC-5); field list in `mmc-recipes.md` §12.7.
/// Bytes 0–7 are required; the obsolete speed fields, buffer size and write
/// speed list are `None`/empty when the page is shorter (QEMU returns a
/// page length of 18).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// Page length (byte 1).
    pub page_length: u8,
    /// Byte 2 read bits: 0 CD-R, 1 CD-RW, 2 Method 2, 3 DVD-ROM, 4 DVD-R,
    /// 5 DVD-RAM.
    pub read_cd_r: bool,
    pub read_cd_rw: bool,
    pub read_method2: bool,
    pub read_dvd_rom: bool,
    pub read_dvd_r: bool,
    pub read_dvd_ram: bool,
    /// Byte 3 write bits: 0 CD-R, 1 CD-RW, 2 Test Write, 4 DVD-R, 5 DVD-RAM.
    pub write_cd_r: bool,
    pub write_cd_rw: bool,
    pub test_write: bool,
    pub write_dvd_r: bool,
    pub write_dvd_ram: bool,
    /// Byte 4 bit 7 BUF (underrun protection).
    pub buf: bool,
    /// Byte 4 bit 6 multi-session.
    pub multi_session: bool,
    /// Byte 5 bit 4 C2 pointers.
    pub c2_pointers: bool,
    /// Byte 6 bits 7–5 loading mechanism (0 caddy, 1 tray, 2 pop-up,
    /// 4 changer individual, 5 changer magazine).
    pub loading_mechanism: u8,
    /// Byte 6 bit 3 Eject.
    pub eject: bool,
    /// Byte 6 bit 2 Prevent Jumper.
    pub prevent_jumper: bool,
    /// Byte 6 bit 1 Lock State (currently locked).
    pub lock_state: bool,
    /// Byte 6 bit 0 Lock (PREVENT supported).
    pub lock: bool,
    /// Bytes 8–9 maximum read speed, kB/s (obsolete).
    pub max_read_speed: Option<u16>,
    /// Bytes 12–13 buffer size, KiB.
    pub buffer_size_kib: Option<u16>,
    /// Bytes 14–15 current read speed, kB/s (obsolete).
    pub current_read_speed: Option<u16>,
    /// Bytes 18–19 maximum write speed, kB/s (obsolete).
    pub max_write_speed: Option<u16>,
    /// Bytes 20–21 current write speed, kB/s (obsolete).
    pub current_write_speed: Option<u16>,
    /// Byte 27 bits 1–0 rotation control selected.
    pub rotation_control: Option<u8>,
    /// Bytes 28–29 current write speed selected, kB/s.
    pub current_write_speed_selected: Option<u16>,
    /// Write speed descriptors (count in bytes 30–31); only complete ones.
    pub write_speeds: Vec<WriteSpeed>,
}

impl Capabilities {
    /// Page bytes that must be present to decode.
    pub const MIN_LEN: usize = 8;

    /// Decodes page 2Ah from its byte 0 (as in [`ModePage::bytes`]).
    pub fn parse(page: &[u8]) -> Result<Capabilities, ParseError> {
        need(page, 2)?;
        if page[0] & 0x3F != PAGE_CAPABILITIES {
            return Err(ParseError::Invalid("not mode page 2Ah"));
        }
        let page_length = page[1];
        let p = bounded(page, page_length as usize + 2);
        need(p, Self::MIN_LEN)?;
        let count = be16(p, 30).unwrap_or(0) as usize;
        let write_speeds = p
            .get(32..)
            .unwrap_or(&[])
            .chunks_exact(4)
            .take(count)
            .map(|d| WriteSpeed {
                rotation_control: d[1] & 0x07,
                speed: u16::from_be_bytes([d[2], d[3]]),
            })
            .collect();
        Ok(Capabilities {
            page_length,
            read_cd_r: bit(p, 2, 0),
            read_cd_rw: bit(p, 2, 1),
            read_method2: bit(p, 2, 2),
            read_dvd_rom: bit(p, 2, 3),
            read_dvd_r: bit(p, 2, 4),
            read_dvd_ram: bit(p, 2, 5),
            write_cd_r: bit(p, 3, 0),
            write_cd_rw: bit(p, 3, 1),
            test_write: bit(p, 3, 2),
            write_dvd_r: bit(p, 3, 4),
            write_dvd_ram: bit(p, 3, 5),
            buf: bit(p, 4, 7),
            multi_session: bit(p, 4, 6),
            c2_pointers: bit(p, 5, 4),
            loading_mechanism: byte(p, 6) >> 5,
            eject: bit(p, 6, 3),
            prevent_jumper: bit(p, 6, 2),
            lock_state: bit(p, 6, 1),
            lock: bit(p, 6, 0),
            max_read_speed: be16(p, 8),
            buffer_size_kib: be16(p, 12),
            current_read_speed: be16(p, 14),
            max_write_speed: be16(p, 18),
            current_write_speed: be16(p, 20),
            rotation_control: p.get(27).map(|b| b & 0x03),
            current_write_speed_selected: be16(p, 28),
            write_speeds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_sense_cdb_spc3_6_10() {
        // SPC-3 §6.10 / MMC-5 §6.13 (MMC-6 §6.12): byte 2 PC | page, 7–8 alloc.
        assert_eq!(
            ModeSense10::capabilities().cdb().as_bytes(),
            &[0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 30, 0]
        );
        assert_eq!(
            ModeSense10::write_parameters().cdb().as_bytes(),
            &[0x5A, 0, 0x05, 0, 0, 0, 0, 0, 10, 0]
        );
        let q = ModeSense10 {
            pc: PageControl::Default,
            dbd: true,
            ..ModeSense10::new(0x2A)
        };
        assert_eq!(
            q.with_alloc_len(0x1234).cdb().as_bytes(),
            &[0x5A, 0x08, 0xAA, 0, 0, 0, 0, 0x12, 0x34, 0]
        );
    }

    #[test]
    fn mode_select_cdb_and_params_recipes_6_2() {
        // mmc-recipes.md §6.2: 55 10 00 00 00 00 00 LL LL 00, zero header + page.
        let wp = WriteParameters::cd_tao_data(true, false, true);
        let ms = ModeSelect10::write_parameters(&wp);
        assert_eq!(ms.cdb().as_bytes(), &[0x55, 0x10, 0, 0, 0, 0, 0, 0, 60, 0]);
        assert_eq!(ms.data(), DataSpec::Out(60));
        let p = ms.params();
        assert_eq!(p.len(), 60);
        assert_eq!(&p[..8], &[0; 8]);
        assert_eq!(&p[8..], wp.to_bytes().as_slice());
        // PS is cleared when a sensed page is sent back.
        let mut page = wp.to_bytes();
        page[0] |= 0x80;
        assert_eq!(ModeSelect10::new(page).params()[8], 0x05);
    }

    /// Page 05h bytes for CD TAO data, appendable, BUFE (MMC-5 §7.5.4 table
    /// 644; recipes §6.2 row "CD TAO data").
    const CD_TAO_DATA_MULTI_BUFE: [u8; 52] = {
        let mut b = [0u8; 52];
        b[0] = 0x05;
        b[1] = 0x32;
        b[2] = 0x41; // BUFE | TAO
        b[3] = 0xC4; // multi 11b | track mode 4
        b[4] = 0x08; // Mode 1
        b[15] = 150; // audio pause 0096h
        b
    };

    #[test]
    fn page_05_encodings_recipes_6_2() {
        assert_eq!(
            WriteParameters::cd_tao_data(true, false, true).to_bytes(),
            CD_TAO_DATA_MULTI_BUFE
        );
        // CD TAO data, close disc, test write, no BUFE.
        let b = WriteParameters::cd_tao_data(false, true, false).to_bytes();
        assert_eq!(&b[..6], &[0x05, 0x32, 0x11, 0x04, 0x08, 0x00]);
        // CD TAO audio: track mode 0, raw blocks.
        let b = WriteParameters::cd_tao_audio(true, false, false).to_bytes();
        assert_eq!(&b[..6], &[0x05, 0x32, 0x01, 0xC0, 0x00, 0x00]);
        // CD SAO, appendable, BUFE: 42 C0 00.
        let b = WriteParameters::cd_sao(true, false, true).to_bytes();
        assert_eq!(&b[2..5], &[0x42, 0xC0, 0x00]);
        // DVD-R DAO, BUFE: 42 05 08, no packet size, no pause.
        let b = WriteParameters::dvd_dao(false, true).to_bytes();
        assert_eq!(&b[2..6], &[0x42, 0x05, 0x08, 0x00]);
        assert_eq!(&b[10..16], &[0; 6]);
        // DVD-R Incremental, link size 16, appendable, BUFE:
        // byte 2 = 40h | 20h | 00h, byte 3 = C0h | 20h | 05h, packet size 16.
        let b = WriteParameters::dvd_incremental(16, true, false, true).to_bytes();
        assert_eq!(&b[2..6], &[0x60, 0xE5, 0x08, 0x10]);
        assert_eq!(&b[10..14], &[0, 0, 0, 16]);
        assert_eq!(b.len(), 52);
    }

    #[test]
    fn page_05_all_fields_round_trip() {
        let wp = WriteParameters {
            page_length: 0x36,
            ps: false,
            bufe: true,
            ls_v: true,
            test_write: true,
            write_type: WriteType::Raw,
            multi_session: MultiSession::NoNextSessionB0,
            fp: true,
            copy: true,
            track_mode: 0x06,
            data_block_type: 0x0A,
            link_size: 7,
            host_application_code: 0x3F,
            session_format: 0x20,
            packet_size: 0x01020304,
            audio_pause_length: 0x0506,
            mcn: Some(*b"0123456789012"),
            isrc: Some(*b"DEA123456789"),
        };
        let b = wp.to_bytes();
        assert_eq!(b.len(), 0x38);
        assert_eq!(
            &b[..16],
            &[
                0x05, 0x36, 0x73, 0x76, 0x0A, 0x07, 0x00, 0x3F, 0x20, 0x00, 0x01, 0x02, 0x03, 0x04,
                0x05, 0x06
            ]
        );
        assert_eq!(b[16], 0x80);
        assert_eq!(&b[17..30], b"0123456789012");
        assert_eq!((b[30], b[31]), (0, 0));
        assert_eq!(b[32], 0x80);
        assert_eq!(&b[33..45], b"DEA123456789");
        assert_eq!(WriteParameters::parse(&b).unwrap(), wp);
    }

    #[test]
    fn mode_sense_05_reply_two_step() {
        // First ask (alloc 10): header + page code and length 32h.
        let first = [0x00, 0x3A, 0, 0, 0, 0, 0, 0, 0x05, 0x32];
        let q = ModeSense10::write_parameters();
        assert_eq!(q.available_len(&first), Some(60));
        assert_eq!(q.larger_alloc_len(&first), Some(60));
        let p = q.parse(&first).unwrap();
        assert_eq!((p.page_code, p.page_length), (5, 0x32));
        assert!(!p.is_complete());
        assert_eq!(
            p.write_parameters(),
            Err(ParseError::Short { need: 16, got: 2 })
        );
        // Full reply: the drive's current page, PS set, TAO data.
        let mut full = first.to_vec();
        full.extend_from_slice(&CD_TAO_DATA_MULTI_BUFE[2..]);
        full[8] |= 0x80;
        let p = q.with_alloc_len(60).parse(&full).unwrap();
        assert!(p.is_complete());
        assert!(p.ps);
        let wp = p.write_parameters().unwrap();
        assert!(wp.ps);
        assert_eq!(wp.write_type, WriteType::Tao);
        assert_eq!(wp.multi_session, MultiSession::NextSessionAllowed);
        assert!(wp.bufe && !wp.test_write && !wp.ls_v);
        assert_eq!((wp.track_mode, wp.data_block_type), (4, 8));
        assert_eq!(wp.audio_pause_length, 150);
        assert_eq!((wp.mcn, wp.isrc), (None, None));
        // Sent back it equals the recipe page (PS cleared).
        assert_eq!(wp.to_bytes(), CD_TAO_DATA_MULTI_BUFE);
        assert!(matches!(
            p.capabilities(),
            Err(ParseError::Invalid("not mode page 2Ah"))
        ));
    }

    /// A DVD writer's page 2Ah (MMC-3 §6.3.11) with 8 bytes of block
    /// descriptor before it and two write speed descriptors.
    fn page_2a_reply() -> Vec<u8> {
        let mut page = vec![0u8; 40];
        page[0] = 0x2A;
        page[1] = 38;
        page[2] = 0x3B; // DVD-RAM, DVD-R, DVD-ROM, CD-RW, CD-R
        page[3] = 0x37; // DVD-RAM, DVD-R, Test Write, CD-RW, CD-R
        page[4] = 0xC0; // BUF, multi-session
        page[5] = 0x10; // C2 pointers
        page[6] = 0x29; // tray, Eject, Lock
        page[8..10].copy_from_slice(&8467u16.to_be_bytes());
        page[12..14].copy_from_slice(&2048u16.to_be_bytes());
        page[14..16].copy_from_slice(&8467u16.to_be_bytes());
        page[18..20].copy_from_slice(&7056u16.to_be_bytes());
        page[20..22].copy_from_slice(&7056u16.to_be_bytes());
        page[27] = 0x01;
        page[28..30].copy_from_slice(&5540u16.to_be_bytes());
        page[30..32].copy_from_slice(&2u16.to_be_bytes());
        page[32..36].copy_from_slice(&[0, 1, 0x1B, 0x90]); // CAV 7056
        page[36..40].copy_from_slice(&[0, 0, 0x0D, 0xC8]); // CLV 3528
        let mut r = vec![0u8; 16];
        r[0..2].copy_from_slice(&((14 + page.len()) as u16).to_be_bytes());
        r[7] = 8; // block descriptor length
        r.extend_from_slice(&page);
        r
    }

    #[test]
    fn page_2a_mmc3_6_3_11() {
        let raw = page_2a_reply();
        let q = ModeSense10::capabilities();
        assert_eq!(q.available_len(&raw), Some(raw.len()));
        let p = q.with_alloc_len(raw.len()).parse(&raw).unwrap();
        assert_eq!(p.header.block_descriptor_length, 8);
        assert_eq!(p.page_code, 0x2A);
        let c = p.capabilities().unwrap();
        assert!(c.read_cd_r && c.read_cd_rw && !c.read_method2);
        assert!(c.read_dvd_rom && c.read_dvd_r && c.read_dvd_ram);
        assert!(c.write_cd_r && c.write_cd_rw && c.test_write && c.write_dvd_r && c.write_dvd_ram);
        assert!(c.buf && c.multi_session && c.c2_pointers);
        assert_eq!(c.loading_mechanism, 1);
        assert!(c.eject && c.lock && !c.lock_state && !c.prevent_jumper);
        assert_eq!(c.max_read_speed, Some(8467));
        assert_eq!(c.buffer_size_kib, Some(2048));
        assert_eq!(c.current_read_speed, Some(8467));
        assert_eq!(c.max_write_speed, Some(7056));
        assert_eq!(c.current_write_speed, Some(7056));
        assert_eq!(c.rotation_control, Some(1));
        assert_eq!(c.current_write_speed_selected, Some(5540));
        assert_eq!(
            c.write_speeds,
            [
                WriteSpeed {
                    rotation_control: 1,
                    speed: 7056
                },
                WriteSpeed {
                    rotation_control: 0,
                    speed: 3528
                }
            ]
        );
    }

    #[test]
    fn page_2a_short_pages() {
        // QEMU ATAPI: page length 18 (20 bytes), no block descriptors.
        let mut raw = vec![0, 26, 0x70, 0, 0, 0, 0, 0];
        let mut page = vec![0u8; 20];
        page[0] = 0x2A;
        page[1] = 18;
        page[2] = 0x3B;
        page[6] = 0x29;
        page[8..10].copy_from_slice(&706u16.to_be_bytes());
        page[12..14].copy_from_slice(&512u16.to_be_bytes());
        raw.extend_from_slice(&page);
        let q = ModeSense10::capabilities();
        let p = q.parse(&raw).unwrap();
        assert_eq!(p.header.medium_type, 0x70);
        let c = p.capabilities().unwrap();
        assert_eq!(c.page_length, 18);
        assert_eq!(c.buffer_size_kib, Some(512));
        assert_eq!(c.max_write_speed, Some(0));
        assert_eq!(c.current_write_speed, None);
        assert_eq!(c.current_write_speed_selected, None);
        assert!(c.write_speeds.is_empty());
        // First ask with alloc 30 of the long page: the descriptors are cut.
        let raw = page_2a_reply();
        let p = q.parse(&raw[..30]).unwrap();
        assert_eq!(p.bytes.len(), 14);
        let c = p.capabilities().unwrap();
        assert_eq!(c.buffer_size_kib, Some(2048));
        assert_eq!(c.current_read_speed, None);
        // Too short to hold the page header.
        assert_eq!(
            q.parse(&raw[..17]),
            Err(ParseError::Short { need: 18, got: 17 })
        );
        assert_eq!(
            Capabilities::parse(&[0x2A, 4, 0, 0, 0, 0]),
            Err(ParseError::Short { need: 8, got: 6 })
        );
        // A descriptor count larger than the page: only complete ones.
        let mut raw = page_2a_reply();
        let n = raw.len();
        raw[16 + 31] = 9;
        let c = q.parse(&raw[..n - 2]).unwrap().capabilities().unwrap();
        assert_eq!(c.write_speeds.len(), 1);
    }
}
