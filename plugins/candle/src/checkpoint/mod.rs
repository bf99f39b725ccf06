//! Checkpoints: parameters, optimizer state, the persistent chain, the epoch, the RNG state and the run's
//! identity and counters in one safetensors file, written to a temporary file and renamed (atomic on POSIX
//! file systems), so that a killed run leaves the last good checkpoint and resumes bit-identically.
//!
//! Layout (format version [`FORMAT_VERSION`]):
//! - tensors `param/NAME` (the network's parameters), `adam/m/NAME`, `adam/v/NAME` (Adam's moments, once a step
//!   was taken), `adam/step`, `epoch` (8 little-endian bytes each), `chain` (`n × d`, absent before the first
//!   batch), `rng` ([`rng_state`]'s 56 bytes);
//! - header metadata `equistein.format`, `equistein.experiment`, `equistein.config` (the [`RunIdentity`]) and
//!   any extra `key → value` pairs (the trainer's counters).
//!
//! [`load`] checks the format, the identity and every parameter's name, shape and dtype before it changes
//! the model, and names the first field that disagrees ([`CheckpointError::Mismatch`]).

mod error;
mod rng;

pub use error::CheckpointError;
pub use rng::{rng_from_state, rng_state, RNG_STATE_BYTES};

use crate::energy::CandleEnergy;
use crate::float::Float;
use crate::head::Head;
use crate::network::Network;
use candle_core::{Device, Tensor};
use equistein::cd::CdState;
use equistein::{Energy, Particles};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The newest checkpoint format this build writes and reads. Version 1 (before the run identity and the
/// counters) had no header metadata and is refused.
pub const FORMAT_VERSION: u32 = 2;

const KEY_FORMAT: &str = "equistein.format";
const KEY_EXPERIMENT: &str = "equistein.experiment";
const KEY_CONFIG: &str = "equistein.config";

/// What a checkpoint must share with the run that resumes from it: the experiment's name and its
/// configuration (any text, e.g. TOML; compared line by line, so that a refusal names the first differing
/// `key = value` line).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunIdentity {
    /// The experiment (e.g. `jem-c4/ebm+svgd`).
    pub experiment: String,
    /// The configuration text, including the seed.
    pub config: String,
}

impl RunIdentity {
    /// An identity from its two parts.
    pub fn new(experiment: impl Into<String>, config: impl Into<String>) -> Self {
        RunIdentity {
            experiment: experiment.into(),
            config: config.into(),
        }
    }
}

/// What a checkpoint holds besides the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume<T: Float> {
    /// The driver's state (next epoch, persistent chain).
    pub state: CdState<T>,
    /// The RNG state, as written by [`rng_state`].
    pub rng: Vec<u8>,
    /// The run the checkpoint belongs to.
    pub identity: RunIdentity,
    /// Extra `key → value` pairs stored in the header (the trainer keeps its counters here).
    pub extra: BTreeMap<String, String>,
}

fn u64_tensor(v: u64) -> candle_core::Result<Tensor> {
    Tensor::from_vec(v.to_le_bytes().to_vec(), 8, &Device::Cpu)
}

fn corrupt(path: &Path, reason: impl Into<String>) -> CheckpointError {
    CheckpointError::Corrupt {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

fn read_u64(path: &Path, name: &str, t: &Tensor) -> Result<u64, CheckpointError> {
    let b = t
        .to_vec1::<u8>()
        .map_err(|e| corrupt(path, format!("`{name}`: {e}")))?;
    let arr: [u8; 8] = b
        .as_slice()
        .try_into()
        .map_err(|_| corrupt(path, format!("`{name}` must be 8 bytes, found {}", b.len())))?;
    Ok(u64::from_le_bytes(arr))
}

/// The path of the temporary file that [`save`] renames into `path`: `PATH.tmp`.
pub fn temporary_path(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    PathBuf::from(tmp)
}

/// Writes the model, the driver's and the RNG's state, the identity and the extra pairs to `path`,
/// atomically: the file is first written beside it as `PATH.tmp`, then renamed. The folder must exist.
pub fn save<T: Float, N: Network<T>, H: Head<T>, P: AsRef<Path>>(
    path: P,
    model: &CandleEnergy<T, N, H>,
    resume: &Resume<T>,
) -> Result<(), CheckpointError> {
    let path = path.as_ref();
    let bad = |e: candle_core::Error| corrupt(path, e.to_string());
    let mut map: HashMap<String, Tensor> = HashMap::new();
    let opt = model.optimizer();
    for (i, (name, var)) in model.parameters().iter().enumerate() {
        map.insert(format!("param/{name}"), var.as_tensor().clone());
        if let (Some(m), Some(v)) = (opt.m.get(i), opt.v.get(i)) {
            map.insert(format!("adam/m/{name}"), m.clone());
            map.insert(format!("adam/v/{name}"), v.clone());
        }
    }
    map.insert("adam/step".into(), u64_tensor(opt.step).map_err(bad)?);
    map.insert(
        "epoch".into(),
        u64_tensor(resume.state.epoch as u64).map_err(bad)?,
    );
    if let Some(c) = &resume.state.chain {
        map.insert(
            "chain".into(),
            Tensor::from_slice(c.as_slice(), (c.len(), c.dim()), &Device::Cpu).map_err(bad)?,
        );
    }
    map.insert(
        "rng".into(),
        Tensor::from_slice(&resume.rng, resume.rng.len(), &Device::Cpu).map_err(bad)?,
    );
    let mut meta: HashMap<String, String> = resume
        .extra
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    meta.insert(KEY_FORMAT.into(), FORMAT_VERSION.to_string());
    meta.insert(KEY_EXPERIMENT.into(), resume.identity.experiment.clone());
    meta.insert(KEY_CONFIG.into(), resume.identity.config.clone());
    let tmp = temporary_path(path);
    safetensors::serialize_to_file(&map, Some(meta), &tmp).map_err(|e| CheckpointError::Io {
        path: tmp.clone(),
        message: e.to_string(),
    })?;
    std::fs::rename(&tmp, path).map_err(|e| CheckpointError::Io {
        path: path.to_owned(),
        message: format!("renaming {}: {e}", tmp.display()),
    })
}

/// The first setting where two configuration texts (`key = value` lines, under optional `[table]` headers)
/// differ, as (`config: KEY`, found, expected): settings are matched by their dotted key, not by line number,
/// so a setting added or removed between versions is named itself (its value `(absent)` on one side) rather
/// than the lines after it.
fn config_difference(found: &str, expected: &str) -> (String, String, String) {
    fn settings(text: &str) -> Vec<(String, String)> {
        let mut table = String::new();
        let mut out = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                table = format!("{}.", name.trim());
            } else if let Some((k, v)) = line.split_once('=') {
                out.push((format!("{table}{}", k.trim()), v.trim().to_owned()));
            } else {
                out.push((format!("{table}{line}"), String::new()));
            }
        }
        out
    }
    let (a, b) = (settings(found), settings(expected));
    let lookup = |list: &[(String, String)], key: &str| {
        list.iter()
            .find(|(k, _)| k == key)
            .map_or_else(|| "(absent)".to_owned(), |(_, v)| v.clone())
    };
    for (k, v) in &b {
        let f = lookup(&a, k);
        if &f != v {
            return (format!("config: {k}"), f, v.clone());
        }
    }
    for (k, v) in &a {
        if !b.iter().any(|(kb, _)| kb == k) {
            return (format!("config: {k}"), v.clone(), "(absent)".into());
        }
    }
    // Equal settings in another order (or duplicated keys): name the text.
    ("config".into(), found.to_owned(), expected.to_owned())
}

/// Reads a checkpoint written by [`save`] into `model` (parameters and optimizer state) and returns the
/// rest. Refuses, before changing the model, a file of another format version, another identity than
/// `expected`, or other parameter names, shapes or dtypes, naming the field.
pub fn load<T: Float, N: Network<T>, H: Head<T>, P: AsRef<Path>>(
    path: P,
    model: &mut CandleEnergy<T, N, H>,
    expected: &RunIdentity,
) -> Result<Resume<T>, CheckpointError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| CheckpointError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes)
        .map_err(|e| corrupt(path, format!("not a safetensors file: {e}")))?;
    let mut meta: BTreeMap<String, String> = header
        .metadata()
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let format = meta
        .remove(KEY_FORMAT)
        .unwrap_or_else(|| "1 (no header)".into());
    if format.parse::<u32>().ok() != Some(FORMAT_VERSION) {
        return Err(CheckpointError::Format {
            path: path.to_owned(),
            found: format,
            supported: FORMAT_VERSION,
        });
    }
    let mismatch = |field: String, found: String, expected: String| CheckpointError::Mismatch {
        path: path.to_owned(),
        field,
        found,
        expected,
    };
    let identity = RunIdentity {
        experiment: meta.remove(KEY_EXPERIMENT).unwrap_or_default(),
        config: meta.remove(KEY_CONFIG).unwrap_or_default(),
    };
    if identity.experiment != expected.experiment {
        return Err(mismatch(
            "experiment".into(),
            identity.experiment,
            expected.experiment.clone(),
        ));
    }
    if identity.config != expected.config {
        let (field, found, want) = config_difference(&identity.config, &expected.config);
        return Err(mismatch(field, found, want));
    }
    let map = candle_core::safetensors::load_buffer(&bytes, &Device::Cpu)
        .map_err(|e| corrupt(path, e.to_string()))?;
    let get = |k: &str| -> Result<&Tensor, CheckpointError> {
        map.get(k)
            .ok_or_else(|| corrupt(path, format!("no tensor `{k}`")))
    };
    // Every parameter: present, same shape and dtype; and no parameter the model lacks.
    let shape = |t: &Tensor| format!("{:?} {:?}", t.dims(), t.dtype());
    for (name, var) in model.parameters() {
        let want = shape(var.as_tensor());
        match map.get(&format!("param/{name}")) {
            None => {
                return Err(mismatch(
                    format!("parameter `{name}`"),
                    "(absent)".into(),
                    want,
                ))
            }
            Some(t) if shape(t) != want => {
                return Err(mismatch(format!("parameter `{name}`"), shape(t), want))
            }
            Some(_) => {}
        }
    }
    let known: Vec<String> = model
        .parameters()
        .iter()
        .map(|(n, _)| format!("param/{n}"))
        .collect();
    if let Some(extra) = map
        .keys()
        .filter(|k| k.starts_with("param/"))
        .find(|k| !known.contains(k))
    {
        return Err(mismatch(
            format!("parameter `{}`", &extra["param/".len()..]),
            shape(&map[extra]),
            "(absent)".into(),
        ));
    }
    let step = read_u64(path, "adam/step", get("adam/step")?)?;
    let epoch = read_u64(path, "epoch", get("epoch")?)? as usize;
    let chain = match map.get("chain") {
        Some(c) => {
            let (_, d) = c
                .dims2()
                .map_err(|e| corrupt(path, format!("`chain`: {e}")))?;
            if d != Energy::dim(&*model) {
                return Err(mismatch(
                    "chain dimension".into(),
                    d.to_string(),
                    Energy::dim(&*model).to_string(),
                ));
            }
            let v = c
                .flatten_all()
                .and_then(|t| t.to_vec1::<T>())
                .map_err(|e| corrupt(path, format!("`chain`: {e}")))?;
            Some(
                Particles::from_rows(d, &v).map_err(|error| CheckpointError::Core {
                    path: path.to_owned(),
                    error,
                })?,
            )
        }
        None => None,
    };
    let rng = get("rng")?
        .to_vec1::<u8>()
        .map_err(|e| corrupt(path, format!("`rng`: {e}")))?;
    if rng.len() != RNG_STATE_BYTES {
        return Err(corrupt(
            path,
            format!("`rng` has {} bytes, expected {RNG_STATE_BYTES}", rng.len()),
        ));
    }
    let mut ms = Vec::new();
    let mut vs = Vec::new();
    if step > 0 {
        for (name, var) in model.parameters() {
            let want = shape(var.as_tensor());
            for (kind, into) in [("m", &mut ms), ("v", &mut vs)] {
                let t = get(&format!("adam/{kind}/{name}"))?;
                if shape(t) != want {
                    return Err(mismatch(
                        format!("adam/{kind}/{name}"),
                        shape(t),
                        want.clone(),
                    ));
                }
                into.push(
                    t.to_device(var.device())
                        .map_err(|e| corrupt(path, e.to_string()))?,
                );
            }
        }
    }
    // Everything checked: now change the model.
    for (name, var) in model.parameters() {
        // Checkpoints load on the CPU; the parameter may live on another device.
        get(&format!("param/{name}"))?
            .to_device(var.device())
            .and_then(|t| var.set(&t))
            .map_err(|e| corrupt(path, format!("parameter `{name}`: {e}")))?;
    }
    let opt = model.optimizer_mut();
    opt.step = step;
    opt.m = ms;
    opt.v = vs;
    model.refresh().map_err(|error| CheckpointError::Core {
        path: path.to_owned(),
        error,
    })?;
    Ok(Resume {
        state: CdState { epoch, chain },
        rng,
        identity,
        extra: meta,
    })
}
