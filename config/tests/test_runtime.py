"""The worker's garbage-collector settings (config/runtime.py), in a fresh interpreter."""

import subprocess
import sys

from config.runtime import GC_THRESHOLDS


def test_tune_garbage_collector_freezes_start_up_objects_and_raises_the_threshold():
    code = (
        "import gc; from config.runtime import tune_garbage_collector; tune_garbage_collector(); "
        "print(gc.get_threshold(), gc.get_freeze_count() > 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"{GC_THRESHOLDS} True"


def test_gunicorn_workers_call_it_once_the_app_is_loaded():
    code = (
        "import gc, runpy; conf = runpy.run_path('config/gunicorn.conf.py'); "
        "conf['post_worker_init'](None); print(gc.get_threshold())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(GC_THRESHOLDS)
