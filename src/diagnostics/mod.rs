//! Diagnostics: kernelized Stein discrepancy, MMD, mean log-density, orbit statistics.
