# ruff: noqa: RUF001 (the multiplication sign is what the customer reads)
"""The energy receipt (figures.energy): real CPU-time estimates through a real generation, the
RAPL reader on a sysfs tree in tmp_path, the NVML meter against its API contract, and where
the customer, staff and the data export see the figures."""

import os
import time
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from figures import energy, services
from figures.backends.stylize import StylizeBackend
from figures.models import EnergyMethod, GenerationJob, JobStatus, Render
from figures.privacy import FiguresPrivacyHandler
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_rapl(monkeypatch, tmp_path):
    """This machine's RAPL (if any) out of the way: the estimate is what is left."""
    monkeypatch.setattr(energy, "RAPL_ROOT", tmp_path / "no-powercap")


def _generate(user, settings, renders=2):
    settings.MINIME_RENDER_SIZE = 256
    settings.MINIME_RENDERS_PER_JOB = renders
    design = factories.design_for(user)
    job = services.generation_job_create(design=design, actor=user)
    started = time.monotonic()
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    return design, job, time.monotonic() - started


def _with_energy(
    user, wh_per_render, *, renders=4, method=EnergyMethod.ESTIMATE, watts=10.0, design=None
):
    """A design with stored renders whose energy is known (the display tests need exact
    numbers; the generation tests above measure real ones)."""
    design = design or factories.design_for(user)
    job = GenerationJob.objects.create(
        design=design,
        params={"style": design.style},
        prompt="p",
        seeds=list(range(renders)),
        backend="figures.backends.stylize.StylizeBackend",
        status=JobStatus.SUCCEEDED,
        energy_wh=wh_per_render * renders,
        energy_method=method,
    )
    for index in range(renders):
        Render.objects.create(
            job=job,
            index=index,
            seed=index,
            image=f"renders/none-{index}.png",
            width=8,
            height=8,
            energy_wh=wh_per_render,
            energy_method=method,
            energy_watts_per_core=watts if method == EnergyMethod.ESTIMATE else None,
        )
    return design, job


# --- The CPU estimate, measured for real -----------------------------------------------------


def test_a_real_generation_records_a_cpu_time_estimate_per_render(user, settings, no_rapl):
    settings.MINIME_CPU_WATTS_PER_CORE = 10.0

    _, job, wall = _generate(user, settings)

    renders = list(job.renders.order_by("index"))
    assert len(renders) == 2
    for render in renders:
        assert render.energy_method == EnergyMethod.ESTIMATE
        assert render.energy_watts_per_core == 10.0
        assert render.energy_wh is not None and render.energy_wh > 0
    cpu_seconds = sum(r.energy_wh for r in renders) * 3600 / 10.0
    # CPU time of this process: never more than the wall time on every core.
    assert cpu_seconds <= wall * (os.cpu_count() or 1) + 0.05
    assert job.energy_method == EnergyMethod.ESTIMATE
    assert job.energy_wh == pytest.approx(sum(r.energy_wh for r in renders))


def test_the_estimate_scales_with_the_configured_watts(settings):
    meter = energy.CpuTimeMeter(watts_per_core=25.0)
    with meter.measure() as used:
        deadline = time.process_time() + 0.05
        while time.process_time() < deadline:
            pass
    assert used.reading is not None
    assert used.reading.method == EnergyMethod.ESTIMATE
    assert used.reading.joules == pytest.approx(25.0 * 0.05, rel=0.5)


def test_this_machine_gets_rapl_where_readable_else_the_estimate():
    meter = energy.energy_meter_for(StylizeBackend())
    expected = EnergyMethod.CPU_PACKAGE if energy.rapl_packages() else EnergyMethod.ESTIMATE
    assert meter.method == expected


def test_a_failed_render_records_nothing_and_the_job_total_counts_stored_renders_only(
    user, settings, no_rapl
):
    _, first, _ = _generate(user, settings, renders=1)
    energy.job_energy_add(
        job_id=first.pk, reading=energy.EnergyReading(3600.0, EnergyMethod.GPU)
    )  # a later delivery on a GPU worker
    first.refresh_from_db()
    assert first.energy_method == EnergyMethod.MIXED
    assert first.energy_wh == pytest.approx(first.renders.get().energy_wh + 1.0)

    meter = energy.CpuTimeMeter(10.0)
    with pytest.raises(RuntimeError), meter.measure() as used:
        raise RuntimeError("render failed")
    assert used.reading is None


# --- RAPL on a sysfs tree ----------------------------------------------------------------------


def _domain(root: Path, name: str, label: str, uj: int, max_uj: int = 262_143_328_850) -> Path:
    path = root / name
    path.mkdir(parents=True)
    (path / "name").write_text(label + "\n")
    (path / "energy_uj").write_text(f"{uj}\n")
    (path / "max_energy_range_uj").write_text(f"{max_uj}\n")
    return path


@pytest.fixture
def powercap(tmp_path):
    root = tmp_path / "powercap"
    _domain(root, "intel-rapl:0", "package-0", 262_143_328_850 - 1_000)  # about to wrap
    _domain(root, "intel-rapl:0:0", "core", 5)  # inside package 0: not counted again
    _domain(root, "intel-rapl:1", "package-1", 10_000_000)
    _domain(root, "intel-rapl:2", "psys", 7)  # the platform, not a package
    _domain(root, "intel-rapl-mmio:0", "package-0", 9)  # the same package over MMIO
    return root


def test_rapl_reads_the_package_domains_only(powercap):
    names = [d.path.name for d in energy.rapl_packages(powercap)]
    assert names == ["intel-rapl:0", "intel-rapl:1"]


def test_rapl_meter_sums_packages_across_a_counter_wrap(powercap):
    meter = energy.energy_meter_for(StylizeBackend(), rapl_root=powercap)
    assert isinstance(meter, energy.RaplMeter)

    with meter.measure() as used:
        (powercap / "intel-rapl:0" / "energy_uj").write_text("500\n")  # wrapped
        (powercap / "intel-rapl:1" / "energy_uj").write_text("12000000\n")

    assert used.reading is not None
    assert used.reading.method == EnergyMethod.CPU_PACKAGE
    assert used.reading.joules == pytest.approx((1_000 + 500 + 2_000_000) / 1e6)
    assert used.reading.watts_per_core is None


def test_rapl_without_readable_packages_falls_back_to_the_estimate(tmp_path):
    _domain(tmp_path, "intel-rapl:0", "package-0", 1)
    (tmp_path / "intel-rapl:0" / "energy_uj").unlink()  # as for a non-root user: unreadable

    assert energy.rapl_packages(tmp_path) == []
    meter = energy.energy_meter_for(StylizeBackend(), rapl_root=tmp_path)
    assert meter.method == EnergyMethod.ESTIMATE


def test_rapl_delta_handles_the_wrap():
    assert energy.rapl_delta_uj(100, 250, 1_000) == 150
    assert energy.rapl_delta_uj(900, 50, 1_000) == 150


# --- NVML against its API contract -----------------------------------------------------------


class FakeNvml:
    """pynvml's calls the meter makes: counters in mJ, an init/shutdown balance."""

    def __init__(self, counters, *, energy_supported=True, driver=True):
        self.counters = list(counters)
        self.energy_supported, self.driver = energy_supported, driver
        self.calls: list[str] = []
        self.open = 0

    def nvmlInit(self):
        if not self.driver:
            raise RuntimeError("NVML Shared Library Not Found")
        self.open += 1
        self.calls.append("init")

    def nvmlDeviceGetHandleByIndex(self, index):
        self.calls.append(f"handle {index}")
        return ("gpu", index)

    def nvmlDeviceGetTotalEnergyConsumption(self, handle):
        assert handle[0] == "gpu"
        if not self.energy_supported:
            raise RuntimeError("Not Supported")
        self.calls.append("energy")
        return self.counters.pop(0)

    def nvmlShutdown(self):
        self.open -= 1
        self.calls.append("shutdown")


def test_nvml_meter_reads_the_energy_counter_synchronised_around_the_render():
    nvml = FakeNvml([1_000, 1_000_000, 1_450_000])
    meter = energy.nvml_meter(2, nvml=nvml, sync=lambda: nvml.calls.append("sync"))
    assert meter is not None

    with meter as held, held.measure() as used:
        nvml.calls.append("render")
    assert used.reading is not None
    assert used.reading.method == EnergyMethod.GPU
    assert used.reading.joules == pytest.approx(450.0)
    assert used.reading.wh == pytest.approx(0.125)
    assert nvml.calls == [
        "init",
        "handle 2",
        "energy",  # the probe: this GPU has a counter
        "sync",
        "energy",
        "render",
        "sync",
        "energy",
        "shutdown",
    ]
    assert nvml.open == 0


@pytest.mark.parametrize("nvml", [FakeNvml([], energy_supported=False), FakeNvml([], driver=False)])
def test_nvml_without_driver_or_counter_gives_no_meter(nvml):
    assert energy.nvml_meter(0, nvml=nvml) is None
    assert nvml.open == 0


def test_a_cpu_backend_never_uses_nvml():
    nvml = FakeNvml([1, 2, 3])
    meter = energy.energy_meter_for(StylizeBackend(), nvml=nvml)
    assert meter.method != EnergyMethod.GPU
    assert nvml.calls == []


# --- Where it is shown ------------------------------------------------------------------------


def test_design_page_shows_energy_method_comparison_and_co2e(user_client, settings):
    settings.MINIME_GRID_CO2_G_PER_KWH = 380
    design, _ = _with_energy(user_client.user, 0.225)

    page = user_client.get(reverse("figures:design", args=[design.pk])).content.decode()

    assert "Your 4 renders used 0.9 Wh (estimate: CPU time × 10 W per core)" in page
    assert "about as much as an 8 W LED bulb lit for 6.8 minutes." in page
    assert "That is about 340 mg CO₂e, at 380 g CO₂e per kWh of electricity." in page


def test_design_page_in_german(user_client, settings):
    settings.MINIME_GRID_CO2_G_PER_KWH = 380
    design, _ = _with_energy(user_client.user, 0.225)

    with translation.override("de"):
        url = reverse("figures:design", args=[design.pk])  # /de/studio/...
    page = user_client.get(url).content.decode()

    assert "Verbrauchte Energie" in page
    assert "Ihre 4 Renderings haben 0,9 Wh verbraucht (Schätzung: CPU-Zeit × 10 W pro Kern)" in page
    assert "etwa so viel wie eine 8-W-LED-Lampe, die 6,8 Minuten lang leuchtet." in page
    assert "Das sind etwa 340 mg CO₂e, bei 380 g CO₂e pro kWh Strom." in page


def test_design_page_after_a_real_generation_shows_the_measured_figure(
    user_client, settings, no_rapl
):
    design, job, _ = _generate(user_client.user, settings)

    page = user_client.get(reverse("figures:design", args=[design.pk])).content.decode()

    assert 'data-testid="energy-receipt"' in page
    assert f"Your 2 renders used {energy.number(job.energy_wh)} Wh (estimate: CPU time" in page
    assert "CO₂e" in page


def test_a_design_without_measured_renders_shows_no_receipt(user_client):
    design = factories.design_for(user_client.user)
    page = user_client.get(reverse("figures:design", args=[design.pk])).content.decode()
    assert "energy-receipt" not in page


@pytest.mark.parametrize(
    ("wh", "text"),
    [
        (0.001, "an 8 W LED bulb lit for 0.45 seconds"),
        (0.0222, "an 8 W LED bulb lit for 10 seconds"),
        (8.0, "an 8 W LED bulb lit for 1 hour"),
        (30.0, "2 full smartphone charges"),
        (15.0, "1 full smartphone charge"),
        (250.0, "boiling 2.5 litres of water in a kettle"),
    ],
)
def test_comparisons(wh, text):
    assert energy.comparison(wh) == text


def test_gpu_and_estimate_renders_are_both_named(user):
    design, _ = _with_energy(user, 1.0, renders=1, method=EnergyMethod.GPU)
    _with_energy(user, 0.5, renders=1, design=design)

    receipt = energy.energy_receipt(energy.design_energy(design))

    assert receipt is not None
    assert "Your 2 renders used 1.5 Wh (estimate: CPU time × 10 W per core, measured: GPU)" in (
        receipt.used
    )


def test_admin_totals_per_day_and_backend(admin_client, user):
    _, stylize = _with_energy(user, 0.25)  # 1 Wh
    _, gpu = _with_energy(user, 2.0, method=EnergyMethod.GPU)  # 8 Wh
    GenerationJob.objects.filter(pk=gpu.pk).update(
        backend="figures.backends.diffusers.DiffusersBackend"
    )
    _, older = _with_energy(user, 0.5)  # 2 Wh, a day earlier
    GenerationJob.objects.filter(pk=older.pk).update(
        created_at=stylize.created_at.replace(year=stylize.created_at.year - 1)
    )

    response = admin_client.get(reverse("admin:figures_generationjob_changelist"))

    assert response.status_code == 200
    by_backend = {row["backend"]: row for row in response.context["energy_by_backend"]}
    assert by_backend["figures.backends.stylize.StylizeBackend"]["wh"] == pytest.approx(3.0)
    assert by_backend["figures.backends.stylize.StylizeBackend"]["jobs"] == 2
    assert by_backend["figures.backends.diffusers.DiffusersBackend"]["wh"] == pytest.approx(8.0)
    days = [(row["day"], row["backend"], row["wh"]) for row in response.context["energy_by_day"]]
    assert len(days) == 3
    assert days[-1][2] == pytest.approx(2.0)  # the oldest day comes last
    assert 'data-testid="energy-totals"' in response.content.decode()

    filtered = admin_client.get(
        reverse("admin:figures_generationjob_changelist") + "?energy_method__exact=gpu"
    )
    assert [row["wh"] for row in filtered.context["energy_by_backend"]] == [pytest.approx(8.0)]


def test_the_data_export_holds_wh_method_and_co2e(user, settings):
    settings.MINIME_GRID_CO2_G_PER_KWH = 400
    design, job = _with_energy(user, 0.25)

    data = FiguresPrivacyHandler().export(user=user).data

    [exported] = [d for d in data["designs"] if d["id"] == str(design.pk)]
    assert exported["energy"]["wh"] == pytest.approx(1.0)
    assert exported["energy"]["method"] == ["estimate"]
    assert exported["energy"]["method_label"] == "estimate: CPU time × 10 W per core"
    assert exported["energy"]["co2e_g"] == pytest.approx(0.4)
    renders = [r for r in data["renders"] if r["job"] == str(job.pk)]
    assert len(renders) == 4
    assert all(r["energy"]["wh"] == pytest.approx(0.25) for r in renders)
    assert all(r["energy"]["co2e_g"] == pytest.approx(0.1) for r in renders)
    [exported_job] = [j for j in data["generation_jobs"] if j["id"] == str(job.pk)]
    assert exported_job["energy_wh"] == pytest.approx(1.0)
    assert exported_job["energy_method"] == "estimate"
