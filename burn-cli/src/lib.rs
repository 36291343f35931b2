//! Where drives and images meet: streaming a new ISO session at the next
//! writable address, multisession emulation on overwritable media and
//! `stdio:` files, and checkread against MD5 tags — the layer between crate
//! `mmc` (drives) and crate `iso-writer` (images).
