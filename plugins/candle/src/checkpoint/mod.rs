//! Checkpoints: parameters, optimizer state, the persistent chain, the epoch and the RNG state in one
//! safetensors file, written to a temporary file and renamed (atomic on POSIX file systems).

use crate::energy::CandleEnergy;
use crate::float::{candle_err, Float};
use crate::head::Head;
use crate::network::Network;
use candle_core::{Device, Tensor};
use equistein::cd::CdState;
use equistein::{Error, Particles, Result};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::path::Path;

/// What a checkpoint holds besides the model: the driver's state and the RNG's.
#[derive(Debug, Clone, PartialEq)]
pub struct Resume<T: Float> {
    /// The driver's state (next epoch, persistent chain).
    pub state: CdState<T>,
    /// The RNG state, as written by [`rng_state`].
    pub rng: Vec<u8>,
}

/// The state of a ChaCha8 RNG: seed (32 bytes), stream (8), word position (16), little-endian.
pub fn rng_state(rng: &ChaCha8Rng) -> Vec<u8> {
    let mut v = rng.get_seed().to_vec();
    v.extend_from_slice(&rng.get_stream().to_le_bytes());
    v.extend_from_slice(&rng.get_word_pos().to_le_bytes());
    v
}

/// The RNG from [`rng_state`]'s bytes.
pub fn rng_from_state(bytes: &[u8]) -> Result<ChaCha8Rng> {
    use rand_core::SeedableRng;
    if bytes.len() != 56 {
        return Err(Error::InvalidParameter {
            name: "RNG state",
            reason: format!("expected 56 bytes, found {}", bytes.len()),
        });
    }
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&bytes[..32]);
    let mut rng = ChaCha8Rng::from_seed(seed);
    let mut s = [0u8; 8];
    s.copy_from_slice(&bytes[32..40]);
    rng.set_stream(u64::from_le_bytes(s));
    let mut w = [0u8; 16];
    w.copy_from_slice(&bytes[40..56]);
    rng.set_word_pos(u128::from_le_bytes(w));
    Ok(rng)
}

fn u64_tensor(v: u64) -> Result<Tensor> {
    Tensor::from_vec(v.to_le_bytes().to_vec(), 8, &Device::Cpu).map_err(candle_err)
}

fn read_u64(t: &Tensor) -> Result<u64> {
    let b = t.to_vec1::<u8>().map_err(candle_err)?;
    let arr: [u8; 8] = b
        .as_slice()
        .try_into()
        .map_err(|_| Error::InvalidParameter {
            name: "checkpoint",
            reason: "a counter must be 8 bytes".into(),
        })?;
    Ok(u64::from_le_bytes(arr))
}

/// Writes the model (parameters `param/NAME`, Adam moments `adam/m/NAME`, `adam/v/NAME`, `adam/step`), the
/// driver's state (`epoch`, `chain` as `n × d`) and the RNG bytes (`rng`) to `path`, atomically: the file is
/// first written beside it as `PATH.tmp`, then renamed.
pub fn save<T: Float, N: Network<T>, H: Head<T>, P: AsRef<Path>>(
    path: P,
    model: &CandleEnergy<T, N, H>,
    resume: &Resume<T>,
) -> Result<()> {
    let path = path.as_ref();
    let mut map: HashMap<String, Tensor> = HashMap::new();
    let opt = model.optimizer();
    for (i, (name, var)) in model.parameters().iter().enumerate() {
        map.insert(format!("param/{name}"), var.as_tensor().clone());
        if let (Some(m), Some(v)) = (opt.m.get(i), opt.v.get(i)) {
            map.insert(format!("adam/m/{name}"), m.clone());
            map.insert(format!("adam/v/{name}"), v.clone());
        }
    }
    map.insert("adam/step".into(), u64_tensor(opt.step)?);
    map.insert("epoch".into(), u64_tensor(resume.state.epoch as u64)?);
    if let Some(c) = &resume.state.chain {
        map.insert(
            "chain".into(),
            Tensor::from_slice(c.as_slice(), (c.len(), c.dim()), &Device::Cpu)
                .map_err(candle_err)?,
        );
    }
    map.insert(
        "rng".into(),
        Tensor::from_slice(&resume.rng, resume.rng.len(), &Device::Cpu).map_err(candle_err)?,
    );
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    candle_core::safetensors::save(&map, &tmp).map_err(candle_err)?;
    std::fs::rename(&tmp, path)
        .map_err(|e| Error::Energy(format!("renaming checkpoint {}: {e}", path.display())))
}

/// Reads a checkpoint written by [`save`] into `model` (parameters and optimizer state, shapes checked) and
/// returns the driver's and the RNG's state.
pub fn load<T: Float, N: Network<T>, H: Head<T>, P: AsRef<Path>>(
    path: P,
    model: &mut CandleEnergy<T, N, H>,
) -> Result<Resume<T>> {
    let path = path.as_ref();
    let map = candle_core::safetensors::load(path, &Device::Cpu).map_err(candle_err)?;
    let get = |k: &str| -> Result<&Tensor> {
        map.get(k).ok_or_else(|| Error::InvalidParameter {
            name: "checkpoint",
            reason: format!("{} has no tensor `{k}`", path.display()),
        })
    };
    let step = read_u64(get("adam/step")?)?;
    let mut ms = Vec::new();
    let mut vs = Vec::new();
    for (name, var) in model.parameters() {
        let t = get(&format!("param/{name}"))?;
        if t.dims() != var.as_tensor().dims() || t.dtype() != var.as_tensor().dtype() {
            return Err(Error::InvalidParameter {
                name: "checkpoint",
                reason: format!(
                    "parameter `{name}` has shape {:?} ({:?}), the model {:?} ({:?})",
                    t.dims(),
                    t.dtype(),
                    var.as_tensor().dims(),
                    var.as_tensor().dtype()
                ),
            });
        }
        var.set(t).map_err(candle_err)?;
        if step > 0 {
            ms.push(get(&format!("adam/m/{name}"))?.clone());
            vs.push(get(&format!("adam/v/{name}"))?.clone());
        }
    }
    let opt = model.optimizer_mut();
    opt.step = step;
    opt.m = ms;
    opt.v = vs;
    model.refresh()?;
    let epoch = read_u64(get("epoch")?)? as usize;
    let chain = match map.get("chain") {
        Some(c) => {
            let (n, d) = c.dims2().map_err(candle_err)?;
            let v = c
                .flatten_all()
                .and_then(|t| t.to_vec1::<T>())
                .map_err(candle_err)?;
            let p = Particles::from_rows(d, &v)?;
            debug_assert_eq!(p.len(), n);
            Some(p)
        }
        None => None,
    };
    let rng = get("rng")?.to_vec1::<u8>().map_err(candle_err)?;
    Ok(Resume {
        state: CdState { epoch, chain },
        rng,
    })
}
