//! Analytic targets: Gaussian, Gaussian mixtures (with a C_N-symmetric constructor), radial mixtures.
