//! chipfloor's tch models: Circuit Training's edge-based graph encoder with its deconvolution
//! policy head and value head.
//!
//! This is the only crate (with `training`) that links libtorch. Observations arrive as plain
//! arrays from `env`; [`batch`] turns them into tensors.
#![warn(missing_docs)]

pub mod batch;
pub mod edge_gcn;
pub mod model;

pub use edge_gcn::{EdgeGcn, EdgeGcnConfig};
pub use model::{GraphBatch, ModelConfig, PolicyValueNet};

/// The device models run on: CUDA when libtorch sees a GPU, else the CPU.
pub fn default_device() -> tch::Device {
    tch::Device::cuda_if_available()
}

/// Parses a `--device` value: `auto`, `cpu`, `cuda` or `cuda:N`.
pub fn parse_device(s: &str) -> Result<tch::Device, String> {
    match s {
        "auto" => Ok(default_device()),
        "cpu" => Ok(tch::Device::Cpu),
        "cuda" => {
            if tch::Cuda::is_available() {
                Ok(tch::Device::Cuda(0))
            } else {
                Err("--device cuda: no CUDA device is visible to libtorch".into())
            }
        }
        _ => match s.strip_prefix("cuda:").and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if (n as i64) < tch::Cuda::device_count() => Ok(tch::Device::Cuda(n)),
            Some(n) => Err(format!("--device {s}: CUDA device {n} does not exist")),
            None => Err(format!("unknown device \"{s}\" (expected auto, cpu, cuda or cuda:N)")),
        },
    }
}
