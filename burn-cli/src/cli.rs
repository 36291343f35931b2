//! The command line: every subcommand, option and help text (clap derive).
//!
//! Parsing only: no I/O here. Values that have a syntax of their own (drive
//! addresses, sizes, speeds) are parsed by the `parse_*` functions below, so
//! a malformed value is a usage error (exit code 2) reported by clap with
//! the option it belongs to.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use mmc::address::Address;
use mmc::emul::Media;

/// Top-level help after the option list: drive addresses, JSON, exit codes.
fn top_after_help() -> String {
    // The media names, wrapped under the description column.
    let mut media = String::new();
    let mut col = 0;
    for (i, name) in Media::ALL.map(Media::name).iter().enumerate() {
        let item = if i + 1 < Media::ALL.len() {
            format!("{name}, ")
        } else {
            name.to_string()
        };
        if col + item.len() > 54 {
            media.truncate(media.trim_end().len());
            media.push_str("\n                       ");
            col = 0;
        }
        col += item.len();
        media.push_str(&item);
    }
    format!(
        "\
Drive addresses (--dev ADDR, or the environment variable BURN_DEV):
  /dev/sr0, /dev/sg1   an optical drive (`burn devices` lists them)
  mmc:/dev/vda         any device that answers SCSI/MMC commands, e.g. a drive
                       passed through to a virtual machine as a disk
  stdio:FILE           an image file or block device used as an overwritable
                       disc (sessions are added as on a DVD+RW)
  emul:MEDIA:FILE      the built-in emulated recorder holding MEDIA:
                       {media}

Environment:
  BURN_DEV              the drive when --dev is not given
  SOURCE_DATE_EPOCH     reproducible images (no later dates, same bytes)
  BURN_EMUL_TIME_SCALE  testing aid: scales the emulated recorder's blanking,
                        formatting and closing times (0: instant)
  BURN_EMUL_BAD_BLOCKS  testing aid: LBA[-LBA],... of an emulated disc that
                        cannot be read (medium error), like a scratch

Output:
  Results go to standard output, progress and messages to standard error.
  With --json every result is one JSON document with \"schema\": 1 and a
  \"type\" naming the subcommand; long operations first print progress
  events ({{\"type\": \"progress\", …}}), one per line; errors are
  {{\"type\": \"error\", \"error\": {{\"message\": …, \"exit_code\": …}}}}.

Exit codes:
  0    success
  1    the operation failed (drive, disc, file or I/O error, missing input)
  2    usage error: unknown option, bad value, malformed drive address
  3    verification found a difference (check, verify, read, --verify)
  4    drive or disc unsuitable: no disc, closed disc, data does not fit,
       write-protected, no permission, busy, not an optical drive
  130  interrupted (Ctrl-C, SIGTERM)

Examples:
  burn devices
  burn mkiso -o photos.iso ~/photos=/photos ~/notes.txt
  burn --dev /dev/sr0 write photos.iso --verify
  burn --dev /dev/sr0 add ~/backup/2024=/2024
  burn --dev /dev/sr0 check
  burn --dev /dev/sr0 read -o disc.iso
  burn ls -l photos.iso /photos",
    )
}

/// burn writes, checks and browses CDs, DVDs, BDs and ISO 9660 images.
#[derive(Debug, Parser)]
#[command(
    name = "burn",
    version,
    about = "Write, check and browse CDs, DVDs, Blu-ray discs and ISO 9660 images",
    long_about = "Write, check and browse CDs, DVDs, Blu-ray discs and ISO 9660 images.\n\n\
        burn talks to optical recorders directly (SCSI/MMC) and writes the ISO 9660 \
        file systems it burns: plain images (mkiso), whole images onto discs (write) \
        and back (read), or new sessions that add files to a disc (add). Sessions carry MD5 checksums \
        that `burn check` (and xorriso) verify.",
    after_help = top_after_help(),
    max_term_width = 100,
    propagate_version = true,
    subcommand_required = true,
    arg_required_else_help = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after the subcommand.
#[derive(Debug, Args)]
pub struct GlobalOpts {
    /// Drive to use: /dev/srN, /dev/sgN, mmc:PATH, stdio:FILE or
    /// emul:MEDIA:FILE (see "Drive addresses" in `burn --help`)
    #[arg(
        long,
        global = true,
        env = "BURN_DEV",
        value_name = "ADDR",
        value_parser = parse_address,
        display_order = 100
    )]
    pub dev: Option<Address>,

    /// Print results as JSON (one document, "schema": 1; long operations
    /// print progress events first, one per line)
    #[arg(long, global = true, display_order = 101)]
    pub json: bool,

    /// When to show progress of long operations (on standard error)
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ProgressMode::Auto,
        display_order = 102
    )]
    pub progress: ProgressMode,

    /// Say more: -v reports what is done, -vv also logs every SCSI command
    /// sent to the drive with its reply, -vvv adds data dumps
    #[arg(
        short,
        long,
        global = true,
        action = ArgAction::Count,
        conflicts_with = "quiet",
        display_order = 103
    )]
    pub verbose: u8,

    /// Print only errors: no progress, no summaries, no warnings
    #[arg(short, long, global = true, display_order = 104)]
    pub quiet: bool,
}

/// When progress is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal; otherwise a line every few seconds, or JSON
    /// progress events with --json
    Auto,
    /// A bar even when standard error is not a terminal
    Always,
    /// No progress
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the optical recorders of this machine
    #[command(after_help = "\
The list shows each drive's address (use it with --dev), vendor, model,
firmware revision and whether you may open it read-write. Image files and
the emulated recorder are not listed: use --dev stdio:FILE or
--dev emul:MEDIA:FILE.

Examples:
  burn devices
  burn devices --json")]
    Devices,

    /// Show the drive, the disc and its sessions
    #[command(after_help = "\
Examples:
  burn --dev /dev/sr0 info
  burn --dev stdio:backup.iso info
  burn --dev /dev/sr0 info --diagnostic")]
    Info(InfoArgs),

    /// List the formats a disc can be given (DVD-RW, DVD+RW, DVD-RAM, BD)
    #[command(after_help = "\
Each format has an index to use with `burn format --index N`.

Examples:
  burn --dev /dev/sr0 formats")]
    Formats,

    /// Blank a rewritable disc (CD-RW, DVD-RW) or invalidate the file
    /// system on an overwritable one
    #[command(after_help = "\
Examples:
  burn --dev /dev/sr0 blank
  burn --dev /dev/sr0 blank --mode all")]
    Blank(BlankArgs),

    /// Format a disc (DVD-RW for overwriting, DVD+RW, BD-RE, BD-R)
    #[command(after_help = "\
Examples:
  burn --dev /dev/sr0 format
  burn --dev /dev/sr0 formats && burn --dev /dev/sr0 format --index 2
  burn --dev /dev/sr0 format --mode without-spare")]
    Format(FormatArgs),

    /// Write an image file (or standard input) to a disc as one session
    #[command(after_help = "\
The image is written as it is, starting at the disc's next writable
address. To add files to a disc instead, use `burn add`.

Examples:
  burn --dev /dev/sr0 write debian.iso --verify
  burn --dev /dev/sr0 write backup.iso --close --speed 8x
  burn mkiso -o - ~/docs | burn --dev /dev/sr0 write - --size 700M")]
    Write(WriteArgs),

    /// Read a disc or a session into an image file, checking its MD5s
    #[command(
        visible_alias = "rip",
        after_help = "\
Reads exactly the blocks of the disc's ISO 9660 image - as many as its
volume descriptor says, never the padding after it nor the unreadable
run-out of a CD track - once, retrying blocks that fail, and checks them
against the MD5 tags the disc records while reading.

What is read:
  a disc with one session     that session (pressed discs, a burned CD, DVD
                              or BD): the image is the disc's image
  DVD+RW, DVD-RAM, BD-RE,     LBA 0 to the end of the newest session: the
  formatted DVD-RW, image     image shows the newest session and keeps the
  files                       older ones (`burn --dev stdio:IMAGE info`)
  several sessions on a       refused: give --session N (an image of a later
  CD/DVD/BD-R                 session reads correctly only at its own
                              address, on this disc); to keep the newest
                              files, extract them and make a new image
  --session N                 exactly the blocks of session N

The image is written under a temporary name beside FILE and renamed when
complete. Blocks that cannot be read are listed with a sector map (exit
code 1); data that differ from the checksums are exit code 3; either way
the image is removed unless --keep-partial keeps it (unreadable blocks are
zeros in it). `burn verify FILE` compares the disc with the image again.

Examples:
  burn --dev /dev/sr0 read -o /srv/images/tools-2024.iso
  burn --dev /dev/sr0 read --session 2 -o second-session.iso
  burn --dev /dev/sr0 read -o - | gzip > tools-2024.iso.gz
  burn --dev stdio:backup.iso read -o copy.iso"
    )]
    Read(ReadArgs),

    /// Add files to a disc as a new ISO 9660 session (multisession)
    #[command(after_help = "\
Each PATH is a file or directory on disk; ISO_PATH is where it goes on the
disc (default: a directory's contents go to the root, a file keeps its
name in the root; an ISO_PATH ending in / puts a file into that
directory). Files of earlier sessions stay visible; a path that exists
already is replaced. Write `\\=` for a literal `=` in a name.

MD5 checksums are recorded by default (like `xorriso -md5 on`), so that
`burn check` can verify the disc later; --no-md5 turns them off.

A bootable disc boots from its newest session: give --boot-replay to keep
the boot setup of the session before (or the boot options anew).

Examples:
  burn --dev /dev/sr0 add ~/photos=/photos
  burn --dev /dev/sr0 add ~/backup/2024=/backup/2024 --verify
  burn --dev stdio:archive.iso add report.pdf=/2024/report.pdf
  burn --dev /dev/sr0 add ~/last --close
  burn --dev /dev/sr0 add preseed.cfg --boot-replay")]
    Add(AddArgs),

    /// Read the disc back and check it against its recorded MD5 checksums
    #[command(after_help = "\
Checks the MD5 tags of the session (superblock, directory tree, session
data) and every file's recorded MD5, reading each block once. Exit code 3
when anything differs; 1 when blocks cannot be read.

Examples:
  burn --dev /dev/sr0 check
  burn --dev /dev/sr0 check --all
  burn --dev stdio:archive.iso check --session 2")]
    Check(CheckArgs),

    /// Compare the disc with an image file, block by block
    #[command(after_help = "\
Reads as many blocks as IMAGE has from where `burn write` put it (LBA 0
of overwritable discs and image files, the newest session of sequential
discs; --session N for another) and compares them with IMAGE. Exit code 3
when they differ, 1 when blocks cannot be read.

Examples:
  burn --dev /dev/sr0 verify debian.iso
  burn --dev /dev/sr0 verify first.iso --session 1")]
    Verify(VerifyArgs),

    /// Open the drive's tray (or close it with --load)
    #[command(after_help = "\
Examples:
  burn --dev /dev/sr0 eject
  burn --dev /dev/sr0 eject --load")]
    Eject(EjectArgs),

    /// Create an ISO 9660 image file from files and directories
    #[command(after_help = "\
Each PATH is a file or directory on disk; ISO_PATH is where it goes in the
image (default: a directory's contents go to the root, a file keeps its
name in the root; an ISO_PATH ending in / puts a file into that
directory). Write `\\=` for a literal `=` in a name.

The image has Rock Ridge (POSIX names, permissions, owners, links) and
Joliet (Windows names) unless turned off, and MD5 checksums (readable by
`burn check` and `xorriso -check_md5`) unless --no-md5. With the
environment variable SOURCE_DATE_EPOCH set, the image is reproducible:
no date later than it, and the same bytes for the same input.

Examples:
  burn mkiso -o photos.iso ~/photos
  burn mkiso -o backup.iso --volid BACKUP_2024 ~/docs=/docs ~/mail=/mail
  burn mkiso --print-size ~/photos
  burn mkiso -o - ~/docs | ssh host 'cat > docs.iso'
  burn mkiso -o live.iso --volid LIVE --boot-image /isolinux/isolinux.bin \\
      --boot-catalog /isolinux/boot.cat --boot-load-size 4 --boot-info-table \\
      --isohybrid /usr/lib/ISOLINUX/isohdpfx.bin cd-root
  burn mkiso -o custom.iso --from debian.iso --boot-replay preseed.cfg=/preseed.cfg")]
    Mkiso(MkisoArgs),

    /// List files in an image file or on a disc
    #[command(
        override_usage = "burn ls [OPTIONS] IMAGE [ISO_PATH]\n       burn ls [OPTIONS] --dev ADDR [ISO_PATH]",
        after_help = "\
Names, permissions and owners are Rock Ridge's when the image has them
(else Joliet's, else the plain ISO 9660 names). Dates are shown in UTC.
With --dev given on the command line, the first argument is the ISO_PATH
on that drive's disc; BURN_DEV alone applies only when no argument is
given.

Examples:
  burn ls photos.iso
  burn ls -l photos.iso /photos/2024
  burn ls -lR --json photos.iso
  burn ls --dev /dev/sr0 -l /"
    )]
    Ls(LsArgs),

    /// Copy files out of an image file or a disc
    #[command(
        override_usage = "burn extract [OPTIONS] IMAGE ISO_PATH DEST\n       burn extract [OPTIONS] --dev ADDR ISO_PATH DEST",
        after_help = "\
A directory's contents go into DEST (created if missing). A file becomes
DEST, or DEST/NAME when DEST is an existing directory. Nothing is ever
written outside DEST: names like `..` and paths through symbolic links are
refused. Existing files are kept unless --overwrite. Permissions and
modification times are restored; owners only with --owners (needs root).
Exit code 1 when entries had to be skipped; each is reported.
With --dev on the command line (or BURN_DEV and two arguments) the
arguments are ISO_PATH and DEST on that drive's disc.

Examples:
  burn extract photos.iso /photos/2024 ./2024
  burn extract photos.iso /notes.txt .
  burn extract --dev /dev/sr0 / ./restore"
    )]
    Extract(ExtractArgs),

    /// Print a shell completion script
    #[command(after_help = "\
Examples:
  burn completions bash > ~/.local/share/bash-completion/completions/burn
  burn completions zsh > ~/.zfunc/_burn
  burn completions fish > ~/.config/fish/completions/burn.fish")]
    Completions(CompletionsArgs),

    /// Print the manual page (roff), or write one page per command into DIR
    #[command(hide = true)]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Also show the drive's profiles, features, write speeds and raw
    /// disc and track information (for bug reports)
    #[arg(long)]
    pub diagnostic: bool,
}

#[derive(Debug, Args)]
pub struct BlankArgs {
    /// How to blank
    #[arg(long, value_enum, default_value_t = BlankMode::AsNeeded)]
    pub mode: BlankMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BlankMode {
    /// Whatever makes the disc writable from scratch: a fast blank of
    /// CD-RW, a full blank of DVD-RW, invalidating the file system of
    /// DVD+RW, DVD-RAM, BD-RE and image files
    AsNeeded,
    /// Minimal blank of CD-RW or DVD-RW (a DVD-RW then takes only one
    /// session, written in one go)
    Fast,
    /// Blank the whole disc (as slow as writing it full)
    All,
    /// Turn a formatted (overwritable) DVD-RW back into a sequential one
    Deformat,
    /// Like deformat, minimal: the DVD-RW then takes only one session
    DeformatQuickest,
}

#[derive(Debug, Args)]
pub struct FormatArgs {
    /// How to format
    #[arg(long, value_enum, default_value_t = FormatMode::AsNeeded)]
    pub mode: FormatMode,

    /// Use format number N of `burn formats`
    #[arg(long, value_name = "N", conflicts_with = "size")]
    pub index: Option<u32>,

    /// Format to (at least) this size; suffixes K, M, G, T (1024-based) or
    /// s (2048-byte blocks)
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub size: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatMode {
    /// Format only a disc that is not formatted yet
    AsNeeded,
    /// (Re)format the whole disc, with the default spare area on BD
    Full,
    /// Quick format where the disc allows it
    Fast,
    /// BD: no defect management (more capacity and speed, but bad blocks
    /// are not replaced)
    WithoutSpare,
}

#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Image file to write, or - to read it from standard input
    #[arg(value_name = "IMAGE|-")]
    pub image: PathBuf,

    /// Size of the data in bytes (suffixes K, M, G, T or s); required when
    /// reading standard input onto media written in one go (blank CD-R/RW,
    /// DVD-R/RW in SAO/DAO); shorter input is padded with zeros
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub size: Option<u64>,

    /// Close (finalize) the disc after writing: no more sessions can be
    /// added, and older drives can read it
    #[arg(long)]
    pub close: bool,

    /// Write type on CD and DVD-R/RW
    #[arg(long, value_enum, value_name = "TYPE", default_value_t = WriteType::Auto)]
    pub write_type: WriteType,

    #[command(flatten)]
    pub speed: SpeedOpt,

    /// Simulate: the drive goes through the motions with the laser off
    /// (CD-R/RW and DVD-R/RW only)
    #[arg(long)]
    pub dummy: bool,

    /// Read the session back afterwards and compare it with what was sent
    #[arg(long)]
    pub verify: bool,

    /// Write even over data that is not an ISO 9660 session, or an image
    /// that was made for another start address than the disc offers
    #[arg(long)]
    pub force: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WriteType {
    /// Chosen by disc and size: SAO/DAO for a first session of known size
    /// on CD and DVD-RW, TAO/incremental otherwise
    Auto,
    /// Track at once (DVD-R/RW: incremental); the disc stays appendable
    Tao,
    /// Session at once (DVD-R/RW: disc at once); needs the size first
    Sao,
}

/// `--speed`, shared by `write` and `add`.
#[derive(Debug, Args)]
pub struct SpeedOpt {
    /// Write speed: max, min, a multiple of the disc's base speed (8x) or
    /// kilobytes per second (4000k, 11m); the drive picks the nearest it
    /// supports
    #[arg(long, value_name = "SPEED", value_parser = parse_speed)]
    pub speed: Option<Speed>,
}

/// `--md5` / `--no-md5` (the later one wins; on by default).
#[derive(Debug, Args)]
pub struct Md5Opt {
    /// Record MD5 checksums of the session and of every file (default)
    #[arg(long = "md5", overrides_with = "no_md5")]
    md5: bool,

    /// Do not record MD5 checksums
    #[arg(long = "no-md5", overrides_with = "md5")]
    no_md5: bool,
}

impl Md5Opt {
    pub fn enabled(&self) -> bool {
        self.md5 || !self.no_md5
    }
}

/// `--volid`.
#[derive(Debug, Args)]
pub struct VolidOpt {
    /// Volume name, up to 32 characters (16 in the Joliet tree); file
    /// managers show it, and udev makes it the label in /dev/disk/by-label
    /// [default: CDROM; with add: the previous session's]
    #[arg(long, value_name = "NAME")]
    pub volid: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Write the image to FILE (replaced only once complete), or - for
    /// standard output
    #[arg(short, long, value_name = "FILE|-")]
    pub output: PathBuf,

    /// Read session N (1 = the oldest) instead of the whole disc
    #[arg(long, value_name = "N")]
    pub session: Option<u32>,

    /// Keep the image even when blocks could not be read (they are zeros
    /// in it) or it does not match its checksums
    #[arg(long)]
    pub keep_partial: bool,
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// Files and directories to add, each as PATH or PATH=ISO_PATH
    #[arg(value_name = "PATH[=ISO_PATH]", required = true)]
    pub paths: Vec<OsString>,

    #[command(flatten)]
    pub volid: VolidOpt,

    #[command(flatten)]
    pub md5: Md5Opt,

    /// Close (finalize) the disc after this session: nothing can be added
    /// afterwards (ignored on overwritable media and image files)
    #[arg(long)]
    pub close: bool,

    #[command(flatten)]
    pub speed: SpeedOpt,

    /// Check the new session against its MD5 checksums after writing
    #[arg(long)]
    pub verify: bool,

    /// Write over an overwritable disc or image file that holds data which
    /// is not an ISO 9660 session (it is lost); add to a disc whose newest
    /// session holds no ISO 9660 file system (raw data, an interrupted
    /// write), starting without its files
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub boot: BootOpts,

    /// Keep the boot setup of the newest session (El Torito catalog, boot
    /// images, isohybrid MBR/GPT), renewing boot info tables and
    /// partition sizes for the new session
    #[arg(long, conflicts_with = "boot", help_heading = "Boot options")]
    pub boot_replay: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check session N (1 = the oldest) instead of the newest
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub session: Option<u32>,

    /// Check every session on the disc
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The image file the disc was written from
    #[arg(value_name = "IMAGE")]
    pub image: PathBuf,

    /// Compare with session N (1 = the oldest) instead of where `burn
    /// write` puts an image (LBA 0 of overwritable discs and image files,
    /// the newest session of sequential discs)
    #[arg(long, value_name = "N")]
    pub session: Option<u32>,
}

#[derive(Debug, Args)]
pub struct EjectArgs {
    /// Close the tray (load the disc) instead of opening it
    #[arg(long)]
    pub load: bool,
}

#[derive(Debug, Args)]
pub struct MkisoArgs {
    /// Files and directories to put in the image, each as PATH or
    /// PATH=ISO_PATH
    #[arg(value_name = "PATH[=ISO_PATH]", required = true)]
    pub paths: Vec<OsString>,

    /// Write the image to FILE (replaced only once complete), or - for
    /// standard output
    #[arg(
        short,
        long,
        value_name = "FILE|-",
        required_unless_present = "print_size"
    )]
    pub output: Option<PathBuf>,

    /// Only compute and print the image size; write nothing
    #[arg(long, conflicts_with = "output")]
    pub print_size: bool,

    #[command(flatten)]
    pub image: ImageOpts,

    #[command(flatten)]
    pub boot: BootOpts,

    /// Start from the newest session of OLD.iso: its files are kept (new
    /// PATHs are added over them) and the output is OLD.iso followed by
    /// the new session, which is what the output then shows
    #[arg(long, value_name = "OLD.iso", help_heading = "Boot options")]
    pub from: Option<PathBuf>,

    /// With --from: keep the boot setup of OLD.iso (El Torito catalog,
    /// boot images, isohybrid MBR/GPT), renewing boot info tables and
    /// partition sizes for the new image
    #[arg(long, requires = "from", help_heading = "Boot options")]
    pub boot_replay: bool,
}

/// El Torito and isohybrid boot options (mkisofs/xorriso's `-b`, `-c`,
/// `-boot-load-size`, `-boot-info-table`, `-e`, `-isohybrid-mbr`,
/// `-isohybrid-gpt-basdat`).
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("boot").multiple(true).args(["boot_image", "efi_boot"])))]
pub struct BootOpts {
    /// Make the image bootable on BIOS PCs: ISO_PATH is the boot image, a
    /// file of the image such as /isolinux/isolinux.bin (mkisofs -b,
    /// no emulation)
    #[arg(long, value_name = "ISO_PATH", help_heading = "Boot options")]
    pub boot_image: Option<OsString>,

    /// Make the image bootable on UEFI PCs: ISO_PATH is an EFI system
    /// partition image (FAT) in the image, e.g. /boot/efi.img (mkisofs
    /// -eltorito-alt-boot -e)
    #[arg(long, value_name = "ISO_PATH", help_heading = "Boot options")]
    pub efi_boot: Option<OsString>,

    /// Where the boot catalog goes in the image [default: /boot.catalog]
    /// (mkisofs -c)
    #[arg(
        long,
        value_name = "ISO_PATH",
        requires = "boot",
        help_heading = "Boot options"
    )]
    pub boot_catalog: Option<OsString>,

    /// Sectors of 512 bytes the BIOS loads of --boot-image (ISOLINUX: 4)
    /// [default: the whole image] (mkisofs -boot-load-size)
    #[arg(
        long,
        value_name = "N",
        requires = "boot_image",
        value_parser = clap::value_parser!(u16).range(1..),
        help_heading = "Boot options"
    )]
    pub boot_load_size: Option<u16>,

    /// Patch a boot info table into --boot-image (ISOLINUX needs it;
    /// mkisofs -boot-info-table)
    #[arg(long, requires = "boot_image", help_heading = "Boot options")]
    pub boot_info_table: bool,

    /// Make the image boot from a USB stick too: an isohybrid MBR with
    /// the boot code of FILE, e.g. /usr/lib/ISOLINUX/isohdpfx.bin
    /// (xorriso -isohybrid-mbr)
    #[arg(
        long,
        value_name = "FILE",
        requires = "boot_image",
        help_heading = "Boot options"
    )]
    pub isohybrid: Option<PathBuf>,

    /// With --isohybrid: add a GPT whose EFI system partition is the
    /// --efi-boot image (xorriso -isohybrid-gpt-basdat)
    #[arg(long, requires = "isohybrid", help_heading = "Boot options")]
    pub isohybrid_gpt: bool,
}

impl BootOpts {
    /// True when any boot option was given.
    pub fn any(&self) -> bool {
        self.boot_image.is_some() || self.efi_boot.is_some()
    }
}

/// What goes into a new image.
#[derive(Debug, Args)]
pub struct ImageOpts {
    #[command(flatten)]
    pub volid: VolidOpt,

    #[command(flatten)]
    pub md5: Md5Opt,

    /// Record Rock Ridge: POSIX names, permissions, owners, times, links
    /// and device files (default)
    #[arg(long = "rock", overrides_with = "no_rock")]
    rock: bool,

    /// Plain ISO 9660 names only (no Rock Ridge; no per-file MD5s)
    #[arg(long = "no-rock", overrides_with = "rock")]
    no_rock: bool,

    /// Add a Joliet tree with Windows (UCS-2) names (default)
    #[arg(long = "joliet", overrides_with = "no_joliet")]
    joliet: bool,

    /// No Joliet tree
    #[arg(long = "no-joliet", overrides_with = "joliet")]
    no_joliet: bool,
}

impl ImageOpts {
    pub fn rock_ridge(&self) -> bool {
        self.rock || !self.no_rock
    }

    pub fn joliet(&self) -> bool {
        self.joliet || !self.no_joliet
    }
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Image file (without --dev), else the path to list
    #[arg(value_name = "IMAGE")]
    pub first: Option<OsString>,

    /// Path in the image to list [default: /]
    #[arg(value_name = "ISO_PATH")]
    pub second: Option<OsString>,

    /// Long listing: type and permissions, links, owner, group, size,
    /// modification time (UTC), name and link target
    #[arg(short = 'l', long = "long")]
    pub long: bool,

    /// List subdirectories recursively, one path per line
    #[arg(short = 'R', long, conflicts_with = "directory")]
    pub recursive: bool,

    /// List a directory itself, not its contents
    #[arg(short = 'd', long)]
    pub directory: bool,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Image file (without --dev), else the path to extract
    #[arg(value_name = "IMAGE")]
    pub first: OsString,

    /// Path in the image (without --dev), else the destination
    #[arg(value_name = "ISO_PATH")]
    pub second: OsString,

    /// Destination directory or file (without --dev)
    #[arg(value_name = "DEST")]
    pub third: Option<OsString>,

    /// Replace existing files (never directories) in the destination
    #[arg(long)]
    pub overwrite: bool,

    /// Restore owners and groups (needs root)
    #[arg(long)]
    pub owners: bool,

    /// Create FIFOs and device files (devices need root)
    #[arg(long)]
    pub special: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write burn.1 and one burn-COMMAND.1 per subcommand into DIR
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

// ---------------------------------------------------------------------------
// Values with a syntax of their own
// ---------------------------------------------------------------------------

/// A drive address; a malformed one is a usage error.
pub fn parse_address(s: &str) -> Result<Address, String> {
    Address::parse(s).map_err(|e| match e {
        mmc::Error::Address { reason, .. } => reason,
        other => other.to_string(),
    })
}

/// A write speed as given by `--speed`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// The fastest the drive offers for the disc.
    Max,
    /// The slowest the drive offers for the disc.
    Min,
    /// A multiple of the disc's base speed (1x = 176.4 kB/s CD, 1385 kB/s
    /// DVD, 4495.5 kB/s BD).
    Times(f64),
    /// Kilobytes (1000 bytes) per second.
    KilobytesPerSecond(u32),
}

impl fmt::Display for Speed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Speed::Max => f.write_str("max"),
            Speed::Min => f.write_str("min"),
            Speed::Times(x) => write!(f, "{x}x"),
            Speed::KilobytesPerSecond(k) => write!(f, "{k}k"),
        }
    }
}

/// `max`, `min`, `8x`, `2.4x`, `4000k`, `11m` (case-insensitive).
pub fn parse_speed(s: &str) -> Result<Speed, String> {
    let t = s.trim().to_ascii_lowercase();
    match t.as_str() {
        "max" => return Ok(Speed::Max),
        "min" => return Ok(Speed::Min),
        _ => {}
    }
    let number = |n: &str| -> Result<f64, String> {
        n.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v > 0.0)
            .ok_or_else(|| format!("`{n}` is not a positive number"))
    };
    if let Some(n) = t.strip_suffix('x') {
        let v = number(n)?;
        if v > 1000.0 {
            return Err(format!("{v}x is beyond any drive"));
        }
        return Ok(Speed::Times(v));
    }
    let (n, scale) = if let Some(n) = t.strip_suffix('k') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 1000.0)
    } else if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') && !t.is_empty() {
        return Err(format!(
            "add a unit: `{t}x` (times the disc's base speed) or `{t}k` (kilobytes per second)"
        ));
    } else {
        return Err("expected max, min, a multiple like 8x, or a rate like 4000k or 11m".into());
    };
    let kb = number(n)? * scale;
    if kb > f64::from(u32::MAX) {
        return Err("speed too large".into());
    }
    Ok(Speed::KilobytesPerSecond(kb.round().max(1.0) as u32))
}

/// Bytes with an optional suffix: K, M, G, T (1024-based, optionally
/// followed by `iB`) or `s` (2048-byte blocks), case-insensitive.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        return Err("expected a number of bytes, e.g. 700M, 4480M, 359847s".into());
    }
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{digits}` is too large"))?;
    let mult: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        "s" => 2048,
        "kb" | "mb" | "gb" | "tb" => {
            return Err(format!(
                "`{unit}` is ambiguous; use {}, which counts in 1024s, or plain bytes",
                &unit[..1].to_ascii_uppercase()
            ));
        }
        _ => {
            return Err(format!(
                "unknown unit `{unit}`; use K, M, G, T (1024-based) or s (2048-byte blocks)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn speeds() {
        assert_eq!(parse_speed("max"), Ok(Speed::Max));
        assert_eq!(parse_speed("MIN"), Ok(Speed::Min));
        assert_eq!(parse_speed("8x"), Ok(Speed::Times(8.0)));
        assert_eq!(parse_speed("2.4X"), Ok(Speed::Times(2.4)));
        assert_eq!(parse_speed("4000k"), Ok(Speed::KilobytesPerSecond(4000)));
        assert_eq!(parse_speed("11m"), Ok(Speed::KilobytesPerSecond(11000)));
        assert!(parse_speed("8").unwrap_err().contains("8x"));
        assert!(parse_speed("0x").is_err());
        assert!(parse_speed("-1x").is_err());
        assert!(parse_speed("fast").is_err());
        assert!(parse_speed("").is_err());
        assert!(parse_speed("nanx").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("2048"), Ok(2048));
        assert_eq!(parse_size("700M"), Ok(700 << 20));
        assert_eq!(parse_size("4g"), Ok(4 << 30));
        assert_eq!(parse_size("1KiB"), Ok(1024));
        assert_eq!(parse_size("359847s"), Ok(359_847 * 2048));
        assert_eq!(parse_size("1T"), Ok(1 << 40));
        assert!(parse_size("700MB").unwrap_err().contains("ambiguous"));
        assert!(parse_size("M").is_err());
        assert!(parse_size("12q").is_err());
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("20000000T").is_err());
    }

    #[test]
    fn addresses_are_checked_by_the_parser() {
        assert!(parse_address("/dev/sr0").is_ok());
        assert!(parse_address("stdio:x.iso").is_ok());
        let e = parse_address("sr0").unwrap_err();
        assert!(e.contains("/dev/sr0"), "{e}");
        // The reason alone, not "invalid drive address …" twice.
        assert!(!e.contains("invalid drive address"), "{e}");
    }

    #[test]
    fn md5_rock_and_joliet_default_on_and_last_flag_wins() {
        let parse = |args: &[&str]| {
            let mut v = vec!["burn", "mkiso", "-o", "x.iso"];
            v.extend_from_slice(args);
            v.push("dir");
            match Cli::try_parse_from(v).unwrap().command {
                Command::Mkiso(m) => (
                    m.image.md5.enabled(),
                    m.image.rock_ridge(),
                    m.image.joliet(),
                ),
                _ => unreachable!(),
            }
        };
        assert_eq!(parse(&[]), (true, true, true));
        assert_eq!(
            parse(&["--no-md5", "--no-rock", "--no-joliet"]),
            (false, false, false)
        );
        assert_eq!(parse(&["--no-md5", "--md5"]), (true, true, true));
        assert_eq!(parse(&["--md5", "--no-md5"]), (false, true, true));
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        for v in [
            vec!["burn", "--dev", "stdio:a.iso", "--json", "info"],
            vec!["burn", "info", "--dev", "stdio:a.iso", "--json"],
        ] {
            let cli = Cli::try_parse_from(v).unwrap();
            assert!(cli.global.json);
            assert_eq!(
                cli.global.dev.map(|d| d.to_string()).as_deref(),
                Some("stdio:a.iso")
            );
        }
    }

    #[test]
    fn verbose_and_quiet_conflict() {
        assert!(Cli::try_parse_from(["burn", "-v", "-q", "devices"]).is_err());
        let cli = Cli::try_parse_from(["burn", "-vv", "devices"]).unwrap();
        assert_eq!(cli.global.verbose, 2);
    }
}
