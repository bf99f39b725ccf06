//! PNG grids of images: one row per class (or any grouping), an optional text label at the left of each row.
//!
//! Layout, in output pixels, with `s` = [`GridOptions::scale`] and `g` = [`GridOptions::gap`]:
//!
//! ```text
//! width  = g + L + C·(cols·s + g)         L = label column: 0 without labels, else (4·chars − 1)·s + g
//! height = g + R·(rows·s + g)             R rows of images, C = the longest row's image count
//! ```
//!
//! Every image pixel becomes an `s × s` block; values map linearly from [`GridOptions::range`] to 0–255 and are
//! clamped (NaN becomes 0). One-channel images give a grayscale PNG, three-channel images an RGB PNG. Labels are
//! drawn in black in a 3 × 5 pixel font at `s` output pixels per font pixel. The PNG is written atomically: to a
//! temporary file in the same folder, then renamed over the target.

use crate::dataset::LabeledImages;
use crate::error::{io_error, Error, Result};
use crate::font;
use crate::images::Images;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// The largest raster (bytes) a grid renders, 256 MiB; larger grids are refused with an error.
pub const MAX_RASTER_BYTES: usize = 1 << 28;

/// How a grid is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridOptions {
    /// Output pixels per image pixel (and per font pixel), at least 1. Default 2.
    pub scale: u32,
    /// Blank output pixels between and around images. Default 2.
    pub gap: u32,
    /// The values drawn as black and white, `lo < hi`. Default `(0, 1)`, the range of images read from IDX.
    pub range: (f32, f32),
    /// The gray level of the gaps and the label column. Default 160.
    pub background: u8,
}

impl Default for GridOptions {
    fn default() -> Self {
        GridOptions {
            scale: 2,
            gap: 2,
            range: (0.0, 1.0),
            background: 160,
        }
    }
}

/// A rendered grid: `height` rows of `width` pixels of `channels` bytes (1 gray, 3 RGB), row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raster {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Bytes per pixel: 1 (grayscale) or 3 (RGB).
    pub channels: usize,
    /// The pixels, `height · width · channels` bytes.
    pub pixels: Vec<u8>,
}

/// Rows of images to draw as one picture. A row is any flat buffer of whole images: an [`Images`], the images
/// of one class, or SVGD samples held as core particles (`push_row(Some(name), particles.as_slice())`, since a
/// particle is one image in the same layout).
///
/// ```
/// use equistein_vision::{GridOptions, ImageGrid};
/// let mut grid = ImageGrid::new(2, 2, 1)?;
/// grid.push_row(Some("0"), &[0.0, 1.0, 1.0, 0.0, 0.5, 0.5, 0.5, 0.5])?; // two 2 × 2 images
/// let raster = grid.render(&GridOptions::default())?;
/// // gap 2, label column (4·1 − 1)·2 + 2, two cells of 2·2 + 2; one row of 2·2 + 2 under a gap of 2
/// assert_eq!((raster.width, raster.height), (2 + 8 + 2 * 6, 2 + 6));
/// # Ok::<(), equistein_vision::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ImageGrid {
    rows: usize,
    cols: usize,
    channels: usize,
    lines: Vec<(Option<String>, Vec<f32>)>,
}

impl ImageGrid {
    /// An empty grid of `channels × rows × cols` images (channels 1 or 3).
    pub fn new(rows: usize, cols: usize, channels: usize) -> Result<Self> {
        if rows == 0 || cols == 0 || !(channels == 1 || channels == 3) {
            return Err(Error::InvalidParameter {
                name: "grid image shape",
                reason: format!(
                    "rows and cols must be positive and channels 1 or 3, got {rows} × {cols} × {channels}"
                ),
            });
        }
        Ok(ImageGrid {
            rows,
            cols,
            channels,
            lines: Vec::new(),
        })
    }

    /// An empty grid for images of the shape of `images`.
    pub fn for_images(images: &Images) -> Result<Self> {
        Self::new(images.rows(), images.cols(), images.channels())
    }

    /// Appends a row of images given as one flat buffer (a whole number of images, layout of [`Images`]).
    pub fn push_row(&mut self, label: Option<&str>, images: &[f32]) -> Result<()> {
        let p = self.rows * self.cols * self.channels;
        if !images.len().is_multiple_of(p) {
            return Err(Error::Mismatch {
                what: "grid row",
                reason: format!(
                    "{} values are not a whole number of {} × {} × {} images",
                    images.len(),
                    self.channels,
                    self.rows,
                    self.cols
                ),
            });
        }
        self.lines.push((label.map(str::to_owned), images.to_vec()));
        Ok(())
    }

    /// Appends a row holding `images` (which must have the grid's shape).
    pub fn push_images(&mut self, label: Option<&str>, images: &Images) -> Result<()> {
        if (images.rows(), images.cols(), images.channels())
            != (self.rows, self.cols, self.channels)
        {
            return Err(Error::Mismatch {
                what: "grid row",
                reason: format!(
                    "images of {} × {} × {}, the grid holds {} × {} × {}",
                    images.channels(),
                    images.rows(),
                    images.cols(),
                    self.channels,
                    self.rows,
                    self.cols
                ),
            });
        }
        self.push_row(label, images.as_slice())
    }

    /// The number of rows pushed.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Draws the grid; errors when it is empty, the options are invalid or it exceeds [`MAX_RASTER_BYTES`].
    pub fn render(&self, options: &GridOptions) -> Result<Raster> {
        let (lo, hi) = options.range;
        if options.scale == 0 || !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(Error::InvalidParameter {
                name: "grid options",
                reason: format!(
                    "scale must be at least 1 and the range finite with lo < hi, got scale {} and range ({lo}, {hi})",
                    options.scale
                ),
            });
        }
        if self.lines.is_empty() {
            return Err(Error::InvalidParameter {
                name: "grid",
                reason: "no rows to draw".into(),
            });
        }
        let s = options.scale as usize;
        let g = options.gap as usize;
        let p = self.rows * self.cols * self.channels;
        let max_imgs = self
            .lines
            .iter()
            .map(|(_, v)| v.len() / p)
            .max()
            .unwrap_or(0);
        let max_chars = self
            .lines
            .iter()
            .filter_map(|(l, _)| l.as_ref().map(|l| l.chars().count()))
            .max();
        let too_large = || Error::InvalidParameter {
            name: "grid",
            reason: format!("the picture would exceed {MAX_RASTER_BYTES} bytes"),
        };
        let label_w = match max_chars {
            Some(n) if n > 0 => (n.checked_mul(font::ADVANCE).ok_or_else(too_large)? - 1)
                .checked_mul(s)
                .and_then(|w| w.checked_add(g))
                .ok_or_else(too_large)?,
            _ => 0,
        };
        let cell_w = self
            .cols
            .checked_mul(s)
            .and_then(|w| w.checked_add(g))
            .ok_or_else(too_large)?;
        let cell_h = self
            .rows
            .checked_mul(s)
            .and_then(|h| h.checked_add(g))
            .ok_or_else(too_large)?;
        let width = max_imgs
            .checked_mul(cell_w)
            .and_then(|w| w.checked_add(g + label_w))
            .ok_or_else(too_large)?;
        let height = self
            .lines
            .len()
            .checked_mul(cell_h)
            .and_then(|h| h.checked_add(g))
            .ok_or_else(too_large)?;
        let bytes = width
            .checked_mul(height)
            .and_then(|b| b.checked_mul(self.channels))
            .filter(|&b| {
                b <= MAX_RASTER_BYTES && width <= u32::MAX as usize && height <= u32::MAX as usize
            })
            .ok_or_else(too_large)?;

        let mut px = vec![options.background; bytes];
        let c = self.channels;
        let plane = self.rows * self.cols;
        let to_byte = |v: f32| -> u8 {
            let t = ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
            if t.is_nan() {
                0
            } else {
                (t * 255.0).round() as u8
            }
        };
        for (row, (label, data)) in self.lines.iter().enumerate() {
            let top = g + row * cell_h;
            if let Some(label) = label {
                let text_top = top + (self.rows * s).saturating_sub(font::HEIGHT * s) / 2;
                for (k, ch) in label.chars().enumerate() {
                    for fy in 0..font::HEIGHT {
                        for fx in 0..font::WIDTH {
                            if !font::is_set(ch, fy, fx) {
                                continue;
                            }
                            for dy in 0..s {
                                for dx in 0..s {
                                    let y = text_top + fy * s + dy;
                                    let x = g + (k * font::ADVANCE + fx) * s + dx;
                                    if y < height && x < width {
                                        let o = (y * width + x) * c;
                                        px[o..o + c].fill(0);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for (j, img) in data.chunks_exact(p).enumerate() {
                let left = g + label_w + j * cell_w;
                for r in 0..self.rows * s {
                    for col in 0..self.cols * s {
                        let src = (r / s) * self.cols + col / s;
                        let o = ((top + r) * width + left + col) * c;
                        for ch in 0..c {
                            px[o + ch] = to_byte(img[ch * plane + src]);
                        }
                    }
                }
            }
        }
        Ok(Raster {
            width,
            height,
            channels: c,
            pixels: px,
        })
    }

    /// Draws the grid and writes it to `path` as a PNG, atomically (a temporary file in the same folder, then
    /// a rename); the folder must exist.
    pub fn write_png(&self, path: impl AsRef<Path>, options: &GridOptions) -> Result<()> {
        let raster = self.render(options)?;
        write_png(path.as_ref(), &raster)
    }
}

/// A grid of the first `per_class` images of each class `0..classes` of `data`, one row per class, labelled with
/// `names[class]` when names are given (classes with fewer images get shorter rows).
pub fn class_grid(
    data: &LabeledImages,
    per_class: usize,
    classes: usize,
    names: Option<&[&str]>,
) -> Result<ImageGrid> {
    if let Some(names) = names {
        if names.len() < classes {
            return Err(Error::InvalidParameter {
                name: "class names",
                reason: format!("{} names for {classes} classes", names.len()),
            });
        }
    }
    let mut grid = ImageGrid::for_images(data.images())?;
    for class in 0..classes {
        let idx: Vec<usize> = (0..data.len())
            .filter(|&i| usize::from(data.labels()[i]) == class)
            .take(per_class)
            .collect();
        let imgs = data.images().select(&idx)?;
        grid.push_images(names.map(|n| n[class]), &imgs)?;
    }
    Ok(grid)
}

/// Writes `raster` to `path` as an 8-bit PNG, atomically (temporary file in the same folder, then rename).
pub fn write_png(path: &Path, raster: &Raster) -> Result<()> {
    let color = match raster.channels {
        1 => png::ColorType::Grayscale,
        3 => png::ColorType::Rgb,
        c => {
            return Err(Error::InvalidParameter {
                name: "raster channels",
                reason: format!("1 or 3, got {c}"),
            })
        }
    };
    if raster.pixels.len() != raster.width * raster.height * raster.channels
        || raster.width == 0
        || raster.height == 0
        || raster.width > u32::MAX as usize
        || raster.height > u32::MAX as usize
    {
        return Err(Error::Mismatch {
            what: "raster",
            reason: format!(
                "{} bytes for {} × {} × {} (sizes must be positive)",
                raster.pixels.len(),
                raster.width,
                raster.height,
                raster.channels
            ),
        });
    }
    let name = path.file_name().ok_or_else(|| Error::InvalidParameter {
        name: "PNG path",
        reason: format!("{} has no file name", path.display()),
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = encode(&tmp, path, raster, color).and_then(|()| {
        std::fs::rename(&tmp, path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            source: e,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn encode(tmp: &Path, target: &Path, raster: &Raster, color: png::ColorType) -> Result<()> {
    let file = File::create(tmp).map_err(|e| io_error("folder for the PNG", tmp, e))?;
    let mut out = BufWriter::new(file);
    let png_err = |e: png::EncodingError| Error::Png {
        path: target.to_path_buf(),
        reason: e.to_string(),
    };
    let mut enc = png::Encoder::new(&mut out, raster.width as u32, raster.height as u32);
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(png_err)?;
    writer.write_image_data(&raster.pixels).map_err(png_err)?;
    writer.finish().map_err(png_err)?;
    let file = out.into_inner().map_err(|e| Error::Io {
        path: tmp.to_path_buf(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(|e| Error::Io {
        path: tmp.to_path_buf(),
        source: e,
    })?;
    Ok(())
}
