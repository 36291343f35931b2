//! Acceptance tests of the emulated recorder (`mmc::emul`): raw CDBs built
//! from the MMC-6 / SPC-4 tables, replies and sense codes checked against the
//! standard and `mmc-recipes.md`.

mod bd;
mod cd;
mod drive;
mod dvd_minus;
mod dvd_plus;
mod faults;
mod overwritable;
mod persist;
mod rom;
mod typed;
mod util;
