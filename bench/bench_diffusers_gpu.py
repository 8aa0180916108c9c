"""Seconds per 1024² render and peak GPU memory for a FLUX.2 [klein] pipeline.

Builds two random-weight Flux2KleinPipeline instances directly on the GPU in bfloat16 (nothing
is downloaded or saved): the tiny one from the tests, and one with the published
FLUX.2-klein-4B dimensions (transformer: 5 double + 20 single blocks, 24 heads x 128;
text encoder: Qwen3-4B; VAE: AutoencoderKLFlux2 defaults). Each renders one photo-conditioned
edit at 1024² the way figures.backends.diffusers calls it, after a warm-up.

    python bench/bench_diffusers_gpu.py [--steps 4] [--runs 3] [--size 1024] [--only real]

Random weights give a noise image, but the compute is the real model's. Without CUDA it says
so and exits 0.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def real_klein_4b(device: str = "cuda") -> Any:
    """Flux2KleinPipeline with FLUX.2-klein-4B's architecture, random bf16 weights on device."""
    import torch
    from diffusers import (
        AutoencoderKLFlux2,
        FlowMatchEulerDiscreteScheduler,
        Flux2KleinPipeline,
        Flux2Transformer2DModel,
    )
    from transformers import Qwen3Config, Qwen3ForCausalLM

    from tests.figures.tiny_pipelines import qwen_tokenizer

    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device(device):
            transformer = Flux2Transformer2DModel(
                patch_size=1,
                in_channels=128,
                num_layers=5,
                num_single_layers=20,
                attention_head_dim=128,
                num_attention_heads=24,
                joint_attention_dim=3 * 2560,  # three stacked Qwen3-4B hidden states
                timestep_guidance_channels=256,
                mlp_ratio=3.0,
                axes_dims_rope=(32, 32, 32, 32),
                rope_theta=2000,
                guidance_embeds=False,
            )
            text_encoder = Qwen3ForCausalLM(
                Qwen3Config(
                    vocab_size=151936,
                    hidden_size=2560,
                    intermediate_size=9728,
                    num_hidden_layers=36,
                    num_attention_heads=32,
                    num_key_value_heads=8,
                    head_dim=128,
                    max_position_embeddings=40960,
                    rope_parameters={"rope_type": "default", "rope_theta": 1_000_000.0},
                    rms_norm_eps=1e-6,
                    tie_word_embeddings=True,
                )
            )
            vae = AutoencoderKLFlux2()  # the defaults are FLUX.2's VAE
    finally:
        torch.set_default_dtype(previous)
    models: tuple[Any, ...] = (transformer, text_encoder, vae)
    for model in models:
        model.eval()  # already bf16 on the device: no copy, no float32 detour
    return Flux2KleinPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(
            shift=3.0,
            use_dynamic_shifting=True,
            base_shift=0.5,
            max_shift=1.15,
            base_image_seq_len=256,
            max_image_seq_len=4096,
        ),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=qwen_tokenizer(),
        transformer=transformer,
        is_distilled=True,
    )


def tiny_klein() -> Any:
    import torch

    from tests.figures.tiny_pipelines import flux2_klein_pipeline

    return flux2_klein_pipeline().to("cuda", torch.bfloat16)


def parameters(pipeline: Any) -> str:
    counts = {
        name: sum(p.numel() for p in getattr(pipeline, name).parameters())
        for name in ("transformer", "text_encoder", "vae")
    }
    return ", ".join(f"{name} {count / 1e6:,.1f}M params" for name, count in counts.items())


def photo(size: int) -> Any:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8), "RGB")


def bench(label: str, pipeline: Any, *, size: int, steps: int, runs: int) -> None:
    import torch

    pipeline.set_progress_bar_config(disable=True)
    image = photo(size)
    seen: list[int] = []

    def on_step_end(pipe: Any, step: int, timestep: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
        seen.append(step + 1)
        return {}

    def render(seed: int) -> Any:
        with torch.inference_mode():
            result = pipeline(
                image=[image],
                prompt="a collectible action figure of the person, in a blister pack",
                height=size,
                width=size,
                num_inference_steps=steps,
                guidance_scale=1.0,
                generator=torch.Generator("cuda").manual_seed(seed),
                callback_on_step_end=on_step_end,
                output_type="pil",
            )
        torch.cuda.synchronize()
        return result.images[0]

    print(f"{label}: {parameters(pipeline)}")
    render(0)  # warm-up: kernels, allocator, cuDNN autotuning
    torch.cuda.reset_peak_memory_stats()
    times = []
    for run in range(runs):
        seen.clear()
        start = time.perf_counter()
        output = render(run + 1)
        times.append(time.perf_counter() - start)
        assert output.size == (size, size), output.size
        assert seen[-1] == steps, seen
    peak = torch.cuda.max_memory_allocated() / 2**30
    mean = sum(times) / len(times)
    print(
        f"{label}: {size}x{size}, {steps} steps: {mean:.3f} s/render "
        f"(min {min(times):.3f}, max {max(times):.3f}, {runs} runs), peak GPU memory {peak:.2f} GiB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=["tiny", "real"], default=None)
    args = parser.parse_args()

    try:
        import torch
    except ImportError:
        print("torch is not installed (pip install '.[gpu]'); nothing to benchmark.")
        return 0
    if not torch.cuda.is_available():
        print("No CUDA device: this benchmark needs a GPU; skipping.")
        return 0

    # Random weights overflow in places; the PIL conversion then warns about NaNs.
    warnings.filterwarnings("ignore", message="invalid value encountered in cast")
    print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}")
    builders = {"tiny": tiny_klein, "real": real_klein_4b}
    for label, build in builders.items():
        if args.only not in (None, label):
            continue
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        start = time.perf_counter()
        pipeline = build()
        print(f"{label}: built in {time.perf_counter() - start:.1f} s")
        bench(label, pipeline, size=args.size, steps=args.steps, runs=args.runs)
        del pipeline
    return 0


if __name__ == "__main__":
    sys.exit(main())
