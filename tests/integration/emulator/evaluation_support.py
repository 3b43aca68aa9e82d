"""Helpers of the `byoc evaluate` integration tests: a throwaway PostgreSQL, headless Chromium, a skewed model."""

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from emulator.config import FIXTURES_DIR
from tests.support import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1200,2000",
]


def postgres_bin() -> Path | None:
    """Return the folder of PostgreSQL's server binaries (Debian's `postgresql` package), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@contextmanager
def throwaway_postgres(bin_dir: Path) -> Iterator[str]:
    """Run a fresh cluster on a loopback port for the block; yield its SQLAlchemy URL (psycopg)."""
    folder = Path(tempfile.mkdtemp(prefix="byoc-evaluate-pg-"))
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_user:
        shutil.chown(folder, "postgres", "postgres")  # initdb refuses to run as root
    data, port = folder / "data", free_port()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            as_user + [str(bin_dir / args[0]), *args[1:]], check=True, capture_output=True, text=True, timeout=120
        )

    try:
        run("initdb", "-D", str(data), "-U", "byoc", "--auth=trust", "--no-sync")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        try:
            yield f"postgresql+psycopg://byoc@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def screenshot(page: Path, png: Path) -> Path:
    """Open a page in headless Chromium (a fresh profile) and save a 1200x2000 screenshot."""
    with tempfile.TemporaryDirectory(prefix="byoc-evaluate-chromium-") as profile:
        command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", page.as_uri()]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    return png


def write_skewed_abalone(folder: Path) -> Path:
    """Pack a featurizer fitted on distorted training data with the fixture's predictor; return its definition."""
    from fixtures.fixturegen import abalone, packing

    train_set, _ = abalone.load_split()
    skewed = train_set.copy()
    skewed[abalone.NUMERIC] = skewed[abalone.NUMERIC] * 1.25  # "other data": every size a quarter larger
    featurizer = abalone.make_featurizer().fit(skewed[abalone.FEATURES])
    archive = packing.write_model_tar(folder / "featurizer", abalone.featurizer_files(featurizer))
    predictor = FIXTURES_DIR / "abalone" / "predictor" / "model.tar.gz"
    definition = folder / "abalone-skewed.toml"
    definition.write_text(f'''ModelName = "abalone-skewed"
InferenceExecutionConfig = {{ Mode = "Serial" }}
[[Containers]]
ContainerHostname = "featurizer"
Image = "byoc/featurizer:latest"
ModelDataUrl = "{archive}"
Environment = {{ FEATURIZER_INPUT = "tabular" }}
[[Containers]]
ContainerHostname = "predictor"
Image = "byoc/predictor:latest"
ModelDataUrl = "{predictor}"
''')
    return definition
