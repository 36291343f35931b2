//! placeholder (to be written)
