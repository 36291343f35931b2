//! Media profiles (MMC-6 §5.3.1, table 93 "Profile List") and the media
//! classes the burn engine dispatches on (`mmc-recipes.md` §2).

use std::fmt;

/// A profile number as reported in GET CONFIGURATION bytes 6–7 or in the
/// Profile List feature (0000h).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Profile(pub u16);

impl Profile {
    /// No current profile: no medium (MMC-6 §6.6.2.1).
    pub const NONE: Profile = Profile(0x0000);
    pub const CD_ROM: Profile = Profile(0x0008);
    pub const CD_R: Profile = Profile(0x0009);
    pub const CD_RW: Profile = Profile(0x000A);
    pub const DVD_ROM: Profile = Profile(0x0010);
    pub const DVD_R_SEQ: Profile = Profile(0x0011);
    pub const DVD_RAM: Profile = Profile(0x0012);
    pub const DVD_RW_RO: Profile = Profile(0x0013);
    pub const DVD_RW_SEQ: Profile = Profile(0x0014);
    pub const DVD_R_DL_SEQ: Profile = Profile(0x0015);
    pub const DVD_R_DL_LJ: Profile = Profile(0x0016);
    pub const DVD_PLUS_RW: Profile = Profile(0x001A);
    pub const DVD_PLUS_R: Profile = Profile(0x001B);
    pub const DVD_PLUS_RW_DL: Profile = Profile(0x002A);
    pub const DVD_PLUS_R_DL: Profile = Profile(0x002B);
    pub const BD_ROM: Profile = Profile(0x0040);
    pub const BD_R_SRM: Profile = Profile(0x0041);
    pub const BD_R_RRM: Profile = Profile(0x0042);
    pub const BD_RE: Profile = Profile(0x0043);
    /// Not an MMC profile: an image file, block device or pipe used through
    /// `stdio:` (libburn uses FFFFh for its "stdio file" pseudo drives).
    pub const STDIO: Profile = Profile(0xFFFF);

    /// Human name as xorriso prints it ("DVD+RW", "BD-R sequential recording").
    pub fn name(self) -> &'static str {
        match self.0 {
            0x0000 => "no medium",
            0x0008 => "CD-ROM",
            0x0009 => "CD-R",
            0x000A => "CD-RW",
            0x0010 => "DVD-ROM",
            0x0011 => "DVD-R sequential recording",
            0x0012 => "DVD-RAM",
            0x0013 => "DVD-RW restricted overwrite",
            0x0014 => "DVD-RW sequential recording",
            0x0015 => "DVD-R/DL sequential recording",
            0x0016 => "DVD-R/DL layer jump recording",
            0x001A => "DVD+RW",
            0x001B => "DVD+R",
            0x002A => "DVD+RW/DL",
            0x002B => "DVD+R/DL",
            0x0040 => "BD-ROM",
            0x0041 => "BD-R sequential recording",
            0x0042 => "BD-R random recording",
            0x0043 => "BD-RE",
            0x0050 => "HD DVD-ROM",
            0x0051 => "HD DVD-R",
            0x0052 => "HD DVD-RAM",
            0xFFFF => "stdio file",
            _ => "unknown profile",
        }
    }

    /// The media family.
    pub fn family(self) -> Family {
        match self.0 {
            0x0008..=0x000A => Family::Cd,
            0x0010..=0x002B => Family::Dvd,
            0x0040..=0x0043 => Family::Bd,
            0xFFFF => Family::File,
            _ => Family::Other,
        }
    }

    /// How the engine writes this medium (`mmc-recipes.md` §2).
    pub fn class(self) -> MediaClass {
        match self {
            Profile::CD_ROM | Profile::DVD_ROM | Profile::BD_ROM | Profile::BD_R_RRM => {
                MediaClass::ReadOnly
            }
            Profile::CD_R | Profile::CD_RW => MediaClass::SequentialCd,
            Profile::DVD_R_SEQ | Profile::DVD_RW_SEQ | Profile::DVD_R_DL_SEQ => {
                MediaClass::SequentialDvdMinus
            }
            Profile::DVD_PLUS_R | Profile::DVD_PLUS_R_DL | Profile::BD_R_SRM => {
                MediaClass::SequentialPlusOrBd
            }
            Profile::DVD_RAM
            | Profile::DVD_RW_RO
            | Profile::DVD_PLUS_RW
            | Profile::BD_RE
            | Profile::STDIO => MediaClass::Overwritable,
            _ => MediaClass::Unsupported,
        }
    }

    /// Media that MMC BLANK applies to (CD-RW, DVD-RW in both modes).
    pub fn is_blankable(self) -> bool {
        matches!(
            self,
            Profile::CD_RW | Profile::DVD_RW_RO | Profile::DVD_RW_SEQ
        )
    }

    /// Media that can be written more than once (rewritable or overwritable).
    pub fn is_rewritable(self) -> bool {
        matches!(
            self,
            Profile::CD_RW
                | Profile::DVD_RAM
                | Profile::DVD_RW_RO
                | Profile::DVD_RW_SEQ
                | Profile::DVD_PLUS_RW
                | Profile::BD_RE
                | Profile::STDIO
        )
    }

    /// Blocks per WRITE command the engine uses: 32 on BD (64 KiB clusters),
    /// 16 elsewhere (32 KiB ECC blocks) (`mmc-recipes.md` §6.5).
    pub fn write_chunk_blocks(self) -> u32 {
        if self.family() == Family::Bd { 32 } else { 16 }
    }
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Profile({:04X}h {})", self.0, self.name())
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Media family.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Family {
    Cd,
    Dvd,
    Bd,
    /// `stdio:` targets.
    File,
    Other,
}

/// How a medium is written (`mmc-recipes.md` §2, column "Class").
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MediaClass {
    /// CD-ROM, DVD-ROM, BD-ROM, BD-R RRM: never written.
    ReadOnly,
    /// CD-R, CD-RW: TAO/SAO with page 05h and READ TOC.
    SequentialCd,
    /// DVD-R, DVD-RW sequential, DVD-R DL: Incremental or DAO with page 05h.
    SequentialDvdMinus,
    /// DVD+R, DVD+R DL, BD-R SRM: one track per session, no page 05h.
    SequentialPlusOrBd,
    /// DVD-RAM, DVD-RW restricted overwrite, DVD+RW, BD-RE, stdio files:
    /// random access with multisession emulation.
    Overwritable,
    /// Known but not supported (layer jump, DVD+RW DL, HD DVD, unknown).
    Unsupported,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_classes() {
        assert_eq!(Profile::DVD_PLUS_R.name(), "DVD+R");
        assert_eq!(Profile(0x0041).class(), MediaClass::SequentialPlusOrBd);
        assert_eq!(Profile::BD_RE.write_chunk_blocks(), 32);
        assert_eq!(Profile::DVD_RW_RO.class(), MediaClass::Overwritable);
        assert!(Profile::DVD_RW_SEQ.is_blankable());
        assert!(!Profile::DVD_PLUS_RW.is_blankable());
        assert_eq!(Profile::DVD_R_DL_LJ.class(), MediaClass::Unsupported);
        assert_eq!(format!("{:?}", Profile(0x1b)), "Profile(001Bh DVD+R)");
    }
}
