"""Tiny random-weight diffusers pipelines, built from configs without the model hub.

Each builder saves a pipeline folder (model_index.json + components) that
figures.backends.diffusers loads exactly like a real model. Sizes follow diffusers' own fast
tests; the VAEs keep the real 8x downscale so the size arithmetic matches production.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from transformers import (
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTokenizer,
    Qwen2Tokenizer,
    Qwen3Config,
    Qwen3ForCausalLM,
    T5Config,
    T5EncoderModel,
    T5Tokenizer,
)

# A chat template of the Qwen3 form: Flux2KleinPipeline calls apply_chat_template.
QWEN_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _byte_chars() -> list[str]:
    """GPT-2's byte -> printable character table (what byte-level BPE vocabularies hold)."""
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    chars = {b: chr(b) for b in printable}
    extra = 0
    for b in range(256):
        if b not in chars:
            chars[b] = chr(256 + extra)
            extra += 1
    return [chars[b] for b in range(256)]


def clip_tokenizer() -> CLIPTokenizer:
    """A CLIP BPE tokenizer over single bytes, from a hand-written vocab.json + merges.txt."""
    vocab: dict[str, int] = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in _byte_chars():
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
        (directory / "merges.txt").write_text("#version: 0.2\n", encoding="utf-8")
        return CLIPTokenizer.from_pretrained(str(directory), model_max_length=77)


def clip_text_encoder(hidden_size: int = 32) -> CLIPTextModel:
    config = CLIPTextConfig(
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
        hidden_size=hidden_size,
        intermediate_size=37,
        layer_norm_eps=1e-05,
        num_attention_heads=4,
        num_hidden_layers=2,
        vocab_size=1000,
        hidden_act="gelu",
        projection_dim=32,
    )
    torch.manual_seed(0)
    return CLIPTextModel(config).eval()


def t5_tokenizer() -> T5Tokenizer:
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("▁", -2.0)]
    pieces += [(chr(c), -3.0) for c in range(ord("a"), ord("z") + 1)]
    pieces += [("▁" + chr(c), -2.5) for c in range(ord("a"), ord("z") + 1)]
    return T5Tokenizer(vocab=pieces, extra_ids=0)


def t5_text_encoder(d_model: int = 32) -> T5EncoderModel:
    config = T5Config(
        vocab_size=64,
        d_model=d_model,
        d_kv=8,
        d_ff=37,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        pad_token_id=0,
        eos_token_id=1,
    )
    torch.manual_seed(0)
    return T5EncoderModel(config).eval()


def _eval(model: Any) -> Any:
    """model.eval() (diffusers' models are torch modules; its stubs don't say so)."""
    model.eval()
    return model


def _vae(latent_channels: int, **extra: Any) -> Any:
    from diffusers import AutoencoderKL

    torch.manual_seed(0)
    return _eval(
        AutoencoderKL(
            in_channels=3,
            out_channels=3,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            block_out_channels=(8, 16, 16, 16),
            layers_per_block=1,
            latent_channels=latent_channels,
            norm_num_groups=4,
            sample_size=32,
            **extra,
        )
    )


def sd_img2img_pipeline() -> Any:
    """A tiny StableDiffusionImg2ImgPipeline (in memory, float32, CPU)."""
    from diffusers import DDIMScheduler, StableDiffusionImg2ImgPipeline, UNet2DConditionModel

    torch.manual_seed(0)
    unet = _eval(
        UNet2DConditionModel(
            block_out_channels=(32, 64),
            layers_per_block=1,
            sample_size=32,
            in_channels=4,
            out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            cross_attention_dim=32,
            norm_num_groups=32,
        )
    )
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipeline = StableDiffusionImg2ImgPipeline(
        vae=_vae(4),
        text_encoder=clip_text_encoder(),
        tokenizer=clip_tokenizer(),
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        image_encoder=None,
        requires_safety_checker=False,
    )
    return pipeline


def flux_kontext_pipeline() -> Any:
    """A tiny FluxKontextPipeline (16-channel VAE, CLIP + T5 text encoders)."""
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        FluxKontextPipeline,
        FluxTransformer2DModel,
    )

    torch.manual_seed(0)
    transformer = _eval(
        FluxTransformer2DModel(
            patch_size=1,
            in_channels=16 * 4,
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=32,  # T5 d_model
            pooled_projection_dim=32,  # CLIP hidden size
            guidance_embeds=True,
            axes_dims_rope=(4, 4, 8),
        )
    )
    pipeline = FluxKontextPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0, use_dynamic_shifting=True),
        vae=_vae(
            16,
            shift_factor=0.1159,
            scaling_factor=0.3611,
            use_quant_conv=False,
            use_post_quant_conv=False,
        ),
        text_encoder=clip_text_encoder(),
        tokenizer=clip_tokenizer(),
        text_encoder_2=t5_text_encoder(),
        tokenizer_2=t5_tokenizer(),
        transformer=transformer,
        image_encoder=None,
        feature_extractor=None,
    )
    return pipeline


def qwen_tokenizer() -> Qwen2Tokenizer:
    """A byte-level Qwen2 BPE tokenizer (no merges) with the chat special tokens."""
    vocab = {char: i for i, char in enumerate(_byte_chars())}
    for special in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        vocab[special] = len(vocab)
    tokenizer = Qwen2Tokenizer(vocab=vocab, merges=[])
    tokenizer.add_special_tokens({"additional_special_tokens": ["<|im_start|>", "<|im_end|>"]})
    tokenizer.chat_template = QWEN_CHAT_TEMPLATE
    return tokenizer


def flux2_klein_pipeline(*, is_distilled: bool = True) -> Any:
    """A tiny Flux2KleinPipeline (Qwen3 text encoder, AutoencoderKLFlux2)."""
    from diffusers import (
        AutoencoderKLFlux2,
        FlowMatchEulerDiscreteScheduler,
        Flux2KleinPipeline,
        Flux2Transformer2DModel,
    )

    # The pipeline stacks hidden states 9, 18 and 27 of the text encoder: it needs 27 layers.
    text_hidden = 16
    torch.manual_seed(0)
    text_encoder = Qwen3ForCausalLM(
        Qwen3Config(
            vocab_size=512,
            hidden_size=text_hidden,
            intermediate_size=16,
            num_hidden_layers=27,
            num_attention_heads=2,
            num_key_value_heads=2,
            head_dim=8,
            max_position_embeddings=512,
        )
    ).eval()
    torch.manual_seed(0)
    transformer = _eval(
        Flux2Transformer2DModel(
            patch_size=1,
            in_channels=8 * 4,
            num_layers=1,
            num_single_layers=1,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=3 * text_hidden,
            timestep_guidance_channels=256,
            axes_dims_rope=(4, 4, 4, 4),
            guidance_embeds=False,
        )
    )
    torch.manual_seed(0)
    vae = _eval(
        AutoencoderKLFlux2(
            in_channels=3,
            out_channels=3,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            block_out_channels=(8, 16, 16, 16),
            layers_per_block=1,
            latent_channels=8,
            norm_num_groups=4,
            sample_size=32,
        )
    )
    pipeline = Flux2KleinPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0, use_dynamic_shifting=True),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=qwen_tokenizer(),
        transformer=transformer,
        is_distilled=is_distilled,
    )
    return pipeline


def _saver(make: Callable[[], Any]) -> Callable[[Path], Path]:
    def build(directory: Path) -> Path:
        make().save_pretrained(str(directory), safe_serialization=True)
        return directory

    build.__doc__ = f"Save {make.__name__}() into directory; returns directory."
    return build


build_sd_img2img = _saver(sd_img2img_pipeline)
build_flux_kontext = _saver(flux_kontext_pipeline)
build_flux2_klein = _saver(flux2_klein_pipeline)

# model_index.json class name -> builder that saves that tiny pipeline into a folder.
BUILDERS: dict[str, Callable[[Path], Path]] = {
    "StableDiffusionImg2ImgPipeline": build_sd_img2img,
    "FluxKontextPipeline": build_flux_kontext,
    "Flux2KleinPipeline": build_flux2_klein,
}
