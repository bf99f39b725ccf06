//! What `fashion-mnist` measures of a trained JEM: the classifier `argmax_y f(x)_y` on image sets, its
//! cross-entropy, per-class accuracies, and class-conditional samples.

use super::ebm_training::Learned;
use super::training_summary::TrainingSummary;
use super::RunError;
use crate::config::{Combination, FashionEvaluation, FashionMnistConfig};
use equistein::{random, Particles};
use equistein_candle::train::RunCounters;
use equistein_candle::JemHead;
use equistein_vision::fashion::{CLASSES, PIXELS};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// The classifier's output on a set of images.
#[derive(Debug, Clone)]
pub struct Classified {
    /// `argmax_y f(x_i)_y` of each image (the first of equal maxima); [`usize::MAX`] when a logit is not finite.
    pub predictions: Vec<usize>,
    /// `log p(y | x_i) = f(x_i)_y − logsumexp f(x_i)`, 10 per image.
    pub log_probabilities: Vec<f64>,
}

/// Classifies `pixels` (a whole number of `28 × 28` images), `batch` images at a time.
pub fn classify(
    learned: &dyn Learned,
    pixels: &[f32],
    batch: usize,
) -> Result<Classified, RunError> {
    let mut predictions = Vec::with_capacity(pixels.len() / PIXELS);
    let mut log_probabilities = Vec::with_capacity(pixels.len() / PIXELS * CLASSES);
    for chunk in pixels.chunks(batch.max(1) * PIXELS) {
        let x = Particles::from_rows(PIXELS, chunk).map_err(|e| RunError::core("images", e))?;
        let logits = learned
            .outputs(&x)
            .map_err(|e| RunError::core("logits", e))?;
        for l in logits.chunks_exact(CLASSES) {
            let l: Vec<f64> = l.iter().map(|&v| f64::from(v)).collect();
            let prediction = if l.iter().all(|v| v.is_finite()) {
                (0..CLASSES).fold(0, |best, k| if l[k] > l[best] { k } else { best })
            } else {
                usize::MAX
            };
            predictions.push(prediction);
            log_probabilities.extend(JemHead::log_probabilities(&l));
        }
    }
    Ok(Classified {
        predictions,
        log_probabilities,
    })
}

/// Accuracy and cross-entropy of a classified labelled set.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// The fraction of images whose prediction is their label.
    pub accuracy: f64,
    /// `mean_i −log p(y_i | x_i)`.
    pub cross_entropy: f64,
    /// The accuracy on the images of each class (NaN for a class without images).
    pub per_class: Vec<f64>,
}

impl Classification {
    /// The statistics of `c` against `labels` (one per image).
    pub fn new(c: &Classified, labels: &[u8]) -> Self {
        let mut hits = [0usize; CLASSES];
        let mut seen = [0usize; CLASSES];
        let mut ce = 0.0;
        for (i, (&p, &y)) in c.predictions.iter().zip(labels).enumerate() {
            let y = usize::from(y).min(CLASSES - 1);
            seen[y] += 1;
            hits[y] += usize::from(p == y);
            ce -= c.log_probabilities[i * CLASSES + y];
        }
        let n = labels.len().max(1) as f64;
        Classification {
            accuracy: hits.iter().sum::<usize>() as f64 / n,
            cross_entropy: ce / n,
            per_class: hits
                .iter()
                .zip(&seen)
                .map(|(&h, &s)| h as f64 / s as f64)
                .collect(),
        }
    }
}

/// The fraction of positions where `a` and `b` agree (`a[i]` and `b[i]`: the classes of an upright image and of
/// its rotated copy).
pub fn agreement(a: &[usize], b: &[usize]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// Class-conditional samples: for each class `y`, one chain of `samples_per_class` particles started uniform on
/// `[0, 1)^784` and moved by the combination's sampler for `steps` steps on `E(x | y) = −f(x)_y` (the density
/// `∝ exp(f(x)_y)`). Class `y`'s samples are rows `y · samples_per_class ..`.
pub fn conditional_samples(
    learned: &dyn Learned,
    e: &FashionEvaluation,
    rng: &mut ChaCha8Rng,
) -> Result<Particles<f32>, RunError> {
    let n = e.samples_per_class;
    let mut flat = Vec::with_capacity(CLASSES * n * PIXELS);
    for y in 0..CLASSES {
        let mut p = Particles::from_fn(PIXELS, n, |_, _| random::uniform(rng, 0.0f32, 1.0));
        learned
            .sample(&mut p, Some(y), e.steps, e.step_size as f32, rng)
            .map_err(|e| RunError::core("class-conditional sampling", e))?;
        flat.extend_from_slice(p.as_slice());
    }
    Particles::from_rows(PIXELS, &flat).map_err(|e| RunError::core("samples", e))
}

/// One combination's record in `metrics.json`.
#[derive(Debug, Clone, Serialize)]
pub struct FashionRecord {
    /// Accuracy of `argmax_y f(x)_y` on the upright test images.
    pub test_accuracy: f64,
    /// Mean `−log p(y | x)` on the upright test images.
    pub test_cross_entropy: f64,
    /// Accuracy per class (by label) on the upright test images.
    pub per_class_accuracy: Vec<f64>,
    /// Accuracy on the test images turned by random multiples of 90°.
    pub rotated_test_accuracy: f64,
    /// Mean `−log p(y | x)` on the rotated test images.
    pub rotated_test_cross_entropy: f64,
    /// Accuracy per class on the rotated test images.
    pub rotated_per_class_accuracy: Vec<f64>,
    /// The fraction of rotated test images classified exactly as their upright original (1 for a classifier
    /// invariant under quarter turns).
    pub predictions_equal: f64,
    /// Accuracy on the training images.
    pub train_accuracy: f64,
    /// Class-conditional samples drawn (all classes).
    pub samples: usize,
    /// The fraction of the class-`y` samples that the model classifies as `y`.
    pub samples_classified_as_their_class: f64,
    /// SVGD steps per minibatch during training.
    pub svgd_steps_per_minibatch: usize,
    /// The bandwidth h of the training and sampling kernel.
    pub bandwidth: f64,
    /// The training's cost and end state (the CD term of the loss in f32, as the trainer computed it).
    #[serde(flatten)]
    pub training: TrainingSummary,
    /// The last epoch's supervised (cross-entropy) term.
    pub final_supervised_loss: f64,
    /// Seconds of evaluation (classifying the test, rotated test and training sets; sampling).
    pub evaluation_seconds: f64,
}

impl FashionRecord {
    /// The record of a trained combination: its training counters, its classification of the upright and the
    /// rotated test set; the other statistics start at 0 and are filled in by the caller.
    pub fn new(
        counters: &RunCounters,
        upright: Classification,
        rotated: Classification,
        c: &FashionMnistConfig,
        combination: Combination,
    ) -> Self {
        let supervised = counters.last_loss.map(|l| l.supervised).unwrap_or(f64::NAN);
        FashionRecord {
            test_accuracy: upright.accuracy,
            test_cross_entropy: upright.cross_entropy,
            per_class_accuracy: upright.per_class,
            rotated_test_accuracy: rotated.accuracy,
            rotated_test_cross_entropy: rotated.cross_entropy,
            rotated_per_class_accuracy: rotated.per_class,
            predictions_equal: 0.0,
            train_accuracy: 0.0,
            samples: 0,
            samples_classified_as_their_class: 0.0,
            svgd_steps_per_minibatch: c.steps_of(combination),
            bandwidth: if combination.equivariant_sampler() {
                c.esvgd_bandwidth
            } else {
                c.bandwidth
            },
            training: TrainingSummary::of(counters),
            final_supervised_loss: supervised,
            evaluation_seconds: 0.0,
        }
    }
}
