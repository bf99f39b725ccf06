//! DW-4 for equistein (work in progress).
