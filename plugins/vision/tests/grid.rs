//! PNG grids: the size round-trips through the file, labels and shapes are validated, writes are atomic.

use equistein_vision::{
    class_grid, Error, GridOptions, ImageGrid, Images, LabeledImages, CLASS_NAMES,
};
use std::fs::File;

fn decode(path: &std::path::Path) -> (u32, u32, png::ColorType, Vec<u8>) {
    let decoder = png::Decoder::new(File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, info.color_type, buf)
}

fn data(per_class: usize) -> LabeledImages {
    let n = per_class * 10;
    let pixels = (0..n * 784)
        .map(|i| ((i / 784) % 10) as f32 / 9.0)
        .collect();
    LabeledImages::new(
        Images::new(28, 28, 1, pixels).unwrap(),
        (0..n).map(|i| (i % 10) as u8).collect(),
    )
    .unwrap()
}

#[test]
fn a_class_grid_round_trips_its_size_and_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.png");
    let grid = class_grid(&data(6), 5, 10, Some(&CLASS_NAMES)).unwrap();
    assert_eq!(grid.len(), 10);
    let opts = GridOptions::default();
    grid.write_png(&path, &opts).unwrap();
    let raster = grid.render(&opts).unwrap();
    // label column: the longest name ("T-shirt/top", 11 characters) in the 4-pixel advance, times scale 2
    let label_w = (11 * 4 - 1) * 2 + 2;
    assert_eq!(raster.width, 2 + label_w + 5 * (28 * 2 + 2));
    assert_eq!(raster.height, 2 + 10 * (28 * 2 + 2));
    let (w, h, color, pixels) = decode(&path);
    assert_eq!(
        (w as usize, h as usize, color),
        (raster.width, raster.height, png::ColorType::Grayscale)
    );
    assert_eq!(pixels, raster.pixels);
    // the first image of class 9 is drawn in white, that of class 0 in black
    let y = 2 + 9 * 58 + 10;
    assert_eq!(pixels[y * raster.width + 2 + label_w + 10], 255);
    assert_eq!(pixels[(2 + 10) * raster.width + 2 + label_w + 10], 0);
    // the first row's label is drawn in black on the background, within the label column
    let label: Vec<u8> = (2..60)
        .flat_map(|y| pixels[y * raster.width + 2..y * raster.width + label_w].to_vec())
        .collect();
    assert!(label.iter().filter(|&&p| p == 0).count() > 40);
    assert!(label.iter().all(|&p| p == 0 || p == opts.background));
    // no temporary file is left behind
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("samples.png")]);
}

#[test]
fn unlabelled_rgb_rows_of_different_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rgb.png");
    let mut grid = ImageGrid::new(3, 3, 3).unwrap();
    grid.push_row(None, &[0.5; 27 * 4]).unwrap();
    grid.push_row(None, &[2.0; 27]).unwrap(); // clamped to white
    let opts = GridOptions {
        scale: 1,
        gap: 1,
        ..GridOptions::default()
    };
    grid.write_png(&path, &opts).unwrap();
    let (w, h, color, pixels) = decode(&path);
    assert_eq!((w, h, color), (1 + 4 * 4, 1 + 2 * 4, png::ColorType::Rgb));
    assert_eq!(
        &pixels[(1 + 4) * w as usize * 3 + 3..][..3],
        &[255, 255, 255]
    );
    // overwriting an existing file works (rename over it)
    grid.write_png(&path, &GridOptions { scale: 2, ..opts })
        .unwrap();
    assert_eq!(decode(&path).0, 1 + 4 * 7);
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(matches!(
        ImageGrid::new(2, 2, 2),
        Err(Error::InvalidParameter { .. })
    ));
    let mut grid = ImageGrid::new(2, 2, 1).unwrap();
    assert!(grid.render(&GridOptions::default()).is_err()); // empty
    assert!(matches!(
        grid.push_row(Some("x"), &[0.0; 5]),
        Err(Error::Mismatch { .. })
    ));
    grid.push_row(Some("x"), &[0.0; 4]).unwrap();
    let bad = GridOptions {
        range: (1.0, 1.0),
        ..GridOptions::default()
    };
    assert!(grid.render(&bad).is_err());
    let huge = GridOptions {
        scale: 1 << 20,
        ..GridOptions::default()
    };
    assert!(matches!(
        grid.render(&huge),
        Err(Error::InvalidParameter { .. })
    ));
    let err = grid
        .write_png("/nonexistent/dir/x.png", &GridOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/dir"), "{err}");
    assert!(class_grid(&data(1), 1, 10, Some(&CLASS_NAMES[..3])).is_err());
}
