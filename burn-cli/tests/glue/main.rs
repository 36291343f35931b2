//! Integration tests of the burn-cli library over emulated recorders and
//! `stdio:` image files, with xorriso as the independent oracle.

mod util;

mod corruption;
mod faults;
mod images;
mod media_ops;
mod multisession;
mod peers;
mod rip;
