//! CD minute/second/frame addresses and their relation to LBAs.

use std::fmt;

/// A CD address in minutes, seconds and frames (75 frames per second),
/// binary, as in READ TOC with MSF = 1 (MMC-5 §6.26.3.2), the raw TOC
/// (MMC-5 §6.26.3.4, table 489), READ DISC INFORMATION on CD (MMC-5
/// §6.22.3.1) and cue sheet entries (MMC-5 §6.33).
///
/// Relation to LBAs (`mmc-recipes.md` §3.6 and §6.8; MMC-5 §4.2.3.4):
/// `LBA = (M·60 + S)·75 + F − 150` for M < 90 (program area and the
/// 2-second pre-gap), `− 450150` for M ≥ 90 (lead-in, negative LBAs).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Msf {
    pub m: u8,
    pub s: u8,
    pub f: u8,
}

impl Msf {
    pub const fn new(m: u8, s: u8, f: u8) -> Msf {
        Msf { m, s, f }
    }

    /// From the three bytes M, S, F.
    pub const fn from_bytes(b: [u8; 3]) -> Msf {
        Msf {
            m: b[0],
            s: b[1],
            f: b[2],
        }
    }

    pub const fn to_bytes(self) -> [u8; 3] {
        [self.m, self.s, self.f]
    }

    /// Total frames `(M·60 + S)·75 + F`, without the 150-frame offset.
    pub fn frames(self) -> i32 {
        (self.m as i32 * 60 + self.s as i32) * 75 + self.f as i32
    }

    /// The LBA this address designates: `frames − 150` for M < 90,
    /// `frames − 450150` for M ≥ 90 (lead-in).
    pub fn to_lba(self) -> i32 {
        if self.m < 90 {
            self.frames() - 150
        } else {
            self.frames() - 450_150
        }
    }

    /// The MSF address of `lba`: `frames = lba + 150` for `lba ≥ −150`
    /// (00:00:00 ..= 89:59:74, LBA −150 ..= 404849), `lba + 450150` for
    /// lead-in LBAs (90:00:00 ..= 99:59:74, LBA −45150 ..= −151). `None`
    /// outside these ranges, where [`Msf::to_lba`] could not map back.
    pub fn from_lba(lba: i32) -> Option<Msf> {
        const M90: i32 = 90 * 60 * 75;
        const M100: i32 = 100 * 60 * 75;
        let frames = if lba >= -150 {
            lba.checked_add(150).filter(|&f| f < M90)?
        } else {
            lba.checked_add(450_150)
                .filter(|&f| (M90..M100).contains(&f))?
        };
        Some(Msf {
            m: (frames / 4500) as u8,
            s: (frames / 75 % 60) as u8,
            f: (frames % 75) as u8,
        })
    }
}

impl fmt::Debug for Msf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Msf({:02}:{:02}:{:02})", self.m, self.s, self.f)
    }
}

impl fmt::Display for Msf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}:{:02}", self.m, self.s, self.f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_6_8_lead_out_of_1000_blocks() {
        // mmc-recipes.md §6.8: N = 1000 → lead-out at 00:15:25.
        assert_eq!(Msf::from_lba(1000), Some(Msf::new(0, 15, 25)));
        assert_eq!(Msf::new(0, 15, 25).to_lba(), 1000);
        // LBA 0 = 00:02:00, LBA −150 = 00:00:00 (pre-gap start).
        assert_eq!(Msf::from_lba(0), Some(Msf::new(0, 2, 0)));
        assert_eq!(Msf::from_lba(-150), Some(Msf::new(0, 0, 0)));
    }

    #[test]
    fn recipes_3_6_lead_in_mapping() {
        // M ≥ 90: LBA = frames − 450150 (cookbook MSF→LBA).
        assert_eq!(Msf::new(97, 26, 66).to_lba(), -11634);
        assert_eq!(Msf::from_lba(-11634), Some(Msf::new(97, 26, 66)));
        // 79:59:74 is the usual last possible lead-out of an 80-minute CD-R.
        assert_eq!(Msf::new(79, 59, 74).to_lba(), 359_849);
        assert_eq!(Msf::from_lba(404_849), Some(Msf::new(89, 59, 74)));
        assert_eq!(Msf::from_lba(404_850), None); // 90:00:00 means lead-in
        assert_eq!(Msf::from_lba(-45_150), Some(Msf::new(90, 0, 0)));
        assert_eq!(Msf::from_lba(-45_151), None);
        assert_eq!(Msf::from_lba(i32::MIN), None);
        assert_eq!(Msf::from_lba(i32::MAX), None);
        assert_eq!(format!("{}", Msf::new(1, 2, 3)), "01:02:03");
    }
}
