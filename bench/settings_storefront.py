"""Settings of bench/bench_storefront.py: the demo settings with the bench's own URLconf, which
adds a bare "hello" view beside the shipped URLs (the throughput reference). Nothing here is
shipped in the apps.

Selected with DJANGO_SETTINGS_MODULE=bench.settings_storefront (the repository root on sys.path)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_storefront"
