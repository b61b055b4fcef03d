"""``voice-guide doctor``: each check on its own (with faked devices and libraries), and the command's exit code."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
from conftest import RunCli
from speech import WITHOUT_LIBESPEAK

from voice_guide import doctor
from voice_guide.doctor import Check, Status


def fake_sounddevice(devices: list[dict[str, Any]], defaults: dict[str, int | None]) -> types.ModuleType:
    module = types.ModuleType("sounddevice")

    def query_devices(kind: str | None = None) -> Any:
        if kind is None:
            return devices
        index = defaults.get(kind)
        if index is None:
            raise RuntimeError("Error querying device -1")
        return devices[index]

    module.query_devices = query_devices  # type: ignore[attr-defined]
    return module


MIC = {"name": "USB mic", "max_input_channels": 1, "max_output_channels": 0}
SPEAKER = {"name": "Headphones", "max_input_channels": 0, "max_output_channels": 2}


def test_content_passes_for_the_real_content() -> None:
    result = doctor.check_content()
    assert result.status is Status.PASS
    assert "questions" in result.detail


def test_content_fails_naming_file_key_and_problem(prompts_copy: Path) -> None:
    causes = prompts_copy / "causes.toml"
    causes.write_text(causes.read_text(encoding="utf-8") + "\n[[cause]]\nid = 'broken'\n", encoding="utf-8")
    result = doctor.check_content(prompts_copy)
    assert result.status is Status.FAIL
    assert result.detail.startswith("causes.toml: cause[")
    assert result.line().startswith("FAIL  content: causes.toml: ")


def test_audio_devices_found(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([MIC, SPEAKER], {"input": 0, "output": 1}))
    assert doctor.check_audio_input() == Check("audio input", Status.PASS, "1 device(s); default: USB mic")
    assert doctor.check_audio_output() == Check("audio output", Status.PASS, "1 device(s); default: Headphones")


def test_no_microphone_is_a_fail_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([SPEAKER], {"input": None, "output": 0}))
    result = doctor.check_audio_input()
    assert result.status is Status.FAIL
    assert result.detail == "no input device: connect a microphone (check with 'arecord -l')"
    assert doctor.check_audio_output().status is Status.PASS


def test_devices_without_a_default_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([MIC], {"input": None}))
    result = doctor.check_audio_input()
    assert result.status is Status.FAIL
    assert "no default input device" in result.detail


def test_missing_portaudio_is_a_fail_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_import(name: str) -> types.ModuleType:
        raise OSError("PortAudio library not found")

    monkeypatch.setattr("voice_guide.doctor.importlib.import_module", broken_import)
    for check in (doctor.check_audio_input, doctor.check_audio_output):
        result = check()
        assert result.status is Status.FAIL
        assert "libportaudio2" in result.detail


def test_missing_package_is_a_fail_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # import raises ImportError
    result = doctor.check_recognizer()
    assert result == Check("recognizer", Status.FAIL, "pocketsphinx is not installed; install voice-guide[voice] (pip)")


@pytest.mark.audio
def test_recognizer_loads_pocketsphinx_bundled_model() -> None:
    result = doctor.check_recognizer()
    assert result.status is Status.PASS, result.detail
    assert "bundled model" in result.detail


def test_recognizer_reports_words_missing_from_the_dictionary() -> None:
    result = doctor.check_recognizer(("yes", "zzqxv"))
    assert result == Check("recognizer", Status.FAIL, "pocketsphinx's dictionary lacks: zzqxv")


@pytest.mark.audio
def test_speech_output_synthesizes_in_memory() -> None:
    result = doctor.check_speech_output(Check("audio output", Status.PASS, "1 device(s); default: Headphones"))
    assert result.status is Status.PASS, result.detail
    assert "in memory (no temporary files needed)" in result.detail


@pytest.mark.audio
def test_speech_output_never_passes_while_audio_output_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([MIC], {"input": 0}))
    results = {r.name: r for r in doctor.run_checks()}
    assert results["audio output"].status is Status.FAIL
    assert results["speech output"].status is Status.FAIL
    assert "no audio output to speak through" in results["speech output"].detail
    keyboard = {r.name: r for r in doctor.run_checks(keyboard_only=True)}
    assert keyboard["speech output"].status is Status.WARN


def test_speech_output_fails_without_the_espeak_ng_library() -> None:
    """The real failure, in a fresh process where loading libespeak-ng is made to fail."""
    script = WITHOUT_LIBESPEAK + textwrap.dedent(
        """
        from voice_guide import doctor
        print(doctor.check_speech_output().line())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("FAIL  speech output: the espeak-ng library is missing"), done.stdout
    assert "install espeak-ng" in done.stdout


def test_vosk_model_is_optional(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICE_GUIDE_VOSK_MODEL", raising=False)
    assert doctor.check_vosk_model(tmp_path).status is Status.WARN
    (tmp_path / "vosk-model-small-en-us" / "am").mkdir(parents=True)
    (tmp_path / "vosk-model-small-en-us" / "am" / "final.mdl").write_bytes(b"")
    result = doctor.check_vosk_model(tmp_path)
    assert result.status is Status.PASS
    assert "vosk-model-small-en-us" in result.detail


def test_a_vosk_model_variable_pointing_nowhere_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICE_GUIDE_VOSK_MODEL", str(tmp_path / "missing"))
    result = doctor.check_vosk_model(tmp_path)
    assert result.status is Status.FAIL
    assert "is not a vosk model folder" in result.detail


def test_storage_and_network_are_not_needed() -> None:
    assert doctor.check_storage().status is Status.PASS
    assert "writes nothing" in doctor.check_storage().detail
    assert doctor.check_network().status is Status.PASS


def test_storage_passes_and_says_so_when_there_is_no_writable_temporary_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Truthful: the guide needs none (test_faults' spoken sessions with no writable disk prove it), and the detail
    says this machine has none rather than naming one."""
    monkeypatch.setattr("os.access", lambda path, mode: False)
    result = doctor.check_storage()
    assert result.status is Status.PASS
    assert result.detail.endswith("(read-only is fine; no writable temporary directory here)")


def unix_socket(path: Path, *, listening: bool) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    if listening:
        server.listen(1)
    return server


def test_no_sound_server_configured_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr(doctor, "Path", lambda p: tmp_path / "none" / str(p).lstrip("/"))  # no /run/pulse either
    result = doctor.check_sound_server()
    assert result == Check(
        "sound server", Status.PASS, "none configured or running: the ALSA devices are used directly"
    )


def test_a_sound_server_that_answers_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pulse").mkdir()
    with unix_socket(tmp_path / "pulse" / "native", listening=True):
        monkeypatch.delenv("PULSE_SERVER", raising=False)
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
        result = doctor.check_sound_server()
    assert result == Check("sound server", Status.PASS, f"answering at {tmp_path / 'pulse' / 'native'}")


def test_a_sound_server_that_died_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its socket is left behind (as when PulseAudio is killed) but nothing accepts on it."""
    with unix_socket(tmp_path / "native", listening=False):
        monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'native'}")
        result = doctor.check_sound_server()
    assert result.status is Status.FAIL
    assert result.detail.startswith(f"the sound server at PULSE_SERVER=unix:{tmp_path / 'native'} does not answer (")
    assert "restart" in result.detail


def test_the_model_check_loads_what_the_guide_would_and_fails_as_it_would(tmp_path: Path) -> None:
    from voice_guide.engines.loader import load_recognizer
    from voice_guide.errors import RecognizerError
    from voice_guide.speech.stack import VoiceSettings

    missing = VoiceSettings(engine="vosk", model=tmp_path / "no-model")
    result = doctor.check_model(missing)
    with pytest.raises(RecognizerError) as raised:
        load_recognizer("vosk", tmp_path / "no-model")
    assert result == Check("model", Status.FAIL, f"{raised.value} (the guide would fall back to the keyboard)")
    sphinx = doctor.check_model(VoiceSettings(engine="pocketsphinx"))
    assert sphinx == Check("model", Status.PASS, "pocketsphinx (bundled English model)")


def test_keyboard_only_turns_audio_failures_into_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice([], {}))
    results = {r.name: r for r in doctor.run_checks(keyboard_only=True)}
    assert results["audio input"].status is Status.WARN
    assert results["audio input"].detail.endswith("(not needed: keyboard only)")
    assert all(r.status is not Status.FAIL for r in results.values())


def test_cli_doctor_fails_on_broken_content(prompts_copy: Path, run_cli: RunCli) -> None:
    (prompts_copy / "phrases.toml").write_text("[phrases\nwelcome = 'hi'\n", encoding="utf-8")
    code, out, err = run_cli(["--prompts", str(prompts_copy), "doctor", "--keyboard"])
    assert code == 1
    assert out.splitlines()[0].startswith("FAIL  content: phrases.toml: (file): not valid TOML")
    assert out.splitlines()[-1] == "1 check(s) failed."
    assert "Traceback" not in out + err


def test_cli_doctor_prints_one_line_per_check(run_cli: RunCli) -> None:
    code, out, err = run_cli(["doctor", "--keyboard"])
    lines = out.splitlines()
    names = [line.split(":", 1)[0].split(None, 1)[1] for line in lines[:-1]]
    assert names == [
        "content",
        "audio input",
        "audio output",
        "speech output",
        "recognizer",
        "vosk model",
        "sound server",
        "microphone",
        "speaker",
        "model",
        "storage",
        "network",
    ]
    assert all(line[:4] in ("PASS", "WARN", "FAIL") for line in lines[:-1])
    assert code == 0
    assert lines[-1] == "All checks passed."
    assert "Traceback" not in err
