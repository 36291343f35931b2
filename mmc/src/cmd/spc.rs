//! Primary commands (SPC) and the tray/event commands of MMC: TEST UNIT
//! READY, REQUEST SENSE, INQUIRY, START STOP UNIT, PREVENT ALLOW MEDIUM
//! REMOVAL, GET EVENT STATUS NOTIFICATION, MECHANISM STATUS.

use std::time::Duration;

use super::{
    Cdb, Command, DataSpec, ParseError, Query, alloc16, be16, be24, bit, bounded, byte, need,
};
use crate::sense::Sense;

// ---------------------------------------------------------------------------
// TEST UNIT READY

/// TEST UNIT READY (00h), SPC-3 §6.33: all-zero 6-byte CDB, no data. The
/// polling primitive after Immed commands (`sense-and-retries.md` §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TestUnitReady;

impl Command for TestUnitReady {
    const NAME: &'static str = "TEST UNIT READY";

    fn cdb(&self) -> Cdb {
        Cdb::new(&[0x00, 0, 0, 0, 0, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::None
    }
}

// ---------------------------------------------------------------------------
// REQUEST SENSE

/// REQUEST SENSE (03h), SPC-3 §6.27: byte 1 bit 0 DESC (0 = fixed format),
/// byte 4 allocation length (at most 252). The reply is sense data, decoded
/// by [`Sense::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestSense {
    /// Ask for descriptor-format sense data (DESC = 1).
    pub desc: bool,
    /// Allocation length, 1..=252.
    pub alloc: u8,
}

impl RequestSense {
    /// Largest allocation length SPC allows for REQUEST SENSE.
    pub const MAX_LEN: u8 = 252;

    /// Fixed format, 18 bytes (the fixed-format size the recipes use).
    pub fn new() -> RequestSense {
        RequestSense {
            desc: false,
            alloc: 18,
        }
    }
}

impl Default for RequestSense {
    fn default() -> Self {
        RequestSense::new()
    }
}

impl Command for RequestSense {
    const NAME: &'static str = "REQUEST SENSE";

    fn cdb(&self) -> Cdb {
        Cdb::new(&[0x03, self.desc as u8, 0, 0, self.alloc, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

impl Query for RequestSense {
    type Reply = Sense;

    /// Needs at least the 8 bytes common to both formats (response code,
    /// key, additional length); fields beyond the reply read as 0.
    fn parse(&self, data: &[u8]) -> Result<Sense, ParseError> {
        need(data, 8)?;
        Sense::parse(data).ok_or(ParseError::Invalid("unknown sense data response code"))
    }

    /// Byte 7 additional sense length + 8.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        data.get(7).map(|&n| n as usize + 8)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        RequestSense {
            alloc: len.min(Self::MAX_LEN as usize) as u8,
            ..*self
        }
    }
}

// ---------------------------------------------------------------------------
// INQUIRY

/// INQUIRY (12h) for standard INQUIRY data, SPC-3 §6.4 (EVPD = 0): bytes
/// 3–4 allocation length (36 is the classic size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inquiry {
    pub alloc: u16,
}

impl Inquiry {
    /// Standard INQUIRY data through the product revision level.
    pub const STANDARD_LEN: u16 = 36;

    pub fn new() -> Inquiry {
        Inquiry {
            alloc: Self::STANDARD_LEN,
        }
    }
}

impl Default for Inquiry {
    fn default() -> Self {
        Inquiry::new()
    }
}

impl Command for Inquiry {
    const NAME: &'static str = "INQUIRY";

    fn cdb(&self) -> Cdb {
        let [hi, lo] = self.alloc.to_be_bytes();
        Cdb::new(&[0x12, 0, 0, hi, lo, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Standard INQUIRY data, SPC-3 §6.4.2: byte 0 peripheral
/// qualifier (bits 7–5) and device type (bits 4–0), byte 1 bit 7 RMB, byte 2
/// version, byte 3 bits 3–0 response data format, byte 4 additional length,
/// vendor 8–15, product 16–31, revision 32–35 (ASCII, space padded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InquiryData {
    pub peripheral_qualifier: u8,
    /// 05h for CD/DVD/BD devices.
    pub peripheral_type: u8,
    /// Removable medium (RMB).
    pub removable: bool,
    /// Version of the SPC standard claimed (0 = none).
    pub version: u8,
    pub response_data_format: u8,
    /// Vendor identification, trimmed; empty if not returned.
    pub vendor: String,
    /// Product identification, trimmed.
    pub product: String,
    /// Product revision level, trimmed.
    pub revision: String,
}

impl InquiryData {
    /// Peripheral device type of multimedia (MMC) devices.
    pub const MMC_TYPE: u8 = 0x05;

    /// True for an MMC device that is present (qualifier 000b, type 05h).
    pub fn is_mmc(&self) -> bool {
        self.peripheral_qualifier == 0 && self.peripheral_type == Self::MMC_TYPE
    }
}

/// ASCII field of INQUIRY data, trimmed of spaces and NULs; non-printable
/// bytes become `?`.
fn ascii_field(data: &[u8], start: usize, end: usize) -> String {
    let end = end.min(data.len());
    let s = data.get(start..end).unwrap_or(&[]);
    let text: String = s
        .iter()
        .map(|&b| {
            if (0x20..0x7F).contains(&b) {
                b as char
            } else if b == 0 {
                ' '
            } else {
                '?'
            }
        })
        .collect();
    text.trim().to_string()
}

impl Query for Inquiry {
    type Reply = InquiryData;

    /// Needs the 5-byte header; identification strings not returned are
    /// empty.
    fn parse(&self, data: &[u8]) -> Result<InquiryData, ParseError> {
        need(data, 5)?;
        let data = bounded(data, data[4] as usize + 5);
        Ok(InquiryData {
            peripheral_qualifier: data[0] >> 5,
            peripheral_type: data[0] & 0x1F,
            removable: data[1] & 0x80 != 0,
            version: data[2],
            response_data_format: data[3] & 0x0F,
            vendor: ascii_field(data, 8, 16),
            product: ascii_field(data, 16, 32),
            revision: ascii_field(data, 32, 36),
        })
    }

    /// Byte 4 additional length + 5.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        data.get(4).map(|&n| n as usize + 5)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        Inquiry {
            alloc: alloc16(len),
        }
    }
}

// ---------------------------------------------------------------------------
// START STOP UNIT

/// START STOP UNIT (1Bh), MMC-5 §6.40: byte 1 bit 0 Immed; byte 4 bit 1
/// LoEj, bit 0 Start. LoEj + Start loads (closes the tray), LoEj alone
/// ejects. Timeout 300 s (`sense-and-retries.md` §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StartStopUnit {
    pub immed: bool,
    pub load_eject: bool,
    pub start: bool,
}

impl StartStopUnit {
    /// Load the medium: `1B 00 00 00 03 00`.
    pub fn load() -> StartStopUnit {
        StartStopUnit {
            immed: false,
            load_eject: true,
            start: true,
        }
    }

    /// Eject the medium: `1B 00 00 00 02 00` (send ALLOW first).
    pub fn eject() -> StartStopUnit {
        StartStopUnit {
            immed: false,
            load_eject: true,
            start: false,
        }
    }

    /// Spin up: `1B 00 00 00 01 00`.
    pub fn start() -> StartStopUnit {
        StartStopUnit {
            immed: false,
            load_eject: false,
            start: true,
        }
    }

    /// Spin down: `1B 00 00 00 00 00`.
    pub fn stop() -> StartStopUnit {
        StartStopUnit {
            immed: false,
            load_eject: false,
            start: false,
        }
    }
}

impl Command for StartStopUnit {
    const NAME: &'static str = "START STOP UNIT";

    fn cdb(&self) -> Cdb {
        Cdb::new(&[
            0x1B,
            self.immed as u8,
            0,
            0,
            (self.load_eject as u8) << 1 | self.start as u8,
            0,
        ])
    }

    fn data(&self) -> DataSpec {
        DataSpec::None
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(300)
    }
}

// ---------------------------------------------------------------------------
// PREVENT ALLOW MEDIUM REMOVAL

/// PREVENT ALLOW MEDIUM REMOVAL (1Eh), MMC-5 §6.14: byte 4
/// bit 0 Prevent, bit 1 Persistent. Needs a writable fd under Linux.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PreventAllowMediumRemoval {
    pub prevent: bool,
    pub persistent: bool,
}

impl PreventAllowMediumRemoval {
    /// Lock the tray: `1E 00 00 00 01 00`.
    pub fn prevent() -> Self {
        PreventAllowMediumRemoval {
            prevent: true,
            persistent: false,
        }
    }

    /// Unlock the tray: `1E 00 00 00 00 00`.
    pub fn allow() -> Self {
        PreventAllowMediumRemoval {
            prevent: false,
            persistent: false,
        }
    }
}

impl Command for PreventAllowMediumRemoval {
    const NAME: &'static str = "PREVENT ALLOW MEDIUM REMOVAL";

    fn cdb(&self) -> Cdb {
        Cdb::new(&[
            0x1E,
            0,
            0,
            0,
            (self.persistent as u8) << 1 | self.prevent as u8,
            0,
        ])
    }

    fn data(&self) -> DataSpec {
        DataSpec::None
    }
}

// ---------------------------------------------------------------------------
// GET EVENT STATUS NOTIFICATION

/// GET EVENT STATUS NOTIFICATION (4Ah), polled, MMC-5 §6.7: byte 1 bit 0
/// Polled = 1; byte 4 notification class request (bit n = class n);
/// bytes 7–8 allocation length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetEventStatusNotification {
    /// Notification class request mask: bit 1 operational change, 2 power
    /// management, 3 external request, 4 media, 5 multi-host, 6 device busy.
    pub class_mask: u8,
    pub alloc: u16,
}

impl GetEventStatusNotification {
    /// Classes 1–6 (7Eh), 8 bytes: `4A 01 00 00 7E 00 00 00 08 00`
    /// (`mmc-recipes.md` §10).
    pub fn new() -> Self {
        GetEventStatusNotification {
            class_mask: 0x7E,
            alloc: 8,
        }
    }

    /// Only the media class (10h).
    pub fn media() -> Self {
        GetEventStatusNotification {
            class_mask: 1 << EventStatus::CLASS_MEDIA,
            alloc: 8,
        }
    }
}

impl Default for GetEventStatusNotification {
    fn default() -> Self {
        GetEventStatusNotification::new()
    }
}

impl Command for GetEventStatusNotification {
    const NAME: &'static str = "GET EVENT STATUS NOTIFICATION";

    fn cdb(&self) -> Cdb {
        let [hi, lo] = self.alloc.to_be_bytes();
        Cdb::new(&[0x4A, 0x01, 0, 0, self.class_mask, 0, 0, hi, lo, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Event status reply, MMC-5 §6.7: header bytes 0–1 event descriptor
/// length, byte 2 bit 7 NEA (no event available) and bits 2–0 notification
/// class, byte 3 supported event classes; then one 4-byte event descriptor
/// of that class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventStatus {
    /// NEA: no event of the requested classes is available (or supported).
    pub no_event_available: bool,
    /// Notification class of the returned event (0 when none).
    pub class: u8,
    /// Supported event classes bit mask (same layout as the request mask).
    pub supported_classes: u8,
    pub event: Event,
}

impl EventStatus {
    pub const CLASS_OPERATIONAL_CHANGE: u8 = 1;
    pub const CLASS_POWER_MANAGEMENT: u8 = 2;
    pub const CLASS_EXTERNAL_REQUEST: u8 = 3;
    pub const CLASS_MEDIA: u8 = 4;
    pub const CLASS_MULTI_HOST: u8 = 5;
    pub const CLASS_DEVICE_BUSY: u8 = 6;
}

/// One event descriptor of GET EVENT STATUS NOTIFICATION (MMC-5 §6.7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// NEA set, or no event descriptor returned.
    None,
    /// Operational change class (MMC-5 §6.7).
    Operational(OperationalEvent),
    /// Media class (MMC-5 §6.7).
    Media(MediaEvent),
    /// Any other class, the 4 descriptor bytes as returned (shorter if cut).
    Other { class: u8, data: Vec<u8> },
}

/// Operational change event descriptor: byte 0 bits 3–0 event code (1 =
/// change requested, 2 = change occurred), byte 1 bit 7 persistent
/// prevented and bits 3–0 operational status, bytes 2–3 operational report
/// (0001h = feature change: re-read GET CONFIGURATION).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationalEvent {
    pub code: u8,
    pub persistent_prevented: bool,
    pub status: u8,
    pub report: u16,
}

/// Media event descriptor, MMC-5 §6.7: byte 0 bits 3–0 media event code;
/// byte 1 bit 1 Media Present, bit 0 Door or Tray Open; byte 2 start slot;
/// byte 3 end slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaEvent {
    pub code: MediaEventCode,
    pub media_present: bool,
    pub tray_open: bool,
    pub start_slot: u8,
    pub end_slot: u8,
}

/// Media event codes (MMC-5 §6.7, media event descriptor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaEventCode {
    NoChange,
    EjectRequest,
    /// A medium was inserted: re-inspect.
    NewMedia,
    MediaRemoval,
    MediaChanged,
    BgFormatCompleted,
    BgFormatRestarted,
    Reserved(u8),
}

impl MediaEventCode {
    pub fn from_code(code: u8) -> MediaEventCode {
        match code & 0x0F {
            0 => MediaEventCode::NoChange,
            1 => MediaEventCode::EjectRequest,
            2 => MediaEventCode::NewMedia,
            3 => MediaEventCode::MediaRemoval,
            4 => MediaEventCode::MediaChanged,
            5 => MediaEventCode::BgFormatCompleted,
            6 => MediaEventCode::BgFormatRestarted,
            c => MediaEventCode::Reserved(c),
        }
    }
}

impl Query for GetEventStatusNotification {
    type Reply = EventStatus;

    /// Needs the 4-byte header; an event descriptor cut short decodes as
    /// `Event::None` for known classes.
    fn parse(&self, data: &[u8]) -> Result<EventStatus, ParseError> {
        need(data, 4)?;
        let len = be16(data, 0).unwrap_or(0) as usize;
        let nea = bit(data, 2, 7);
        let class = data[2] & 0x07;
        let supported = data[3];
        let d = bounded(data, len + 2).get(4..).unwrap_or(&[]);
        let event = if nea || d.is_empty() {
            Event::None
        } else {
            match class {
                EventStatus::CLASS_MEDIA if d.len() >= 2 => Event::Media(MediaEvent {
                    code: MediaEventCode::from_code(d[0]),
                    media_present: bit(d, 1, 1),
                    tray_open: bit(d, 1, 0),
                    start_slot: byte(d, 2),
                    end_slot: byte(d, 3),
                }),
                EventStatus::CLASS_OPERATIONAL_CHANGE if d.len() >= 2 => {
                    Event::Operational(OperationalEvent {
                        code: d[0] & 0x0F,
                        persistent_prevented: bit(d, 1, 7),
                        status: d[1] & 0x0F,
                        report: be16(d, 2).unwrap_or(0),
                    })
                }
                EventStatus::CLASS_MEDIA | EventStatus::CLASS_OPERATIONAL_CHANGE => Event::None,
                c => Event::Other {
                    class: c,
                    data: d[..d.len().min(4)].to_vec(),
                },
            }
        };
        Ok(EventStatus {
            no_event_available: nea,
            class,
            supported_classes: supported,
            event,
        })
    }

    /// Bytes 0–1 event descriptor length + 2.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 0).map(|n| n as usize + 2)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        GetEventStatusNotification {
            alloc: alloc16(len),
            ..*self
        }
    }
}

// ---------------------------------------------------------------------------
// MECHANISM STATUS

/// MECHANISM STATUS (BDh), MMC-5 §6.11: bytes 8–9 allocation length. The
/// 8-byte header tells the tray/door and changer state; slot tables follow
/// for changers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MechanismStatus {
    pub alloc: u16,
}

impl MechanismStatus {
    /// Header only (8 bytes).
    pub fn new() -> Self {
        MechanismStatus { alloc: 8 }
    }
}

impl Default for MechanismStatus {
    fn default() -> Self {
        MechanismStatus::new()
    }
}

impl Command for MechanismStatus {
    const NAME: &'static str = "MECHANISM STATUS";

    fn cdb(&self) -> Cdb {
        let [hi, lo] = self.alloc.to_be_bytes();
        Cdb::new(&[0xBD, 0, 0, 0, 0, 0, 0, 0, hi, lo, 0, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(self.alloc as usize)
    }
}

/// Changer state (MECHANISM STATUS byte 0 bits 6–5, MMC-5 §6.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangerState {
    Ready,
    LoadInProgress,
    UnloadInProgress,
    Initializing,
}

/// Mechanism state (MECHANISM STATUS byte 1 bits 7–5, MMC-5 §6.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MechanismState {
    Idle,
    Playing,
    Scanning,
    /// Active with the host, composite or other ports.
    Active,
    Reserved(u8),
    /// 111b: no state information available.
    Unknown,
}

/// Mechanism status header and slot tables, MMC-5 §6.11: byte 0 bit 7
/// Fault, bits 6–5 changer state, bits 4–0 current slot (low bits); byte 1
/// bits 7–5 mechanism state, bit 4 Door Open, bits 2–0 current slot (high
/// bits); bytes 2–4 current LBA (obsolete); byte 5 number of slots
/// available; bytes 6–7 length of the slot tables; 4-byte slot tables
/// (byte 0 bit 7 Disc Present, bit 0 Change; byte 1 bit 1 CWP_V, bit 0 CWP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MechanismStatusData {
    pub fault: bool,
    pub changer_state: ChangerState,
    pub current_slot: u8,
    pub mechanism_state: MechanismState,
    pub door_open: bool,
    pub current_lba: u32,
    pub slots_available: u8,
    pub slots: Vec<SlotStatus>,
}

/// One slot table entry of MECHANISM STATUS (MMC-5 §6.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotStatus {
    pub disc_present: bool,
    pub change: bool,
    /// CWP_V: the `cartridge_write_protected` bit is valid.
    pub cwp_valid: bool,
    pub cartridge_write_protected: bool,
}

impl Query for MechanismStatus {
    type Reply = MechanismStatusData;

    fn parse(&self, data: &[u8]) -> Result<MechanismStatusData, ParseError> {
        need(data, 8)?;
        let table_len = be16(data, 6).unwrap_or(0) as usize;
        let data = bounded(data, table_len + 8);
        let changer_state = match data[0] >> 5 & 3 {
            0 => ChangerState::Ready,
            1 => ChangerState::LoadInProgress,
            2 => ChangerState::UnloadInProgress,
            _ => ChangerState::Initializing,
        };
        let mechanism_state = match data[1] >> 5 {
            0 => MechanismState::Idle,
            1 => MechanismState::Playing,
            2 => MechanismState::Scanning,
            3 => MechanismState::Active,
            7 => MechanismState::Unknown,
            v => MechanismState::Reserved(v),
        };
        let slots = data[8..]
            .chunks_exact(4)
            .map(|s| SlotStatus {
                disc_present: s[0] & 0x80 != 0,
                change: s[0] & 0x01 != 0,
                cwp_valid: s[1] & 0x02 != 0,
                cartridge_write_protected: s[1] & 0x01 != 0,
            })
            .collect();
        Ok(MechanismStatusData {
            fault: data[0] & 0x80 != 0,
            changer_state,
            current_slot: (data[1] & 0x07) << 5 | (data[0] & 0x1F),
            mechanism_state,
            door_open: data[1] & 0x10 != 0,
            current_lba: be24(data, 2).unwrap_or(0),
            slots_available: data[5],
            slots,
        })
    }

    /// Bytes 6–7 slot table length + 8.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be16(data, 6).map(|n| n as usize + 8)
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        MechanismStatus {
            alloc: alloc16(len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sense::SenseKey;

    #[test]
    fn test_unit_ready_spc3_6_33() {
        // SPC-3 §6.33: opcode 00h, all other bytes zero.
        assert_eq!(TestUnitReady.cdb().as_bytes(), &[0, 0, 0, 0, 0, 0]);
        assert_eq!(TestUnitReady.data(), DataSpec::None);
        assert_eq!(TestUnitReady.timeout(), Duration::from_secs(30));
    }

    #[test]
    fn request_sense_cdb_spc3_6_27() {
        // SPC-3 §6.27: byte 1 bit 0 DESC, byte 4 allocation length.
        let rs = RequestSense::new();
        assert_eq!(rs.cdb().as_bytes(), &[0x03, 0, 0, 0, 18, 0]);
        assert_eq!(rs.data(), DataSpec::In(18));
        let big = rs.with_alloc_len(1000);
        assert_eq!(big.cdb().as_bytes(), &[0x03, 0, 0, 0, 252, 0]);
        let d = RequestSense {
            desc: true,
            alloc: 32,
        };
        assert_eq!(d.cdb().as_bytes(), &[0x03, 1, 0, 0, 32, 0]);
    }

    #[test]
    fn request_sense_reply_fixed_format_spc3_table_26() {
        // Fixed format (SPC-3 §4.5.3, table 26): NOT READY, 04/07 (operation
        // in progress), SKSV with progress 4000h.
        let raw = [
            0x70, 0, 0x02, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x04, 0x07, 0, 0x80, 0x40, 0x00,
        ];
        let rs = RequestSense::new();
        assert_eq!(rs.available_len(&raw), Some(18));
        let s = rs.parse(&raw).unwrap();
        assert_eq!(s.key, SenseKey::NOT_READY);
        assert_eq!((s.asc, s.ascq), (0x04, 0x07));
        assert_eq!(s.progress(), Some(0x4000));
        assert_eq!(
            rs.parse(&raw[..7]),
            Err(ParseError::Short { need: 8, got: 7 })
        );
        assert!(matches!(
            rs.parse(&[0x12, 0, 0, 0, 0, 0, 0, 0]),
            Err(ParseError::Invalid(_))
        ));
    }

    /// INQUIRY data of tgt's MMC LU (vendor "IET", product "VIRTUAL-CDROM",
    /// `peers-and-oracles.md` §4.1), standard 36 bytes.
    fn tgt_inquiry() -> Vec<u8> {
        let mut b = vec![0x05, 0x80, 0x05, 0x02, 31, 0, 0, 0x02];
        b.extend_from_slice(b"IET     ");
        b.extend_from_slice(b"VIRTUAL-CDROM   ");
        b.extend_from_slice(b"0001");
        b
    }

    #[test]
    fn inquiry_spc3_6_4() {
        // SPC-3 §6.4.1: bytes 3–4 allocation length; 36 → 00 24.
        let q = Inquiry::new();
        assert_eq!(q.cdb().as_bytes(), &[0x12, 0, 0, 0, 0x24, 0]);
        assert_eq!(
            q.with_alloc_len(96).cdb().as_bytes(),
            &[0x12, 0, 0, 0, 96, 0]
        );
        // SPC-3 §6.4.2: standard INQUIRY data.
        let raw = tgt_inquiry();
        assert_eq!(q.available_len(&raw), Some(36));
        let d = q.parse(&raw).unwrap();
        assert!(d.is_mmc());
        assert!(d.removable);
        assert_eq!(d.version, 5);
        assert_eq!(d.response_data_format, 2);
        assert_eq!(d.vendor, "IET");
        assert_eq!(d.product, "VIRTUAL-CDROM");
        assert_eq!(d.revision, "0001");
    }

    #[test]
    fn inquiry_short_replies() {
        let q = Inquiry::new();
        let raw = tgt_inquiry();
        // Cut in the product id: vendor complete, product partial, no revision.
        let d = q.parse(&raw[..20]).unwrap();
        assert_eq!(d.vendor, "IET");
        assert_eq!(d.product, "VIRT");
        assert_eq!(d.revision, "");
        // Additional length smaller than the buffer bounds the strings.
        let mut r = raw.clone();
        r[4] = 11; // 16 bytes
        let d = q.parse(&r).unwrap();
        assert_eq!(d.vendor, "IET");
        assert_eq!(d.product, "");
        assert_eq!(
            q.parse(&raw[..4]),
            Err(ParseError::Short { need: 5, got: 4 })
        );
        // A disk (type 00h) is not MMC.
        r[0] = 0x00;
        assert!(!q.parse(&r).unwrap().is_mmc());
    }

    #[test]
    fn start_stop_unit_mmc5_6_40() {
        // MMC-5 §6.40: byte 1 bit 0 Immed, byte 4 bit 1 LoEj, bit 0 Start.
        // mmc-recipes.md §10: load 1B 00 00 00 03 00, eject ... 02, start ... 01.
        assert_eq!(
            StartStopUnit::load().cdb().as_bytes(),
            &[0x1B, 0, 0, 0, 3, 0]
        );
        assert_eq!(
            StartStopUnit::eject().cdb().as_bytes(),
            &[0x1B, 0, 0, 0, 2, 0]
        );
        assert_eq!(
            StartStopUnit::start().cdb().as_bytes(),
            &[0x1B, 0, 0, 0, 1, 0]
        );
        assert_eq!(
            StartStopUnit::stop().cdb().as_bytes(),
            &[0x1B, 0, 0, 0, 0, 0]
        );
        let immed = StartStopUnit {
            immed: true,
            ..StartStopUnit::load()
        };
        assert_eq!(immed.cdb().as_bytes(), &[0x1B, 1, 0, 0, 3, 0]);
        assert_eq!(immed.timeout(), Duration::from_secs(300));
        assert_eq!(immed.data(), DataSpec::None);
    }

    #[test]
    fn prevent_allow_mmc5_6_14() {
        // MMC-5 §6.14: byte 4 bit 0 Prevent, bit 1 Persistent.
        // mmc-recipes.md §10: prevent 1E 00 00 00 01 00, allow 1E 00 00 00 00 00.
        assert_eq!(
            PreventAllowMediumRemoval::prevent().cdb().as_bytes(),
            &[0x1E, 0, 0, 0, 1, 0]
        );
        assert_eq!(
            PreventAllowMediumRemoval::allow().cdb().as_bytes(),
            &[0x1E, 0, 0, 0, 0, 0]
        );
        let p = PreventAllowMediumRemoval {
            prevent: true,
            persistent: true,
        };
        assert_eq!(p.cdb().as_bytes(), &[0x1E, 0, 0, 0, 3, 0]);
    }

    #[test]
    fn gesn_cdb_mmc5_6_7() {
        // MMC-5 §6.7: Polled, class request mask, allocation length.
        // mmc-recipes.md §10: 4A 01 00 00 7E 00 00 00 08 00.
        let g = GetEventStatusNotification::new();
        assert_eq!(
            g.cdb().as_bytes(),
            &[0x4A, 0x01, 0, 0, 0x7E, 0, 0, 0, 0x08, 0]
        );
        assert_eq!(g.data(), DataSpec::In(8));
        assert_eq!(
            GetEventStatusNotification::media().cdb().as_bytes()[4],
            0x10
        );
    }

    #[test]
    fn gesn_media_event_mmc5_6_7() {
        // MMC-5 §6.7 event header and media event descriptor.
        // Header: length 0006h, class 4 (media), supported 5Eh; descriptor:
        // event 2 (new media), media present, tray closed, slots 0/0.
        let raw = [0x00, 0x06, 0x04, 0x5E, 0x02, 0x02, 0x00, 0x00];
        let g = GetEventStatusNotification::new();
        assert_eq!(g.available_len(&raw), Some(8));
        let e = g.parse(&raw).unwrap();
        assert!(!e.no_event_available);
        assert_eq!(e.class, 4);
        assert_eq!(e.supported_classes, 0x5E);
        assert_eq!(
            e.event,
            Event::Media(MediaEvent {
                code: MediaEventCode::NewMedia,
                media_present: true,
                tray_open: false,
                start_slot: 0,
                end_slot: 0,
            })
        );
        // Tray open, no medium, eject request.
        let raw = [0x00, 0x06, 0x04, 0x10, 0x01, 0x01, 0x00, 0x00];
        match g.parse(&raw).unwrap().event {
            Event::Media(m) => {
                assert_eq!(m.code, MediaEventCode::EjectRequest);
                assert!(m.tray_open && !m.media_present);
            }
            e => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn gesn_nea_operational_and_other() {
        let g = GetEventStatusNotification::new();
        // NEA = 1, header only (length 2).
        let e = g.parse(&[0x00, 0x02, 0x80, 0x10]).unwrap();
        assert!(e.no_event_available);
        assert_eq!(e.event, Event::None);
        // Operational change: code 2, status 0, report 0001h (feature change).
        let e = g
            .parse(&[0x00, 0x06, 0x01, 0x12, 0x02, 0x80, 0x00, 0x01])
            .unwrap();
        assert_eq!(
            e.event,
            Event::Operational(OperationalEvent {
                code: 2,
                persistent_prevented: true,
                status: 0,
                report: 1
            })
        );
        // Device busy class kept raw.
        let e = g
            .parse(&[0x00, 0x06, 0x06, 0x40, 0x01, 0x01, 0x00, 0x10])
            .unwrap();
        assert_eq!(
            e.event,
            Event::Other {
                class: 6,
                data: vec![1, 1, 0, 0x10]
            }
        );
        // Length field says 2: the descriptor bytes beyond it are ignored.
        let e = g
            .parse(&[0x00, 0x02, 0x04, 0x10, 0x02, 0x02, 0x00, 0x00])
            .unwrap();
        assert_eq!(e.event, Event::None);
        assert_eq!(
            g.parse(&[0, 6, 4]),
            Err(ParseError::Short { need: 4, got: 3 })
        );
    }

    #[test]
    fn mechanism_status_mmc5_6_11() {
        // MMC-5 §6.11: opcode BDh, allocation length in bytes 8–9.
        let m = MechanismStatus::new();
        assert_eq!(m.cdb().as_bytes(), &[0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0]);
        // Single drive, door open, idle; no slot tables.
        let raw = [0x00, 0x10, 0, 0, 0, 0, 0, 0];
        let s = m.parse(&raw).unwrap();
        assert!(s.door_open);
        assert_eq!(s.changer_state, ChangerState::Ready);
        assert_eq!(s.mechanism_state, MechanismState::Idle);
        assert!(s.slots.is_empty());
        // Two-slot changer loading slot 1, with slot tables (length 8).
        let raw = [
            0x21, 0xE0, 0x00, 0x01, 0x00, 0x02, 0x00, 0x08, 0x80, 0x00, 0, 0, 0x01, 0x03, 0, 0,
        ];
        assert_eq!(m.available_len(&raw), Some(16));
        let s = m.with_alloc_len(16).parse(&raw).unwrap();
        assert_eq!(s.changer_state, ChangerState::LoadInProgress);
        assert_eq!(s.current_slot, 1);
        assert_eq!(s.mechanism_state, MechanismState::Unknown);
        assert_eq!(s.current_lba, 0x100);
        assert_eq!(s.slots_available, 2);
        assert_eq!(s.slots.len(), 2);
        assert!(s.slots[0].disc_present && !s.slots[0].change);
        assert!(!s.slots[1].disc_present && s.slots[1].change);
        assert!(s.slots[1].cwp_valid && s.slots[1].cartridge_write_protected);
        // Cut inside the second slot table: one slot decoded.
        assert_eq!(m.parse(&raw[..14]).unwrap().slots.len(), 1);
    }
}
