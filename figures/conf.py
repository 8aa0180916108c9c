"""Figure-studio settings. Properties read django.conf.settings on every access, so
override_settings works; every name is documented with its default in README.md."""

from core.conf import AppSettings


class FiguresSettings(AppSettings):
    @property
    def DIFFUSERS_MODEL_DIR(self) -> str | None:
        return self._get("DIFFUSERS_MODEL_DIR", None)

    @property
    def GENERATION_BACKEND(self) -> str:
        # stylize needs no model: it is the default until a model directory is configured.
        default = (
            "figures.backends.diffusers.DiffusersBackend"
            if self.DIFFUSERS_MODEL_DIR
            else "figures.backends.stylize.StylizeBackend"
        )
        return str(self._get("GENERATION_BACKEND", default))

    @property
    def DIFFUSERS_STEPS(self) -> int:
        return int(self._get("DIFFUSERS_STEPS", 28))

    @property
    def DIFFUSERS_GUIDANCE(self) -> float:
        return float(self._get("DIFFUSERS_GUIDANCE", 3.5))

    @property
    def DIFFUSERS_STRENGTH(self) -> float:
        """img2img only: how far the render may move away from the photo (0..1)."""
        return float(self._get("DIFFUSERS_STRENGTH", 0.65))

    @property
    def RENDER_SIZE(self) -> int:
        return int(self._get("RENDER_SIZE", 1024))

    @property
    def RENDERS_PER_JOB(self) -> int:
        return int(self._get("RENDERS_PER_JOB", 4))

    @property
    def DAILY_GENERATION_QUOTA(self) -> int:
        """Generation jobs per account in any 24 hours."""
        return int(self._get("DAILY_GENERATION_QUOTA", 12))

    @property
    def GENERATION_TIME_LIMIT(self) -> int:
        """Seconds one generation job may run before it is stopped and failed."""
        return int(self._get("GENERATION_TIME_LIMIT", 600))

    @property
    def GENERATION_QUEUE_TIMEOUT(self) -> int:
        """Seconds a job may wait for a worker before the reaper fails it."""
        return int(self._get("GENERATION_QUEUE_TIMEOUT", 3600))

    @property
    def GENERATION_HEARTBEAT_TIMEOUT(self) -> int:
        """Seconds without progress after which a running job's worker counts as dead: about
        twice the slowest expected render (one render is one heartbeat at least)."""
        return int(self._get("GENERATION_HEARTBEAT_TIMEOUT", 60))

    @property
    def GENERATION_AUTO_RETRIES(self) -> int:
        """How often a job whose worker died is sent again before it fails."""
        return int(self._get("GENERATION_AUTO_RETRIES", 1))

    @property
    def GPU_QUEUE(self) -> str:
        return str(self._get("GPU_QUEUE", "gpu"))

    @property
    def UPLOADS_PER_HOUR(self) -> int:
        """Photo uploads per account in any hour (0: no limit); counted in the shared cache
        before the photo is stored, so a refused upload stores nothing."""
        return int(self._get("UPLOADS_PER_HOUR", 20))

    @property
    def MAX_UPLOAD_BYTES(self) -> int:
        return int(self._get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024))

    @property
    def MAX_UPLOAD_PIXELS(self) -> int:
        return int(self._get("MAX_UPLOAD_PIXELS", 40_000_000))

    @property
    def MIN_PHOTO_SIDE(self) -> int:
        return int(self._get("MIN_PHOTO_SIDE", 512))

    @property
    def CPU_WATTS_PER_CORE(self) -> float:
        """Watts one busy CPU core draws, for the energy estimate where neither NVML nor RAPL
        can measure (figures.energy): CPU seconds x this."""
        return float(self._get("CPU_WATTS_PER_CORE", 10.0))

    @property
    def GRID_CO2_G_PER_KWH(self) -> float:
        """Grams of CO2e per kWh of electricity for the energy receipt. Default: the German
        electricity mix of 2023 (Umweltbundesamt, 380 g/kWh)."""
        return float(self._get("GRID_CO2_G_PER_KWH", 380.0))

    @property
    def LIKENESS_CHECK(self) -> bool:
        """Measure each render's likeness to the photo in the worker (figures.likeness)."""
        return bool(self._get("LIKENESS_CHECK", True))

    @property
    def LIKENESS_HIGH(self) -> float:
        """Face-descriptor distance at or below which a render "looks like you": high."""
        return float(self._get("LIKENESS_HIGH", 0.5))

    @property
    def LIKENESS_LOW(self) -> float:
        """Distance above which the likeness is low (0.6: "another person" on the model's
        scale); between the two it is medium."""
        return float(self._get("LIKENESS_LOW", 0.6))

    @property
    def PHOTO_BACKGROUND_REMOVAL(self) -> bool:
        """Keep only the person of an uploaded photo (figures.minimise); off keeps it whole."""
        return bool(self._get("PHOTO_BACKGROUND_REMOVAL", True))

    @property
    def PHOTO_CROP_MARGIN(self) -> float:
        """Extra margin around the head-and-shoulders crop, in face widths."""
        return float(self._get("PHOTO_CROP_MARGIN", 0.25))

    @property
    def PHOTO_MAX_SIDE(self) -> int:
        """Longest side of the stored photo, in pixels."""
        return int(self._get("PHOTO_MAX_SIDE", 1536))


figures_settings = FiguresSettings()
