//! Images for equistein: the FashionMNIST IDX reader, exact C4 rotations of square images as a core
//! [`equistein::Group`], the rotated test set, and PNG grids of images.
//!
//! | module | what |
//! |---|---|
//! | [`idx`] | the IDX reader (raw or gzip, detected from the content), validated before allocating |
//! | [`images`] | [`Images`]: a batch of `c × rows × cols` images in one flat `f32` buffer, as core particles |
//! | [`dataset`] | [`LabeledImages`]: images with labels; seeded subsets (`n` per class, `n` at random, the first `n`) |
//! | [`fashion`] | [`FashionMnist`]: the folder of the four official files, class names |
//! | [`rotate`] | exact quarter turns of square images (index permutations) |
//! | [`group`] | [`ImageRotations`]: C4 acting on images as a core [`equistein::FiniteGroup`]; [`CanonicalRotation`], its orbit map |
//! | [`rotated_set`] | [`RotatedSet`]: each image turned by a seeded random multiple of 90°, the multiple recorded |
//! | [`grid`] | [`ImageGrid`]: PNG grids of images, one row per class, optional row labels, written atomically |
//!
//! E-SVGD in image space is the core's SVGD with the group-averaged kernel over [`ImageRotations`]:
//!
//! ```
//! use equistein::kernel::{GroupAveraged, Rbf, ScalarKernel};
//! use equistein_vision::{rotate, ImageRotations};
//!
//! let c4 = ImageRotations::new(3, 1)?; // 3 × 3 images, one channel
//! let k = GroupAveraged::new(c4, Rbf::fixed(1.0f32)?);
//! let x = [0.1, 0.9, 0.2, 0.4, 0.3, 0.7, 0.0, 0.5, 0.6];
//! let y = [0.8, 0.2, 0.1, 0.0, 0.6, 0.3, 0.9, 0.4, 0.5];
//! let y_turned = rotate::rotate(&y, 3, 1, 1)?; // y turned 90° counterclockwise
//! assert!((k.eval(&x, &y) - k.eval(&x, &y_turned)).abs() < 1e-6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod dataset;
pub mod error;
pub mod fashion;
mod font;
pub mod grid;
pub mod group;
pub mod idx;
pub mod images;
pub mod rotate;
pub mod rotated_set;

pub use dataset::LabeledImages;
pub use error::{Error, Result};
pub use fashion::{FashionMnist, Split, CLASS_NAMES};
pub use grid::{class_grid, GridOptions, ImageGrid, Raster};
pub use group::{CanonicalRotation, ImageRotations};
pub use idx::{read_idx, read_labels, IdxArray, IdxLimits};
pub use images::Images;
pub use rotated_set::RotatedSet;
