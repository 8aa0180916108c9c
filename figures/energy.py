"""The energy receipt: what each render used, how it was found, and what that means.

One meter per generation job, chosen in this order (figures.services.job_run):

1. NVML (nvidia-ml-py, the `gpu` extra) when the backend renders on a CUDA GPU: the GPU's
   total energy counter (mJ) read before and after each render, CUDA synchronised on both
   sides ("measured: GPU"; the whole board, CPU side not included).
2. Linux RAPL: the CPU package counters under /sys/class/powercap where they are readable
   (often root only), wrap-around handled ("measured: CPU package"; the whole package).
3. Otherwise an estimate: the process's CPU time (all its threads) times
   MINIME_CPU_WATTS_PER_CORE ("estimate").

Each render is measured on its own (the job loop renders one seed at a time). Counters
cover the whole device, so a worker rendering two jobs at once would count both in each.
"""

import importlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from django.db.models import Case, Count, F, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from figures.conf import figures_settings
from figures.models import EnergyMethod, FigureDesign, GenerationJob, Render

logger = logging.getLogger(__name__)

RAPL_ROOT = Path("/sys/class/powercap")

# What the customer's figure is compared with (rounded, typical values).
LED_BULB_W = 8.0  # an LED bulb as bright as a 60 W incandescent one
PHONE_CHARGE_WH = 15.0  # one full charge of a smartphone (about 4,000 mAh at 3.85 V)
KETTLE_WH = 100.0  # boiling 1 litre of water from tap temperature (4.19 kJ/kg/K x 85 K)


# --- Measuring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnergyReading:
    joules: float
    method: str  # an EnergyMethod value
    watts_per_core: float | None = None  # the estimate's figure; None when measured

    @property
    def wh(self) -> float:
        return self.joules / 3600.0


@dataclass
class Measurement:
    """Filled in when the measured block ends without an error."""

    reading: EnergyReading | None = None


class EnergyMeter:
    """A cumulative counter read around each render. Use as a context manager (releases NVML)."""

    method: str = EnergyMethod.ESTIMATE
    watts_per_core: float | None = None

    def _read(self) -> Any:
        raise NotImplementedError

    def _joules_between(self, start: Any, end: Any) -> float:
        raise NotImplementedError

    @contextmanager
    def measure(self) -> Iterator[Measurement]:
        """Measure the block. A meter that fails records nothing; the render goes on."""
        measurement = Measurement()
        try:
            start = self._read()
        except Exception:
            logger.warning("energy meter %s failed to start", self.method, exc_info=True)
            yield measurement
            return
        yield measurement
        try:
            joules = max(0.0, self._joules_between(start, self._read()))
        except Exception:
            logger.warning("energy meter %s failed to read", self.method, exc_info=True)
            return
        measurement.reading = EnergyReading(joules, self.method, self.watts_per_core)

    def close(self) -> None:
        """Release what the meter holds (NVML); nothing for the others."""

    def __enter__(self) -> "EnergyMeter":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class CpuTimeMeter(EnergyMeter):
    """CPU seconds of this process (every thread) x watts per busy core."""

    method = EnergyMethod.ESTIMATE

    def __init__(self, watts_per_core: float) -> None:
        self.watts_per_core = watts_per_core

    def _read(self) -> float:
        return time.process_time()

    def _joules_between(self, start: float, end: float) -> float:
        return (end - start) * (self.watts_per_core or 0.0)


@dataclass(frozen=True)
class RaplDomain:
    path: Path
    max_range_uj: int


def rapl_packages(root: Path = RAPL_ROOT) -> list[RaplDomain]:
    """The readable CPU package domains (intel-rapl:N, named package-N) under root; their
    sub-domains (intel-rapl:N:M: cores, uncore, dram) are inside the package figure."""
    domains = []
    for path in sorted(root.glob("intel-rapl:*")):
        if path.name.count(":") != 1:
            continue
        try:
            if not (path / "name").read_text().strip().startswith("package"):
                continue
            (path / "energy_uj").read_text()  # readable? (root only on many kernels)
            max_range = int((path / "max_energy_range_uj").read_text())
        except (OSError, ValueError):
            continue
        domains.append(RaplDomain(path, max_range))
    return domains


def rapl_read_uj(domain: RaplDomain) -> int:
    return int((domain.path / "energy_uj").read_text())


def rapl_delta_uj(start: int, end: int, max_range_uj: int) -> int:
    """Microjoules between two readings of a counter that wraps to 0 after max_range_uj."""
    return end - start if end >= start else end + max_range_uj - start


class RaplMeter(EnergyMeter):
    method = EnergyMethod.CPU_PACKAGE

    def __init__(self, domains: list[RaplDomain]) -> None:
        self.domains = domains

    def _read(self) -> list[int]:
        return [rapl_read_uj(domain) for domain in self.domains]

    def _joules_between(self, start: list[int], end: list[int]) -> float:
        pairs = zip(self.domains, start, end, strict=True)
        return sum(rapl_delta_uj(a, b, d.max_range_uj) for d, a, b in pairs) / 1e6


class NvmlMeter(EnergyMeter):
    """nvmlDeviceGetTotalEnergyConsumption (mJ since the driver loaded), synchronised."""

    method = EnergyMethod.GPU

    def __init__(self, nvml: Any, handle: Any, sync: Callable[[], None]) -> None:
        self.nvml, self.handle, self.sync = nvml, handle, sync

    def _read(self) -> int:
        self.sync()  # count the GPU work queued so far, and only that
        return int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle))

    def _joules_between(self, start: int, end: int) -> float:
        return (end - start) / 1000.0

    def close(self) -> None:
        try:
            self.nvml.nvmlShutdown()
        except Exception:
            logger.debug("nvmlShutdown failed", exc_info=True)


def nvml_meter(
    index: int, *, nvml: Any = None, sync: Callable[[], None] = lambda: None
) -> NvmlMeter | None:
    """A meter on NVML device `index`, or None where NVML or its energy counter is missing
    (no nvidia-ml-py, no driver, a GPU older than Volta)."""
    if nvml is None:
        try:
            nvml = importlib.import_module("pynvml")  # nvidia-ml-py, in the gpu extra
        except ImportError:
            return None
    try:
        nvml.nvmlInit()
    except Exception:
        logger.info("NVML is not available", exc_info=True)
        return None
    try:
        handle = nvml.nvmlDeviceGetHandleByIndex(index)
        nvml.nvmlDeviceGetTotalEnergyConsumption(handle)
    except Exception:
        logger.info("NVML has no energy counter for GPU %s", index, exc_info=True)
        nvml.nvmlShutdown()
        return None
    return NvmlMeter(nvml, handle, sync)


def _cuda_index(backend: Any) -> int | None:
    """The NVML index of the GPU a CUDA backend renders on; None for CPU backends."""
    if not getattr(backend, "uses_cuda", getattr(backend, "name", "") == "diffusers"):
        return None
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    index = int(torch.cuda.current_device())
    # NVML counts every GPU of the machine; CUDA only the visible ones, renumbered.
    visible = [v.strip() for v in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")]
    if index < len(visible) and visible[index].isdigit():
        return int(visible[index])
    return index


def _cuda_sync() -> None:
    import torch

    torch.cuda.synchronize()


def energy_meter_for(
    backend: Any, *, nvml: Any = None, rapl_root: Path | None = None
) -> EnergyMeter:
    """The best meter this worker has for the backend: NVML, RAPL, else the estimate."""
    index = _cuda_index(backend)
    if index is not None:
        meter = nvml_meter(index, nvml=nvml, sync=_cuda_sync)
        if meter is not None:
            return meter
    domains = rapl_packages(RAPL_ROOT if rapl_root is None else rapl_root)
    if domains:
        return RaplMeter(domains)
    return CpuTimeMeter(figures_settings.CPU_WATTS_PER_CORE)


# --- Recording -----------------------------------------------------------------------------------


def render_energy_set(render: Render, reading: EnergyReading | None) -> None:
    """Put a reading on a render about to be stored (nothing for an unmeasured one)."""
    if reading is None:
        return
    render.energy_wh = reading.wh
    render.energy_method = reading.method
    render.energy_watts_per_core = reading.watts_per_core


def job_energy_add(*, job_id: Any, reading: EnergyReading | None) -> None:
    """Add a stored render's energy to its job's total, in the render's transaction."""
    if reading is None:
        return
    GenerationJob.objects.filter(pk=job_id).update(
        energy_wh=Coalesce(F("energy_wh"), Value(0.0)) + Value(reading.wh),
        energy_method=Case(
            When(energy_method__in=("", reading.method), then=Value(reading.method)),
            default=Value(EnergyMethod.MIXED),
        ),
    )


# --- Showing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnergyTotal:
    renders: int
    wh: float
    methods: tuple[str, ...] = ()
    watts_per_core: tuple[float, ...] = field(default=())

    @property
    def co2e_g(self) -> float:
        return co2e_grams(self.wh)


def energy_total(renders: QuerySet[Render]) -> EnergyTotal:
    """The measured renders among these, summed."""
    measured = renders.filter(energy_wh__isnull=False).order_by()
    sums = measured.aggregate(count=Count("pk"), wh=Sum("energy_wh"))
    methods = sorted(set(measured.values_list("energy_method", flat=True)))
    watts = {w for w in measured.values_list("energy_watts_per_core", flat=True) if w is not None}
    return EnergyTotal(
        renders=sums["count"],
        wh=sums["wh"] or 0.0,
        methods=tuple(methods),
        watts_per_core=tuple(sorted(watts)),
    )


def render_energy(render: Render) -> EnergyTotal:
    """One render's figure (no query)."""
    if render.energy_wh is None:
        return EnergyTotal(renders=0, wh=0.0)
    watts = render.energy_watts_per_core
    watts_used = () if watts is None else (watts,)
    return EnergyTotal(1, render.energy_wh, (render.energy_method,), watts_used)


def design_energy(design: FigureDesign) -> EnergyTotal:
    """Every measured render of the design, over all its generation jobs."""
    return energy_total(Render.objects.filter(job__design=design))


def co2e_grams(wh: float) -> float:
    return wh / 1000.0 * figures_settings.GRID_CO2_G_PER_KWH


def number(value: float, digits: int = 2) -> str:
    """value to `digits` significant digits, in the active language's format (0.0026; 0,0026)."""
    if value <= 0:
        return formats.number_format(0, 0)
    places = digits - 1 - math.floor(math.log10(value))
    rounded = round(value, places)  # 342 -> 340 (places < 0)
    decimals = max(0, places)
    while decimals > 0 and round(rounded, decimals - 1) == rounded:
        decimals -= 1  # no trailing zeros: 0.9, not 0.90
    return formats.number_format(rounded, decimals)


def method_label(method: str, watts_per_core: tuple[float, ...] = ()) -> str:
    """The method as shown next to the number (the estimate says what it assumed)."""
    if method != EnergyMethod.ESTIMATE or not watts_per_core:
        return str(EnergyMethod(method).label) if method in EnergyMethod.values else method
    low, high = min(watts_per_core), max(watts_per_core)
    watts = number(low, 3) if low == high else f"{number(low, 3)}\u2013{number(high, 3)}"
    return _("estimate: CPU time × %(watts)s W per core") % {"watts": watts}  # noqa: RUF001


def methods_label(total: EnergyTotal) -> str:
    return ", ".join(method_label(m, total.watts_per_core) for m in total.methods)


def _count(value: float) -> tuple[str, int]:
    """The number as shown, and the count that picks its plural form."""
    text = number(value)
    return text, 1 if text == "1" else 2


def comparison(wh: float) -> str:
    """Something everyday that uses about as much energy."""
    if wh >= KETTLE_WH:
        n, count = _count(wh / KETTLE_WH)
        return ngettext(
            "boiling %(n)s litre of water in a kettle",
            "boiling %(n)s litres of water in a kettle",
            count,
        ) % {"n": n}
    if wh >= PHONE_CHARGE_WH:
        n, count = _count(wh / PHONE_CHARGE_WH)
        return ngettext("%(n)s full smartphone charge", "%(n)s full smartphone charges", count) % {
            "n": n
        }
    seconds = wh / LED_BULB_W * 3600.0
    if seconds < 60:
        n, count = _count(seconds)
        duration = ngettext("%(n)s second", "%(n)s seconds", count) % {"n": n}
    elif seconds < 3600:
        n, count = _count(seconds / 60)
        duration = ngettext("%(n)s minute", "%(n)s minutes", count) % {"n": n}
    else:
        n, count = _count(seconds / 3600)
        duration = ngettext("%(n)s hour", "%(n)s hours", count) % {"n": n}
    return _("an %(watts)s W LED bulb lit for %(duration)s") % {
        "watts": number(LED_BULB_W),
        "duration": duration,
    }


def co2e_text(grams: float) -> str:
    if grams < 1:
        return _("%(n)s mg CO₂e") % {"n": number(grams * 1000)}
    return _("%(n)s g CO₂e") % {"n": number(grams)}


@dataclass(frozen=True)
class EnergyReceipt:
    total: EnergyTotal
    used: str  # "Your 4 renders used 0.0026 Wh (estimate: ...), about as much as ..."
    climate: str  # "That is about 1 mg CO2e, at 380 g CO2e per kWh of electricity."


def energy_receipt(total: EnergyTotal) -> EnergyReceipt | None:
    """The design page's sentences; None while no render of it was measured."""
    if not total.renders:
        return None
    used = ngettext(
        "Your %(count)d render used %(wh)s Wh (%(method)s), about as much as %(comparison)s.",
        "Your %(count)d renders used %(wh)s Wh (%(method)s), about as much as %(comparison)s.",
        total.renders,
    ) % {
        "count": total.renders,
        "wh": number(total.wh),
        "method": methods_label(total),
        "comparison": comparison(total.wh),
    }
    climate = _("That is about %(co2e)s, at %(grid)s g CO₂e per kWh of electricity.") % {
        "co2e": co2e_text(total.co2e_g),
        "grid": number(figures_settings.GRID_CO2_G_PER_KWH, 3),
    }
    return EnergyReceipt(total=total, used=used, climate=climate)


def energy_export(total: EnergyTotal) -> dict[str, Any]:
    """The data export's figures for a design or a render."""
    return {
        "wh": total.wh if total.renders else None,
        "method": list(total.methods),
        "method_label": methods_label(total),
        "co2e_g": total.co2e_g if total.renders else None,
        "grid_g_co2e_per_kwh": figures_settings.GRID_CO2_G_PER_KWH,
    }


def energy_by_day_and_backend(jobs: QuerySet[GenerationJob], limit: int = 90) -> list[Any]:
    """Staff totals: Wh and jobs per day (of the job's creation) and backend, newest first."""
    rows = (
        jobs.filter(energy_wh__isnull=False)
        .annotate(day=TruncDate("created_at"))
        .values("day", "backend")
        .annotate(wh=Sum("energy_wh"), jobs=Count("pk"))
        .order_by("-day", "backend")
    )
    return list(rows[:limit])


def energy_by_backend(jobs: QuerySet[GenerationJob]) -> list[Any]:
    rows = (
        jobs.filter(energy_wh__isnull=False)
        .values("backend")
        .annotate(wh=Sum("energy_wh"), jobs=Count("pk"))
        .order_by("backend")
    )
    return list(rows)
