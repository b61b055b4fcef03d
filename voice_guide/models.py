"""Speech models on disk: the manifest of known models, finding a vosk model, and fetching one.

The guide never downloads anything on its own. :func:`fetch` is the one place it touches the network, and only when
the user asks for it (``voice-guide models fetch NAME``). A fetch downloads to a temporary file inside ``dest``,
checks the size and SHA-256 against ``models/manifest.toml``, unpacks into a temporary folder (refusing any member
that would land outside it), then renames the model folder into place. On any failure it raises
:class:`~voice_guide.errors.ModelFetchError` and leaves ``dest`` as it was.

Where a vosk model is looked for (:func:`find_vosk_model`), first match wins:

1. the path given explicitly (``--model``): must be a vosk model, else RecognizerError;
2. the environment variable ``VOICE_GUIDE_VOSK_MODEL``: likewise;
3. folders under ``models/`` (next to the ``voice_guide`` package) holding a vosk model, in name order.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import tomllib
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from voice_guide.errors import ModelFetchError, RecognizerError

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
"""Repo-level ``models/``: the manifest, and downloaded models (ignored by git)."""

MANIFEST = MODELS_DIR / "manifest.toml"
"""The known models (see :class:`ModelInfo`)."""

ENV_VOSK_MODEL = "VOICE_GUIDE_VOSK_MODEL"
"""Environment variable naming a vosk model folder."""

VOSK_MARKERS = ("am/final.mdl", "conf/model.conf")
"""A folder holding any of these files is taken for a vosk model."""

CHUNK = 1 << 16
"""Bytes read per network read."""

TIMEOUT = 30.0
"""Seconds a network connect or read may take."""


@dataclass(frozen=True)
class ModelInfo:
    """One downloadable model, as listed in the manifest."""

    name: str
    """What the user types (``models fetch NAME``)."""
    engine: str
    """The recognizer that uses it ("vosk")."""
    language: str
    """BCP 47 tag, e.g. "en-us"."""
    url: str
    """Where the zip archive is downloaded from."""
    sha256: str
    """SHA-256 of the zip, lower-case hex."""
    size: int
    """Size of the zip in bytes."""
    folder: str
    """The one top-level folder inside the zip; also its folder name under ``models/``."""


def load_manifest(path: Path = MANIFEST) -> dict[str, ModelInfo]:
    """The models listed in a manifest, by name. Raises ModelFetchError if the manifest is unreadable."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ModelFetchError(f"cannot read the model manifest {path}: {error}") from None
    models: dict[str, ModelInfo] = {}
    for index, entry in enumerate(data.get("model", [])):
        try:
            info = ModelInfo(
                name=str(entry["name"]),
                engine=str(entry["engine"]),
                language=str(entry["language"]),
                url=str(entry["url"]),
                sha256=str(entry["sha256"]).lower(),
                size=int(entry["size"]),
                folder=str(entry["folder"]),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFetchError(f"{path}: model[{index}] is incomplete or malformed ({error!r})") from None
        if len(info.sha256) != 64 or any(c not in "0123456789abcdef" for c in info.sha256):
            raise ModelFetchError(f"{path}: model {info.name!r} has no valid sha256")
        if not _is_plain_name(info.folder):
            raise ModelFetchError(f"{path}: model {info.name!r} has an unsafe folder name {info.folder!r}")
        models[info.name] = info
    return models


def is_vosk_model(path: Path) -> bool:
    """Whether ``path`` is a folder that looks like a vosk model."""
    return path.is_dir() and any((path / marker).is_file() for marker in VOSK_MARKERS)


def find_vosk_model(explicit: Path | None = None, models_dir: Path = MODELS_DIR) -> Path | None:
    """The vosk model to use (see the module docstring for the order), or None when there is none.

    An explicit path or the environment variable that does not point at a vosk model raises RecognizerError (a
    mistake the user should hear about), rather than silently falling back.
    """
    if explicit is not None:
        if not is_vosk_model(explicit):
            raise RecognizerError(f"{explicit} is not a vosk model folder (expected {' or '.join(VOSK_MARKERS)} in it)")
        return explicit
    if env := os.environ.get(ENV_VOSK_MODEL):
        path = Path(env).expanduser()
        if not is_vosk_model(path):
            raise RecognizerError(
                f"{ENV_VOSK_MODEL}={env} is not a vosk model folder (expected {' or '.join(VOSK_MARKERS)} in it)"
            )
        return path
    if models_dir.is_dir():
        for child in sorted(models_dir.iterdir()):
            if is_vosk_model(child):
                logger.debug("found vosk model %s", child)
                return child
    return None


def fetch(name: str, manifest: Path = MANIFEST, dest: Path = MODELS_DIR) -> Path:
    """Download model ``name`` from the manifest into ``dest`` and return its folder (``dest / folder``).

    Already present -> returned without downloading. Any failure raises ModelFetchError and leaves ``dest`` unchanged.
    """
    models = load_manifest(manifest)
    if name not in models:
        known = ", ".join(sorted(models)) or "none"
        raise ModelFetchError(f"unknown model {name!r} (known models: {known})")
    info = models[name]
    target = dest / info.folder
    if target.exists():
        logger.info("model %s is already in %s", name, target)
        return target
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ModelFetchError(f"cannot create {dest}: {error.strerror}") from None
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=dest) as scratch:
        archive = Path(scratch) / "download.zip"
        _download(info, archive)
        unpacked = Path(scratch) / "unpacked"
        _unzip(info, archive, unpacked)
        try:
            (unpacked / info.folder).rename(target)
        except OSError as error:
            raise ModelFetchError(f"cannot move the model into {target}: {error.strerror}") from None
    logger.info("model %s installed in %s", name, target)
    return target


def _download(info: ModelInfo, archive: Path) -> None:
    logger.info("downloading %s (%d bytes) from %s", info.name, info.size, info.url)
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(info.url, timeout=TIMEOUT) as response, archive.open("wb") as out:  # noqa: S310 (the URL is from our manifest; http(s) only, checked below)
            while chunk := response.read(CHUNK):
                received += len(chunk)
                if received > info.size:
                    raise ModelFetchError(
                        f"{info.url} sent more than the expected {info.size} bytes: not the listed file"
                    )
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as error:
        raise ModelFetchError(f"cannot download {info.url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise ModelFetchError(
            f"cannot download {info.url}: {error.reason} (offline? copy the unpacked model into models/ instead)"
        ) from None
    except (OSError, ValueError) as error:  # a dropped connection, a full disk, a non-http URL
        raise ModelFetchError(f"cannot download {info.url}: {error}") from None
    if received != info.size:
        raise ModelFetchError(f"{info.url}: got {received} bytes, expected {info.size} (interrupted download?)")
    if digest.hexdigest() != info.sha256:
        raise ModelFetchError(
            f"{info.url}: SHA-256 mismatch (got {digest.hexdigest()}, manifest says {info.sha256}); file discarded"
        )


def _is_plain_name(name: str) -> bool:
    return bool(name) and name not in {".", ".."} and "/" not in name and "\\" not in name


def _unzip(info: ModelInfo, archive: Path, out: Path) -> None:
    """Unpack ``archive`` into ``out``, refusing absolute paths, ``..``, links, and members outside ``info.folder``."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = bundle.infolist()
            for member in members:
                parts = PurePosixPath(member.filename.replace("\\", "/")).parts
                if (
                    not parts
                    or member.filename.startswith(("/", "\\"))
                    or ".." in parts
                    or ":" in parts[0]
                    or parts[0] != info.folder
                ):
                    raise ModelFetchError(
                        f"{info.name}: refusing archive member {member.filename!r} (outside {info.folder}/)"
                    )
                if (member.external_attr >> 16) & 0o170000 == 0o120000:
                    raise ModelFetchError(f"{info.name}: refusing symbolic link {member.filename!r} in the archive")
            out.mkdir()
            root = out.resolve()
            for member in members:
                destination = (out / member.filename).resolve()
                if not destination.is_relative_to(root):
                    raise ModelFetchError(f"{info.name}: refusing archive member {member.filename!r}")
                if member.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(member) as source, destination.open("wb") as target:
                    shutil.copyfileobj(source, target)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        raise ModelFetchError(f"{info.name}: the download is not a usable zip archive ({error})") from None
    except OSError as error:
        raise ModelFetchError(f"{info.name}: cannot unpack the archive: {error}") from None
    if not (out / info.folder).is_dir():
        raise ModelFetchError(f"{info.name}: the archive has no {info.folder}/ folder")


def describe_models(manifest: Path = MANIFEST, dest: Path = MODELS_DIR) -> list[str]:
    """One line per known model (name, language, size, installed or not), then the vosk model in use, if any."""
    lines = []
    for info in load_manifest(manifest).values():
        state = "installed" if is_vosk_model(dest / info.folder) else "not installed"
        lines.append(f"{info.name}  {info.engine} {info.language}  {info.size / 1e6:.0f} MB  {state}")
    lines.append("pocketsphinx  bundled English model (no download)  always available with the voice extras")
    try:
        found = find_vosk_model(None, dest)
    except RecognizerError as error:
        lines.append(f"vosk model: {error}")
    else:
        lines.append(f"vosk model in use: {found}" if found else "vosk model in use: none (pocketsphinx is used)")
    return lines
