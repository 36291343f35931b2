//! The media kinds the emulated recorder can hold, their profiles, sizes and
//! speeds.

use std::fmt;
use std::str::FromStr;

use crate::profile::{Family, Profile};

/// A kind of medium in the emulated recorder, as named in `emul:KIND:PATH`
/// addresses ([`crate::address::Address::Emul`]).
///
/// The writable kinds start "as sold" (blank, or unformatted where the real
/// medium is sold unformatted: DVD+RW and BD-RE; DVD-RAM is sold formatted).
/// The ROM kinds present an existing image file as a pressed disc.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Media {
    CdR,
    CdRw,
    DvdR,
    DvdRw,
    DvdPlusR,
    DvdPlusRDl,
    DvdPlusRw,
    DvdRam,
    BdR,
    BdRe,
    CdRom,
    DvdRom,
    BdRom,
}

impl Media {
    /// Every kind, in the order of [`Media::name`] listings: the one list of
    /// emulated media (`mmc-recipes.md` §2, §12.1).
    pub const ALL: [Media; 13] = [
        Media::CdR,
        Media::CdRw,
        Media::DvdR,
        Media::DvdRw,
        Media::DvdPlusR,
        Media::DvdPlusRDl,
        Media::DvdPlusRw,
        Media::DvdRam,
        Media::BdR,
        Media::BdRe,
        Media::CdRom,
        Media::DvdRom,
        Media::BdRom,
    ];

    /// The name used in `emul:` addresses and in the state file.
    pub fn name(self) -> &'static str {
        match self {
            Media::CdR => "cd-r",
            Media::CdRw => "cd-rw",
            Media::DvdR => "dvd-r",
            Media::DvdRw => "dvd-rw",
            Media::DvdPlusR => "dvd+r",
            Media::DvdPlusRDl => "dvd+r-dl",
            Media::DvdPlusRw => "dvd+rw",
            Media::DvdRam => "dvd-ram",
            Media::BdR => "bd-r",
            Media::BdRe => "bd-re",
            Media::CdRom => "cd-rom",
            Media::DvdRom => "dvd-rom",
            Media::BdRom => "bd-rom",
        }
    }

    /// `cd-r, cd-rw, …`: every name, in [`Media::ALL`] order, for messages.
    pub fn names_list() -> String {
        Media::ALL.map(Media::name).join(", ")
    }

    /// Pressed (read-only) media whose content is an existing image file.
    pub fn is_rom(self) -> bool {
        matches!(self, Media::CdRom | Media::DvdRom | Media::BdRom)
    }

    /// CD, DVD or BD.
    pub fn family(self) -> Family {
        match self {
            Media::CdR | Media::CdRw | Media::CdRom => Family::Cd,
            Media::BdR | Media::BdRe | Media::BdRom => Family::Bd,
            _ => Family::Dvd,
        }
    }

    /// The profile the medium has when loaded in its initial state, as blank
    /// discs report it: DVD-RW starts as sequential recording (0014h) and
    /// changes between 0014h and 0013h with formatting, BD-R starts as SRM
    /// (0041h); everything else keeps its profile (MMC-6 §5.3.1, table 93).
    pub fn initial_profile(self) -> Profile {
        match self {
            Media::CdR => Profile::CD_R,
            Media::CdRw => Profile::CD_RW,
            Media::DvdR => Profile::DVD_R_SEQ,
            Media::DvdRw => Profile::DVD_RW_SEQ,
            Media::DvdPlusR => Profile::DVD_PLUS_R,
            Media::DvdPlusRDl => Profile::DVD_PLUS_R_DL,
            Media::DvdPlusRw => Profile::DVD_PLUS_RW,
            Media::DvdRam => Profile::DVD_RAM,
            Media::BdR => Profile::BD_R_SRM,
            Media::BdRe => Profile::BD_RE,
            Media::CdRom => Profile::CD_ROM,
            Media::DvdRom => Profile::DVD_ROM,
            Media::BdRom => Profile::BD_ROM,
        }
    }

    /// User-data capacity in 2048-byte blocks of the blank (unformatted)
    /// writable medium; 0 for ROM kinds (their size is the image's).
    ///
    /// Origins (`mmc-recipes.md` §2 notes): CD-R/RW 80 min, ATIP lead-out
    /// start 79:59:72 = LBA 359 847; DVD-R/-RW SL 2 298 496; DVD+R/+RW SL
    /// 2 295 104; DVD+R DL 4 173 824; DVD-RAM 4.7 GB formatted 2 236 704;
    /// BD-R/RE SL unformatted 12 219 392 (libburn `mmc.c`, descriptor list
    /// observed with dvd+rw-mediainfo).
    pub fn blank_capacity(self) -> u32 {
        match self {
            Media::CdR | Media::CdRw => CD_CAPACITY,
            Media::DvdR | Media::DvdRw => 2_298_496,
            Media::DvdPlusR | Media::DvdPlusRw => 2_295_104,
            Media::DvdPlusRDl => 4_173_824,
            Media::DvdRam => DVD_RAM_CAPACITY,
            Media::BdR | Media::BdRe => BD_CAPACITY,
            Media::CdRom | Media::DvdRom | Media::BdRom => 0,
        }
    }

    /// Blocks per ECC block / cluster: 16 on DVD, 32 on BD, 1 on CD.
    pub(crate) fn blocking(self) -> u32 {
        match self.family() {
            Family::Dvd => 16,
            Family::Bd => 32,
            _ => 1,
        }
    }

    /// Write speeds the drive offers for this medium, fastest first, in
    /// kB/s (k = 1000): multiples of 1x CD = 176.4, 1x DVD = 1385,
    /// 1x BD = 4495.625 kB/s (`mmc-recipes.md` §9), rounded.
    pub(crate) fn write_speeds(self) -> &'static [u32] {
        match self {
            Media::CdR => &[8467, 7056, 5645, 4234, 2822, 1764],
            Media::CdRw => &[5645, 4234, 2822, 1764, 706],
            Media::DvdR | Media::DvdPlusR => &[33240, 22160, 11080, 5540, 3324],
            Media::DvdPlusRDl => &[16620, 11080, 5540, 3324],
            Media::DvdRw | Media::DvdPlusRw => &[11080, 8310, 5540, 2770],
            Media::DvdRam => &[16620, 6925, 4155],
            Media::BdR => &[53948, 26974, 17983, 8992],
            Media::BdRe => &[8992, 4496],
            Media::CdRom | Media::DvdRom | Media::BdRom => &[],
        }
    }

    /// Maximum read speed in kB/s.
    pub(crate) fn read_speed(self) -> u32 {
        match self.family() {
            Family::Cd => 8467,
            Family::Dvd => 22160,
            _ => 53948,
        }
    }
}

/// CD-R/RW 80 min: ATIP start of lead-out 79:59:72.
pub(crate) const CD_CAPACITY: u32 = 359_847;
/// DVD-RAM 4.7 GB, default format.
pub(crate) const DVD_RAM_CAPACITY: u32 = 2_236_704;
/// BD single layer, unformatted (or format 31h without spares).
pub(crate) const BD_CAPACITY: u32 = 12_219_392;
/// BD single layer with the default spare areas (format 00h / 30h default).
pub(crate) const BD_DEFAULT_FORMAT: u32 = 11_826_176;
/// BD format 30h/32h with the maximum spare areas.
pub(crate) const BD_MAX_SPARE_FORMAT: u32 = 11_564_032;
/// BD format 30h/32h with the minimum spare areas.
pub(crate) const BD_MIN_SPARE_FORMAT: u32 = 12_088_320;

impl fmt::Display for Media {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A media name that is not one of [`Media::ALL`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown emulated media kind {0:?} (expected one of {list})", list = Media::names_list())]
pub struct UnknownMedia(pub String);

impl FromStr for Media {
    type Err = UnknownMedia;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Media::ALL
            .iter()
            .copied()
            .find(|m| m.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownMedia(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for m in Media::ALL {
            assert_eq!(m.name().parse::<Media>().unwrap(), m);
        }
        assert_eq!("DVD+R-DL".parse::<Media>().unwrap(), Media::DvdPlusRDl);
        assert!("dvd-r-dl".parse::<Media>().is_err());
        assert_eq!(
            UnknownMedia("x".into()).to_string(),
            "unknown emulated media kind \"x\" (expected one of cd-r, cd-rw, dvd-r, dvd-rw, \
             dvd+r, dvd+r-dl, dvd+rw, dvd-ram, bd-r, bd-re, cd-rom, dvd-rom, bd-rom)"
        );
    }

    #[test]
    fn speeds_descend() {
        for m in Media::ALL {
            let s = m.write_speeds();
            assert!(s.windows(2).all(|w| w[0] > w[1]), "{m}");
        }
    }
}
