//! The FashionMNIST folder: the four official IDX files (Xiao, Rasul & Vollgraf 2017).

use crate::dataset::LabeledImages;
use crate::error::{Error, Result};
use crate::idx::read_labels;
use crate::images::Images;
use std::path::{Path, PathBuf};

/// Image side in pixels.
pub const SIDE: usize = 28;
/// Values per image, `28 × 28`.
pub const PIXELS: usize = SIDE * SIDE;
/// The number of classes.
pub const CLASSES: usize = 10;
/// The class names, by label.
pub const CLASS_NAMES: [&str; CLASSES] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];
/// The official file name of the 60,000 training images.
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte.gz";
/// The official file name of the 60,000 training labels.
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte.gz";
/// The official file name of the 10,000 test images.
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte.gz";
/// The official file name of the 10,000 test labels.
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte.gz";

/// The training or the test split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// 60,000 images, 6,000 per class.
    Train,
    /// 10,000 images, 1,000 per class.
    Test,
}

/// A FashionMNIST folder whose four files were found.
///
/// Each file is looked up under its official name (`….gz`) and, failing that, without the `.gz` (a decompressed
/// copy); the content decides whether it is decompressed, not the name. Images come as `pixel / 255` in `[0, 1]`,
/// 28 × 28, one channel; labels `0..10` (see [`CLASS_NAMES`]).
///
/// ```no_run
/// use equistein_vision::fashion::{FashionMnist, Split};
/// let data = FashionMnist::open("../shared/data/fashion_mnist")?;
/// let test = data.load(Split::Test)?;
/// assert_eq!(test.len(), 10_000);
/// # Ok::<(), equistein_vision::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FashionMnist {
    dir: PathBuf,
    train_images: PathBuf,
    train_labels: PathBuf,
    test_images: PathBuf,
    test_labels: PathBuf,
}

impl FashionMnist {
    /// Finds the four files in `dir`; errors with [`Error::Missing`] naming the folder or the first missing file.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(Error::Missing {
                what: "FashionMNIST folder",
                path: dir.to_path_buf(),
            });
        }
        Ok(FashionMnist {
            dir: dir.to_path_buf(),
            train_images: locate(dir, TRAIN_IMAGES)?,
            train_labels: locate(dir, TRAIN_LABELS)?,
            test_images: locate(dir, TEST_IMAGES)?,
            test_labels: locate(dir, TEST_LABELS)?,
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The image and label files of a split.
    pub fn files(&self, split: Split) -> (&Path, &Path) {
        match split {
            Split::Train => (&self.train_images, &self.train_labels),
            Split::Test => (&self.test_images, &self.test_labels),
        }
    }

    /// Reads a split: its images (28 × 28, checked) and labels (`< 10`, checked, as many as images).
    pub fn load(&self, split: Split) -> Result<LabeledImages> {
        let (img_path, lab_path) = self.files(split);
        let images = Images::read_idx(img_path)?;
        if images.rows() != SIDE || images.cols() != SIDE {
            return Err(Error::Dimensions {
                path: img_path.to_path_buf(),
                reason: format!(
                    "FashionMNIST images are 28 × 28, found {} × {}",
                    images.rows(),
                    images.cols()
                ),
            });
        }
        let labels = read_labels(lab_path)?;
        if let Some(i) = labels.iter().position(|&l| usize::from(l) >= CLASSES) {
            return Err(Error::Mismatch {
                what: "FashionMNIST labels",
                reason: format!(
                    "{}: label {} at index {i} is not below {CLASSES}",
                    lab_path.display(),
                    labels[i]
                ),
            });
        }
        LabeledImages::new(images, labels).map_err(|e| match e {
            Error::Mismatch { what, reason } => Error::Mismatch {
                what,
                reason: format!(
                    "{reason} ({} and {})",
                    img_path.display(),
                    lab_path.display()
                ),
            },
            e => e,
        })
    }

    /// The training split (60,000 images).
    pub fn train(&self) -> Result<LabeledImages> {
        self.load(Split::Train)
    }

    /// The test split (10,000 images).
    pub fn test(&self) -> Result<LabeledImages> {
        self.load(Split::Test)
    }
}

fn locate(dir: &Path, name: &str) -> Result<PathBuf> {
    let gz = dir.join(name);
    if gz.is_file() {
        return Ok(gz);
    }
    let raw = dir.join(name.trim_end_matches(".gz"));
    if raw.is_file() {
        return Ok(raw);
    }
    Err(Error::Missing {
        what: "FashionMNIST file",
        path: gz,
    })
}
