//! Speed: SET CD SPEED (BBh), SET STREAMING (B6h), GET PERFORMANCE (ACh)
//! types 00h (nominal performance) and 03h (write speeds). Units are kB/s
//! with k = 1000 (`mmc-recipes.md` §9).

use super::{Cdb, Command, DataSpec, ParseError, Query, WithParams, be32, need};

// ---------------------------------------------------------------------------
// SET CD SPEED

/// SET CD SPEED (BBh), MMC-5 §6.37: byte 1 bits 1–0 rotation control,
/// bytes 2–3 read speed, bytes 4–5 write speed (kB/s; FFFFh = maximum).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetCdSpeed {
    pub read: u16,
    pub write: u16,
    /// Rotation control: 0 CLV (and non-pure CAV), 1 pure CAV.
    pub rotation: u8,
}

impl SetCdSpeed {
    /// The "as fast as possible" value.
    pub const MAX: u16 = 0xFFFF;

    /// Maximum read speed, `write` kB/s write speed, CLV.
    pub fn write_speed(write: u16) -> Self {
        SetCdSpeed {
            read: Self::MAX,
            write,
            rotation: 0,
        }
    }
}

impl Command for SetCdSpeed {
    const NAME: &'static str = "SET CD SPEED";

    fn cdb(&self) -> Cdb {
        let [rh, rl] = self.read.to_be_bytes();
        let [wh, wl] = self.write.to_be_bytes();
        Cdb::new(&[0xBB, self.rotation & 3, rh, rl, wh, wl, 0, 0, 0, 0, 0, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::None
    }
}

// ---------------------------------------------------------------------------
// SET STREAMING

/// Performance descriptor of SET STREAMING, MMC-5 §6.39 (28 bytes):
/// byte 0 bits 4–3 WRC, bit 2 RDD, bit 1 Exact, bit 0 RA; 4–7 start LBA;
/// 8–11 end LBA; 12–15 read size (kB); 16–19 read time (ms); 20–23 write
/// size (kB); 24–27 write time (ms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PerformanceDescriptor {
    /// Write rotation control (2 bits).
    pub wrc: u8,
    /// Restore drive defaults.
    pub rdd: bool,
    pub exact: bool,
    /// Random access.
    pub ra: bool,
    pub start_lba: u32,
    pub end_lba: u32,
    pub read_size: u32,
    pub read_time: u32,
    pub write_size: u32,
    pub write_time: u32,
}

impl PerformanceDescriptor {
    pub const LEN: usize = 28;

    pub fn to_bytes(&self) -> [u8; 28] {
        let mut b = [0u8; 28];
        b[0] =
            (self.wrc & 3) << 3 | (self.rdd as u8) << 2 | (self.exact as u8) << 1 | self.ra as u8;
        b[4..8].copy_from_slice(&self.start_lba.to_be_bytes());
        b[8..12].copy_from_slice(&self.end_lba.to_be_bytes());
        b[12..16].copy_from_slice(&self.read_size.to_be_bytes());
        b[16..20].copy_from_slice(&self.read_time.to_be_bytes());
        b[20..24].copy_from_slice(&self.write_size.to_be_bytes());
        b[24..28].copy_from_slice(&self.write_time.to_be_bytes());
        b
    }
}

/// SET STREAMING (B6h) with a performance descriptor, MMC-5 §6.39: byte 8
/// type 00h, bytes 9–10 parameter list length 28 (`mmc-recipes.md` §9):
/// `B6 00 00 00 00 00 00 00 00 00 1C 00`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetStreaming {
    pub descriptor: PerformanceDescriptor,
}

impl SetStreaming {
    /// "Maximum" speed value, kB/s (`mmc-recipes.md` §9).
    pub const MAX_SPEED: u32 = 0x1000_0000;
    /// "Minimum" speed value, kB/s.
    pub const MIN_SPEED: u32 = 177;

    /// Read and write at up to `kbps` kB/s over LBA 0 ..= `end_lba`: sizes
    /// `kbps` per 1000 ms, no flags (`mmc-recipes.md` §9).
    pub fn speed(end_lba: u32, kbps: u32) -> Self {
        SetStreaming {
            descriptor: PerformanceDescriptor {
                end_lba,
                read_size: kbps,
                read_time: 1000,
                write_size: kbps,
                write_time: 1000,
                ..PerformanceDescriptor::default()
            },
        }
    }
}

impl Command for SetStreaming {
    const NAME: &'static str = "SET STREAMING";

    fn cdb(&self) -> Cdb {
        Cdb::new(&[0xB6, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x1C, 0])
    }

    fn data(&self) -> DataSpec {
        DataSpec::Out(PerformanceDescriptor::LEN)
    }
}

impl WithParams for SetStreaming {
    fn params(&self) -> Vec<u8> {
        self.descriptor.to_bytes().to_vec()
    }
}

// ---------------------------------------------------------------------------
// GET PERFORMANCE

/// Header length of GET PERFORMANCE replies.
const PERF_HEADER: usize = 8;
/// Length of each descriptor of types 00h and 03h.
const PERF_DESC: usize = 16;

fn perf_cdb(byte1: u8, start_lba: u32, max: u16, ty: u8) -> Cdb {
    let [a, b, c, d] = start_lba.to_be_bytes();
    let [mh, ml] = max.to_be_bytes();
    Cdb::new(&[0xAC, byte1, a, b, c, d, 0, 0, mh, ml, ty, 0])
}

fn descriptors_for(len: usize) -> u16 {
    (len.saturating_sub(PERF_HEADER) / PERF_DESC).min(u16::MAX as usize) as u16
}

/// Bytes 0–3 performance data length, bounded by the returned bytes: the
/// descriptor area after the 8-byte header.
fn perf_body(data: &[u8]) -> Result<&[u8], ParseError> {
    need(data, PERF_HEADER)?;
    let total = (be32(data, 0).unwrap_or(0) as usize).saturating_add(4);
    let end = data.len().min(total).max(PERF_HEADER);
    Ok(&data[PERF_HEADER..end])
}

/// GET PERFORMANCE (ACh) type 00h, nominal performance, MMC-5 §6.8: byte 1
/// bits 4–3 tolerance (10b), bit 2 Write, bits 1–0 Except; bytes 2–5 start
/// LBA; bytes 8–9 maximum number of descriptors; byte 10 type 00h.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GetPerformance {
    /// Report write (true) or read (false) performance.
    pub write: bool,
    /// Except field (0: nominal performance of the whole medium).
    pub except: u8,
    pub start_lba: u32,
    pub max_descriptors: u16,
}

impl GetPerformance {
    /// Nominal read (`write` = false) or write performance from LBA 0,
    /// asking for the header only first.
    pub fn nominal(write: bool) -> Self {
        GetPerformance {
            write,
            except: 0,
            start_lba: 0,
            max_descriptors: 0,
        }
    }
}

impl Command for GetPerformance {
    const NAME: &'static str = "GET PERFORMANCE";

    fn cdb(&self) -> Cdb {
        let byte1 = 0x10 | (self.write as u8) << 2 | (self.except & 3);
        perf_cdb(byte1, self.start_lba, self.max_descriptors, 0x00)
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(PERF_HEADER + PERF_DESC * self.max_descriptors as usize)
    }
}

/// One nominal performance descriptor (MMC-5 §6.8, type 00h, 16 bytes): 0–3 start LBA,
/// 4–7 start performance, 8–11 end LBA, 12–15 end performance (kB/s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NominalPerformance {
    pub start_lba: u32,
    pub start_performance: u32,
    pub end_lba: u32,
    pub end_performance: u32,
}

/// GET PERFORMANCE type 00h reply, MMC-5 §6.8: header bytes 0–3
/// performance data length, byte 4 bit 1 Write, bit 0 Except; descriptors
/// from byte 8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Performance {
    /// Performance Data Length (bytes 0–3).
    pub data_length: u32,
    pub write: bool,
    pub except: bool,
    pub descriptors: Vec<NominalPerformance>,
}

impl Query for GetPerformance {
    type Reply = Performance;

    fn parse(&self, data: &[u8]) -> Result<Performance, ParseError> {
        let body = perf_body(data)?;
        Ok(Performance {
            data_length: be32(data, 0).unwrap_or(0),
            write: data[4] & 0x02 != 0,
            except: data[4] & 0x01 != 0,
            descriptors: body
                .chunks_exact(PERF_DESC)
                .map(|d| NominalPerformance {
                    start_lba: be32(d, 0).unwrap_or(0),
                    start_performance: be32(d, 4).unwrap_or(0),
                    end_lba: be32(d, 8).unwrap_or(0),
                    end_performance: be32(d, 12).unwrap_or(0),
                })
                .collect(),
        })
    }

    /// Bytes 0–3 performance data length + 4.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be32(data, 0).map(|n| (n as usize).saturating_add(4))
    }

    /// Asks for as many whole descriptors as fit in `len`.
    fn with_alloc_len(&self, len: usize) -> Self {
        GetPerformance {
            max_descriptors: descriptors_for(len),
            ..*self
        }
    }
}

/// GET PERFORMANCE (ACh) type 03h, write speed descriptors, MMC-5 §6.8:
/// `AC 00 00 00 00 00 00 00 00 NN 03 00` (`mmc-recipes.md` §9). Ask with 0
/// descriptors first (8-byte header) to learn the count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct GetWriteSpeeds {
    pub max_descriptors: u16,
}

impl Command for GetWriteSpeeds {
    const NAME: &'static str = "GET PERFORMANCE";

    fn cdb(&self) -> Cdb {
        perf_cdb(0, 0, self.max_descriptors, 0x03)
    }

    fn data(&self) -> DataSpec {
        DataSpec::In(PERF_HEADER + PERF_DESC * self.max_descriptors as usize)
    }
}

/// One write speed descriptor (type 03h, 16 bytes), MMC-5 §6.8: byte 0
/// bits 4–3 WRC, bit 2 RDD, bit 1 Exact, bit 0 MRW; 4–7 end LBA; 8–11 read
/// speed; 12–15 write speed (kB/s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteSpeedDescriptor {
    pub wrc: u8,
    pub rdd: bool,
    pub exact: bool,
    pub mrw: bool,
    pub end_lba: u32,
    pub read_speed: u32,
    pub write_speed: u32,
}

/// GET PERFORMANCE type 03h reply (MMC-5 §6.8): header bytes 0–3
/// performance data length, byte 4 bit 1 Write, bit 0 Except; the write
/// speed descriptors that were returned completely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteSpeeds {
    /// Performance Data Length (bytes 0–3).
    pub data_length: u32,
    pub write: bool,
    pub except: bool,
    pub descriptors: Vec<WriteSpeedDescriptor>,
}

impl WriteSpeeds {
    /// The highest write speed offered, kB/s.
    pub fn max_write_speed(&self) -> Option<u32> {
        self.descriptors.iter().map(|d| d.write_speed).max()
    }
}

impl Query for GetWriteSpeeds {
    type Reply = WriteSpeeds;

    fn parse(&self, data: &[u8]) -> Result<WriteSpeeds, ParseError> {
        let body = perf_body(data)?;
        Ok(WriteSpeeds {
            data_length: be32(data, 0).unwrap_or(0),
            write: data[4] & 0x02 != 0,
            except: data[4] & 0x01 != 0,
            descriptors: body
                .chunks_exact(PERF_DESC)
                .map(|d| WriteSpeedDescriptor {
                    wrc: d[0] >> 3 & 3,
                    rdd: d[0] & 0x04 != 0,
                    exact: d[0] & 0x02 != 0,
                    mrw: d[0] & 0x01 != 0,
                    end_lba: be32(d, 4).unwrap_or(0),
                    read_speed: be32(d, 8).unwrap_or(0),
                    write_speed: be32(d, 12).unwrap_or(0),
                })
                .collect(),
        })
    }

    fn available_len(&self, data: &[u8]) -> Option<usize> {
        be32(data, 0).map(|n| (n as usize).saturating_add(4))
    }

    fn with_alloc_len(&self, len: usize) -> Self {
        GetWriteSpeeds {
            max_descriptors: descriptors_for(len),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cd_speed_mmc5_6_37() {
        // MMC-5 §6.37; recipes §9: BB 00 RR RR WW WW 00 00 00 00 00 00; 8x CD = 1411 kB/s.
        let s = SetCdSpeed::write_speed(1411);
        assert_eq!(
            s.cdb().as_bytes(),
            &[0xBB, 0, 0xFF, 0xFF, 0x05, 0x83, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(s.data(), DataSpec::None);
        let cav = SetCdSpeed {
            read: 0x1234,
            write: SetCdSpeed::MAX,
            rotation: 1,
        };
        assert_eq!(
            cav.cdb().as_bytes(),
            &[0xBB, 1, 0x12, 0x34, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn set_streaming_mmc5_6_39_recipes_9() {
        // MMC-5 §6.39; recipes §9: B6 00 00 00 00 00 00 00 00 00 1C 00; 28-byte descriptor.
        let s = SetStreaming::speed(0x0023_053F, 11080);
        assert_eq!(
            s.cdb().as_bytes(),
            &[0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1C, 0]
        );
        assert_eq!(s.data(), DataSpec::Out(28));
        assert_eq!(
            s.params(),
            [
                0x00, 0, 0, 0, // flags
                0, 0, 0, 0, // start LBA
                0x00, 0x23, 0x05, 0x3F, // end LBA
                0x00, 0x00, 0x2B, 0x48, // read size 11080 kB
                0x00, 0x00, 0x03, 0xE8, // read time 1000 ms
                0x00, 0x00, 0x2B, 0x48, // write size
                0x00, 0x00, 0x03, 0xE8, // write time
            ]
        );
        let d = PerformanceDescriptor {
            wrc: 1,
            rdd: true,
            exact: true,
            ra: true,
            ..PerformanceDescriptor::default()
        };
        assert_eq!(d.to_bytes()[0], 0x0F);
        assert_eq!(SetStreaming::MAX_SPEED, 0x1000_0000);
    }

    #[test]
    fn get_write_speeds_cdb_mmc5_6_8() {
        // MMC-5 §6.8; recipes §9: AC 00 00 00 00 00 00 00 00 NN 03 00.
        let q = GetWriteSpeeds::default();
        assert_eq!(
            q.cdb().as_bytes(),
            &[0xAC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0]
        );
        assert_eq!(q.data(), DataSpec::In(8));
        let q = q.with_alloc_len(8 + 16 * 4 + 7);
        assert_eq!(
            q.cdb().as_bytes(),
            &[0xAC, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0x03, 0]
        );
        assert_eq!(q.alloc_len(), 72);
    }

    /// tgt's reply (`peers-and-oracles.md` §4.1): one write-speed descriptor,
    /// 3324 kB/s, up to the end of a blank DVD+R.
    fn tgt_write_speeds() -> Vec<u8> {
        let mut r = vec![0, 0, 0, 20, 0, 0, 0, 0];
        r.extend_from_slice(&[0, 0, 0, 0]);
        r.extend_from_slice(&0x0023_053Fu32.to_be_bytes());
        r.extend_from_slice(&3324u32.to_be_bytes());
        r.extend_from_slice(&3324u32.to_be_bytes());
        r
    }

    #[test]
    fn write_speed_descriptors_mmc5_6_8() {
        let raw = tgt_write_speeds();
        let q = GetWriteSpeeds::default();
        // Header-only first ask tells the full length: 24 → 1 descriptor.
        assert_eq!(q.available_len(&raw[..8]), Some(24));
        assert_eq!(q.larger_alloc_len(&raw[..8]), Some(24));
        assert!(q.parse(&raw[..8]).unwrap().descriptors.is_empty());
        let q = q.with_alloc_len(24);
        assert_eq!(q.max_descriptors, 1);
        let w = q.parse(&raw).unwrap();
        assert_eq!(
            w.descriptors,
            [WriteSpeedDescriptor {
                wrc: 0,
                rdd: false,
                exact: false,
                mrw: false,
                end_lba: 0x23053F,
                read_speed: 3324,
                write_speed: 3324
            }]
        );
        assert_eq!(w.max_write_speed(), Some(3324));
        assert_eq!((w.data_length, w.write, w.except), (20, false, false));
        // Flags byte: WRC 01b, RDD, Exact, MRW.
        let mut r = raw.clone();
        r[8] = 0x0F;
        let d = q.parse(&r).unwrap().descriptors[0];
        assert_eq!((d.wrc, d.rdd, d.exact, d.mrw), (1, true, true, true));
        assert_eq!(
            q.parse(&raw[..7]),
            Err(ParseError::Short { need: 8, got: 7 })
        );
        // Cut descriptor dropped.
        assert!(q.parse(&raw[..23]).unwrap().descriptors.is_empty());
    }

    #[test]
    fn nominal_performance_mmc5_6_8() {
        // Type 00h: byte 1 = tolerance 10b (10h) | Write (04h).
        let q = GetPerformance::nominal(true);
        assert_eq!(
            q.cdb().as_bytes(),
            &[0xAC, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0]
        );
        assert_eq!(GetPerformance::nominal(false).cdb().as_bytes()[1], 0x10);
        let q = q.with_alloc_len(24);
        assert_eq!(q.cdb().as_bytes()[8..10], [0, 1]);
        // One descriptor: 0..2295103 from 5540 to 11080 kB/s; Write bit set.
        let mut r = vec![0, 0, 0, 20, 0x02, 0, 0, 0];
        r.extend_from_slice(&0u32.to_be_bytes());
        r.extend_from_slice(&5540u32.to_be_bytes());
        r.extend_from_slice(&0x0023_053Fu32.to_be_bytes());
        r.extend_from_slice(&11080u32.to_be_bytes());
        let p = q.parse(&r).unwrap();
        assert!(p.write && !p.except);
        assert_eq!(p.data_length, 20);
        assert_eq!(
            p.descriptors,
            [NominalPerformance {
                start_lba: 0,
                start_performance: 5540,
                end_lba: 0x23053F,
                end_performance: 11080
            }]
        );
        // Length field 4: no descriptors even though bytes follow.
        r[3] = 4;
        assert!(q.parse(&r).unwrap().descriptors.is_empty());
    }
}
